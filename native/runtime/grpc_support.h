// grpc_support.h: the small pieces every gRPC server and client of ours shares with
// the HTTP side, so both are observed the same way:
//
// - trace context in metadata ("traceparent", "tracestate"), read on the server and
//   sent by the client;
// - GrpcObservability: per RPC, the metrics (grpc_*_handled_total and
//   grpc_*_handling_seconds), a JSON log line and a span;
// - outcome_of_grpc_status: how a breaker should count a status;
// - GuardedUnary: a unary call with a deadline and trace metadata through a circuit
//   breaker, with a fallback when the breaker is open or the call fails, answered on
//   the asio thread.
#ifndef SLUICE_NATIVE_RUNTIME_GRPC_SUPPORT_H_
#define SLUICE_NATIVE_RUNTIME_GRPC_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/observe/trace_context.h"
#include "core/resilience/adaptive_limiter.h"
#include "core/resilience/circuit_breaker.h"
#include "core/time/prng.h"
#include "native/runtime/json_log.h"
#include "native/runtime/metrics.h"

namespace sluice::native {

// grpc_code_name: "OK", "UNAVAILABLE", ... as Prometheus labels and logs spell them.
std::string_view grpc_code_name(grpc::StatusCode code);

// outcome_of_grpc_status: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL,
// UNKNOWN and DATA_LOSS say the dependency struggles (failure); other errors are the
// caller's (ignored); OK is a success.
resilience::Outcome outcome_of_grpc_status(grpc::StatusCode code);

// limit_outcome_of_grpc_status: how a server's limiter learns from a status:
// RESOURCE_EXHAUSTED, UNAVAILABLE and DEADLINE_EXCEEDED are drops (overload);
// INTERNAL, UNKNOWN and DATA_LOSS say nothing about load (ignored); the rest (OK and
// the caller's errors) are latency samples, as limit_outcome_of_http_status does.
resilience::LimitOutcome limit_outcome_of_grpc_status(grpc::StatusCode code);

// attach_trace: sends `trace` (the client span's context) as metadata.
void attach_trace(grpc::ClientContext& context, const observe::TraceContext& trace);

// TraceIds: a Prng behind a mutex, since gRPC calls handlers on many threads.
class TraceIds {
 public:
  explicit TraceIds(std::uint64_t seed);
  observe::TraceContext child_of(const observe::TraceContext& parent);
  observe::TraceContext start_trace();

 private:
  std::mutex mutex_;
  time::Prng prng_;
};

// ServerTrace: the server span of one RPC and the caller's span it continues.
struct ServerTrace {
  observe::TraceContext trace;
  std::string parent_span_id;  // empty when the call started a new trace
};
ServerTrace server_trace(const grpc::CallbackServerContext& context, TraceIds& ids);

// GrpcObservability: what a gRPC server reports per RPC. Thread-safe (prometheus-cpp
// and spdlog are).
class GrpcObservability {
 public:
  GrpcObservability(std::string grpc_service, Metrics& metrics, JsonLog& log);
  void on_finished(std::string_view method, const ServerTrace& trace, grpc::StatusCode code,
                   std::chrono::steady_clock::time_point started);
  // on_shed: an RPC refused by the server's limiter: counted (RESOURCE_EXHAUSTED), not
  // logged or traced, so shedding stays cheap.
  void on_shed(std::string_view method);

 private:
  std::string service_;
  Metrics& metrics_;
  JsonLog& log_;
};

// guarded_unary: starts `call` (an async stub method bound to its context, request and
// response) unless the breaker is open; records the outcome on `io`; `done` runs on `io` with
// the status, the response, and whether the fallback produced it.
template <typename Response>
using UnaryStarter = std::function<void(grpc::ClientContext*, Response*, std::function<void(grpc::Status)>)>;

template <typename Response>
void guarded_unary(asio::io_context& io, resilience::CircuitBreaker& breaker, std::chrono::milliseconds deadline,
                   const observe::TraceContext& trace, UnaryStarter<Response> start, std::function<Response()> fallback,
                   std::function<void(grpc::Status, Response, bool from_fallback)> done) {
  resilience::CircuitBreaker::Permit permit = breaker.try_acquire();
  if (!permit) {
    asio::post(
        io, [fallback, done] { done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "breaker open"), fallback(), true); });
    return;
  }
  struct Call {
    grpc::ClientContext context;
    Response response;
    resilience::CircuitBreaker::Permit permit;
  };
  auto call = std::make_shared<Call>();
  call->permit = std::move(permit);
  call->context.set_deadline(std::chrono::system_clock::now() + deadline);
  attach_trace(call->context, trace);
  start(&call->context, &call->response, [&io, call, fallback, done](grpc::Status status) {
    // Recorded on the loop, not gRPC's thread: the breaker's events go to sinks that
    // live on the loop (GET /events).
    asio::post(io, [call, status, fallback, done] {
      call->permit.record(outcome_of_grpc_status(status.error_code()));
      if (status.ok()) return done(status, call->response, false);
      if (outcome_of_grpc_status(status.error_code()) == resilience::Outcome::kFailure) {
        return done(status, fallback(), true);
      }
      done(status, call->response, false);
    });
  });
}

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_GRPC_SUPPORT_H_
