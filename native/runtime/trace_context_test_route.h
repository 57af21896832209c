// trace_context_test_route.h: the service endpoint of the W3C Trace Context test suite
// (github.com/w3c/trace-context, test/), so the suite's harness can check how a
// service continues traces:
//
//   POST /admin/trace-context-test
//   [{"url": "http://127.0.0.1:7777/<scope>.0", "arguments": [...]}, ...]
//
// For each element, in order, the service POSTs `arguments` (JSON, [] if absent) to
// `url` as a participant would: in the trace of the request it is handling (continued
// from its traceparent and tracestate, or a new one), each call a span of its own.
// The answer comes once every call is done: 200 with {"results": [{"url", "status"}
// or {"url", "error"}]}.
//
// Only with --enable_admin, and only for loopback peers (403 otherwise); the urls must
// be http:// on a loopback address (127/8, ::1, localhost), or the request is refused
// with 400 and nothing is called. At most 32 calls per request.
#ifndef SLUICE_NATIVE_RUNTIME_TRACE_CONTEXT_TEST_ROUTE_H_
#define SLUICE_NATIVE_RUNTIME_TRACE_CONTEXT_TEST_ROUTE_H_

#include <asio.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "native/runtime/router.h"

namespace sluice::native {

inline constexpr std::string_view kTraceContextTestPath = "/admin/trace-context-test";

// HttpUrl: an http:// url split for HttpClient.
struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target;  // path and query, "/" at least
};

// parse_loopback_http_url: `url` if it is http:// to a loopback host, or why not.
Result<HttpUrl> parse_loopback_http_url(std::string_view url);

// add_trace_context_test_route: the route above on `router`; calls go out on `io`, with
// span ids from `seed`.
Status add_trace_context_test_route(Router& router, asio::io_context& io, std::uint64_t seed);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_TRACE_CONTEXT_TEST_ROUTE_H_
