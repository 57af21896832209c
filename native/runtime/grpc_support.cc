#include "native/runtime/grpc_support.h"

#include <array>
#include <vector>

namespace sluice::native {

std::string_view grpc_code_name(grpc::StatusCode code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : "UNKNOWN";
}

resilience::Outcome outcome_of_grpc_status(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return resilience::Outcome::kSuccess;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return resilience::Outcome::kFailure;
    default:
      return resilience::Outcome::kIgnored;
  }
}

resilience::LimitOutcome limit_outcome_of_grpc_status(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return resilience::LimitOutcome::kDropped;
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return resilience::LimitOutcome::kIgnored;
    default:
      return resilience::LimitOutcome::kSuccess;
  }
}

void attach_trace(grpc::ClientContext& context, const observe::TraceContext& trace) {
  context.AddMetadata("traceparent", trace.traceparent());
  if (!trace.tracestate.empty()) context.AddMetadata("tracestate", trace.tracestate);
}

TraceIds::TraceIds(std::uint64_t seed) : prng_(seed) {}

observe::TraceContext TraceIds::child_of(const observe::TraceContext& parent) {
  std::lock_guard<std::mutex> lock(mutex_);
  return observe::child_of(parent, prng_);
}

observe::TraceContext TraceIds::start_trace() {
  std::lock_guard<std::mutex> lock(mutex_);
  return observe::start_trace(prng_);
}

ServerTrace server_trace(const grpc::CallbackServerContext& context, TraceIds& ids) {
  // Metadata keys may repeat, like HTTP headers: every value counts.
  const auto& metadata = context.client_metadata();
  auto values = [&](const char* key) {
    std::vector<std::string_view> out;
    const auto [first, last] = metadata.equal_range(key);
    for (auto it = first; it != last; ++it) out.emplace_back(it->second.data(), it->second.size());
    return out;
  };
  const Result<observe::TraceContext> caller =
      observe::read_trace_context({.traceparent = values("traceparent"), .tracestate = values("tracestate")});
  ServerTrace out{.trace = ids.child_of(caller.ok() ? *caller : ids.start_trace())};
  if (caller.ok()) out.parent_span_id = caller->span_id_hex();
  return out;
}

GrpcObservability::GrpcObservability(std::string grpc_service, Metrics& metrics, JsonLog& log)
    : service_(std::move(grpc_service)), metrics_(metrics), log_(log) {}

void GrpcObservability::on_shed(std::string_view method) {
  metrics_.record_grpc(Metrics::Side::kServer, service_, method, grpc_code_name(grpc::StatusCode::RESOURCE_EXHAUSTED),
                       std::chrono::steady_clock::duration::zero());
}

void GrpcObservability::on_finished(std::string_view method, const ServerTrace& trace, grpc::StatusCode code,
                                    std::chrono::steady_clock::time_point started) {
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const std::string_view code_name = grpc_code_name(code);
  metrics_.record_grpc(Metrics::Side::kServer, service_, method, code_name, elapsed);
  const double duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const bool failed = outcome_of_grpc_status(code) == resilience::Outcome::kFailure;
  log_.log(failed ? spdlog::level::err : spdlog::level::info, "grpc.request", &trace.trace, duration_ms,
           {{"grpc_service", service_}, {"grpc_method", method}, {"grpc_code", code_name}});
  const auto end = std::chrono::system_clock::now();
  SpanRecord span{.name = service_ + "/" + std::string(method),
                  .context = trace.trace,
                  .parent_span_id = trace.parent_span_id,
                  .start = end - std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed),
                  .end = end,
                  .error = failed};
  span.attributes = {{"rpc.system", "grpc"},
                     {"rpc.service", service_},
                     {"rpc.method", method},
                     {"rpc.grpc.status_code", static_cast<int>(code)}};
  log_.span(span);
}

}  // namespace sluice::native
