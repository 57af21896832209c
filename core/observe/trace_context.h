// trace_context.h: W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing,
// validating and propagating `traceparent` and `tracestate`, the same for HTTP
// headers, gRPC metadata and broker message attributes.
//
//   TraceContext incoming = continue_or_start(request.header("traceparent"),
//                                             request.header("tracestate"), prng);
//   TraceContext outgoing = child_of(incoming, prng);   // same trace, a new span id
//   call.set_header("traceparent", outgoing.traceparent());
//
// Version 00 is parsed exactly (55 characters, lowercase hex, ids not all zero). A
// higher version is parsed as the spec asks: its first 55 characters as version 00,
// followed by the end or a '-'; version ff is invalid. An invalid traceparent starts a
// new trace and drops the tracestate with it, as the spec says.
#ifndef SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_
#define SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/time/prng.h"

namespace sluice::observe {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};  // the parent-id field: the span that sent this context
  std::uint8_t flags = 0;
  std::string tracestate;  // validated, as received (empty if none)

  bool sampled() const { return (flags & 0x01) != 0; }
  // traceparent: version 00 text, e.g. "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".
  std::string traceparent() const;
  std::string trace_id_hex() const;
  std::string span_id_hex() const;

  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

// parse_traceparent: the context in a traceparent header, or why it is invalid.
Result<TraceContext> parse_traceparent(std::string_view header);

struct TraceStateMember {
  std::string key;
  std::string value;
};

// parse_tracestate: the list members (empty members skipped, whitespace around them
// allowed), or why the header is invalid: a bad key or value, a duplicate key, or more
// than 32 members.
Result<std::vector<TraceStateMember>> parse_tracestate(std::string_view header);

// start_trace: a new trace with random, non-zero ids.
TraceContext start_trace(time::Prng& prng, bool sampled = true);

// child_of: the context to send onwards from a new span: same trace, flags and
// tracestate, a new span id.
TraceContext child_of(const TraceContext& parent, time::Prng& prng);

// continue_or_start: the incoming context if the traceparent is valid (keeping the
// tracestate only if it is valid too), otherwise a new trace.
TraceContext continue_or_start(std::optional<std::string_view> traceparent, std::optional<std::string_view> tracestate,
                               time::Prng& prng);

}  // namespace sluice::observe

#endif  // SLUICE_CORE_OBSERVE_TRACE_CONTEXT_H_
