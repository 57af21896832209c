// http_server.h: HttpServer, HTTP/1.1 on standalone asio for every service.
//
//   Router router;
//   router.add("GET", "/api/inventory/:productId", handler);
//   Result<std::unique_ptr<HttpServer>> server = HttpServer::start(io, router, {.port = 3000});
//   ...
//   (*server)->shutdown([] { /* every in-flight request answered */ });
//
// Keep-alive, pipelined requests answered in the order they came (a handler may answer
// later; the ones behind it wait), chunked request bodies. Limits, each answered with
// a JSON error and the connection closed: headers over max_header_bytes (431), a body
// over max_body_bytes (413), a request not complete within request_timeout (408),
// malformed HTTP (400), more than max_connections at once (503). A connection with no
// request for idle_timeout is closed. shutdown() stops accepting, closes idle
// connections, lets in-flight requests finish (their replies say Connection: close),
// then calls back. Every request carries a W3C trace context (the caller's continued,
// or a new trace), and an observer, if given, sees every answer. Everything runs on the
// io_context's thread.
//
// Load shedding, with an AdaptiveLimiter in the options: a request takes a permit as
// soon as its headers are in, before its body is read or any work is done (routes the
// router marks never_shed take none). Over the limit it is answered at once with 503,
// Retry-After and {"error": {"code": "Overloaded", ...}}, never reaching its handler;
// its body is read past and discarded so the connection stays usable. A permit is
// released when the handler answers: 503 and 504 count as drops (overload further
// down), other 5xx say nothing about load (ignored), the rest are latency samples.
#ifndef SLUICE_NATIVE_RUNTIME_HTTP_SERVER_H_
#define SLUICE_NATIVE_RUNTIME_HTTP_SERVER_H_

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "core/base/result.h"
#include "core/resilience/adaptive_limiter.h"
#include "core/time/prng.h"
#include "native/runtime/fault_injection.h"
#include "native/runtime/http_request_parser.h"
#include "native/runtime/router.h"

namespace sluice::native {

// RequestObserver: told of every answered request (metrics, logs, spans).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // on_response: `route` is the matched pattern ("unmatched" for none).
  virtual void on_response(const HttpRequest& request, std::string_view route, const HttpResponse& response,
                           std::chrono::steady_clock::duration elapsed) = 0;
  // on_shed: a request refused by the limiter (answered 503 at once). Kept cheap: a
  // server shedding thousands a second must not log each.
  virtual void on_shed(const HttpRequest& /*request*/, std::string_view /*route*/) {}
};

// limit_outcome_of_http_status: how a server's limiter learns from an answer: 503 and
// 504 are drops, other 5xx ignored, the rest successes.
constexpr resilience::LimitOutcome limit_outcome_of_http_status(int status) {
  if (status == 503 || status == 504) return resilience::LimitOutcome::kDropped;
  if (status >= 500) return resilience::LimitOutcome::kIgnored;
  return resilience::LimitOutcome::kSuccess;
}

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see port())
  HttpLimits limits;
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(60);
  std::size_t max_connections = 1024;
  RequestObserver* observer = nullptr;  // outlives the server
  FaultInjector* faults = nullptr;      // outlives the server; see fault_injection.h
  // limiter: load shedding (see above); null serves everything. Outlives the server;
  // used on the io_context's thread only by this server.
  resilience::AdaptiveLimiter* limiter = nullptr;
};

class HttpConnection;

class HttpServer {
 public:
  // start: binds and accepts; an address that cannot be bound is an error naming it.
  // The router outlives the server.
  static Result<std::unique_ptr<HttpServer>> start(asio::io_context& io, const Router& router,
                                                   HttpServerOptions options);
  ~HttpServer();

  std::uint16_t port() const { return port_; }
  std::size_t connections() const { return connections_.size(); }

  // shutdown: stop accepting, finish what is in flight, then `done`.
  void shutdown(std::function<void()> done);

 private:
  friend class HttpConnection;

  HttpServer(asio::io_context& io, const Router& router, HttpServerOptions options);

  void accept();
  void closed(HttpConnection* connection);

  asio::io_context& io_;
  const Router& router_;
  HttpServerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::set<std::shared_ptr<HttpConnection>> connections_;
  const HttpResponse shed_response_;  // copied for each request shed
  time::Prng trace_ids_;  // span and trace ids, seeded from the system at start
  bool shutting_down_ = false;
  std::function<void()> on_drained_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_HTTP_SERVER_H_
