#include "native/runtime/metrics.h"

#include <dirent.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sluice::native {
namespace {

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int count = 0;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 3;  // ".", ".." and the directory's own descriptor
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& Metrics::red_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {0.01, 0.05, 0.1, 0.5, 1, 5};
  return buckets;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      durations_(prometheus::BuildHistogram()
                     .Name("http_request_duration_seconds")
                     .Help("Duration of HTTP requests in seconds")
                     .Register(*registry_)),
      requests_(
          prometheus::BuildCounter().Name("http_requests_total").Help("HTTP requests answered").Register(*registry_)),
      errors_(prometheus::BuildCounter()
                  .Name("http_request_errors_total")
                  .Help("HTTP requests answered with a 5xx status")
                  .Register(*registry_)),
      grpc_server_handled_(prometheus::BuildCounter()
                               .Name("grpc_server_handled_total")
                               .Help("RPCs completed on the server, by status code")
                               .Register(*registry_)),
      grpc_server_seconds_(prometheus::BuildHistogram()
                               .Name("grpc_server_handling_seconds")
                               .Help("Time to handle an RPC on the server in seconds")
                               .Register(*registry_)),
      grpc_client_handled_(prometheus::BuildCounter()
                               .Name("grpc_client_handled_total")
                               .Help("RPCs completed by the client, by status code")
                               .Register(*registry_)),
      grpc_client_seconds_(prometheus::BuildHistogram()
                               .Name("grpc_client_handling_seconds")
                               .Help("Time from the start of an RPC to its status, on the client, in seconds")
                               .Register(*registry_)),
      breaker_state_(prometheus::BuildGauge()
                         .Name("circuit_breaker_state")
                         .Help("1 for the state each circuit breaker is in, 0 for the others")
                         .Register(*registry_)),
      pool_connections_(prometheus::BuildGauge()
                            .Name("http_client_pool_connections")
                            .Help("Connections of an HTTP client pool, open and idle")
                            .Register(*registry_)),
      pool_pending_(prometheus::BuildGauge()
                        .Name("http_client_pool_pending")
                        .Help("Requests waiting for a connection of an HTTP client pool")
                        .Register(*registry_)),
      cpu_seconds_(prometheus::BuildCounter()
                       .Name("process_cpu_seconds_total")
                       .Help("Total user and system CPU time spent in seconds")
                       .Register(*registry_)
                       .Add({})),
      resident_bytes_(prometheus::BuildGauge()
                          .Name("process_resident_memory_bytes")
                          .Help("Resident memory size in bytes")
                          .Register(*registry_)
                          .Add({})),
      open_fds_(prometheus::BuildGauge()
                    .Name("process_open_fds")
                    .Help("Number of open file descriptors")
                    .Register(*registry_)
                    .Add({})),
      start_time_(prometheus::BuildGauge()
                      .Name("process_start_time_seconds")
                      .Help("Start time of the process since unix epoch in seconds")
                      .Register(*registry_)
                      .Add({})) {
  start_time_.Set(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void Metrics::record_http(std::string_view method, std::string_view route, int status, std::string_view target_service,
                          std::chrono::steady_clock::duration elapsed) {
  const prometheus::Labels labels = {{"method", std::string(method)},
                                     {"route", std::string(route)},
                                     {"status", std::to_string(status)},
                                     {"target_service", std::string(target_service)}};
  durations_.Add(labels, red_buckets()).Observe(std::chrono::duration<double>(elapsed).count());
  requests_.Add(labels).Increment();
  if (status >= 500) errors_.Add(labels).Increment();
}

void Metrics::record_grpc(Side side, std::string_view service, std::string_view method, std::string_view code,
                          std::chrono::steady_clock::duration elapsed) {
  const prometheus::Labels labels = {
      {"grpc_service", std::string(service)}, {"grpc_method", std::string(method)}, {"grpc_code", std::string(code)}};
  auto& handled = side == Side::kServer ? grpc_server_handled_ : grpc_client_handled_;
  auto& seconds = side == Side::kServer ? grpc_server_seconds_ : grpc_client_seconds_;
  handled.Add(labels).Increment();
  seconds.Add(labels, red_buckets()).Observe(std::chrono::duration<double>(elapsed).count());
}

void Metrics::watch(const resilience::CircuitBreaker& breaker) { breakers_.push_back(&breaker); }

void Metrics::watch(const resilience::AdaptiveLimiter& limiter) {
  const prometheus::Labels labels = {{"name", limiter.name()}};
  const auto gauge = [&](const char* name, const char* help) -> prometheus::Gauge& {
    return prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add(labels);
  };
  const auto counter = [&](const char* name, const char* help) -> prometheus::Counter& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add(labels);
  };
  limiters_.push_back(WatchedLimiter{
      .limiter = &limiter,
      .limit = gauge("adaptive_concurrency_limit", "Requests the adaptive limiter admits at once now"),
      .in_flight = gauge("adaptive_concurrency_in_flight", "Requests admitted by the adaptive limiter, not yet answered"),
      .min_rtt = gauge("adaptive_concurrency_min_rtt_seconds", "The latency floor the adaptive limiter last measured"),
      .sample_rtt = gauge("adaptive_concurrency_sample_rtt_seconds",
                          "The latency of the adaptive limiter's last sample window"),
      .accepted = counter("adaptive_concurrency_accepted_total", "Requests the adaptive limiter admitted"),
      .rejected = counter("adaptive_concurrency_rejected_total", "Requests shed by the adaptive limiter")});
}

void Metrics::watch(std::string target_service, std::function<PoolUse()> pool) {
  pools_.emplace_back(std::move(target_service), std::move(pool));
}

std::string Metrics::exposition() {
  using resilience::BreakerState;
  for (const resilience::CircuitBreaker* breaker : breakers_) {
    const BreakerState now = breaker->state();
    for (BreakerState state : {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen,
                               BreakerState::kDisabled, BreakerState::kMetricsOnly, BreakerState::kForcedOpen}) {
      breaker_state_.Add({{"name", breaker->name()}, {"state", std::string(resilience::to_string(state))}})
          .Set(state == now ? 1 : 0);
    }
  }
  for (WatchedLimiter& watched : limiters_) {
    const resilience::AdaptiveLimiterStats stats = watched.limiter->stats();
    watched.limit.Set(stats.limit);
    watched.in_flight.Set(stats.in_flight);
    watched.min_rtt.Set(std::chrono::duration<double>(stats.min_rtt).count());
    watched.sample_rtt.Set(std::chrono::duration<double>(stats.sample_rtt).count());
    watched.accepted.Increment(static_cast<double>(stats.accepted - watched.accepted_counted));
    watched.rejected.Increment(static_cast<double>(stats.rejected - watched.rejected_counted));
    watched.accepted_counted = stats.accepted;
    watched.rejected_counted = stats.rejected;
  }
  for (const auto& [target, pool] : pools_) {
    const PoolUse use = pool();
    pool_connections_.Add({{"target_service", target}, {"state", "open"}}).Set(static_cast<double>(use.open));
    pool_connections_.Add({{"target_service", target}, {"state", "idle"}}).Set(static_cast<double>(use.idle));
    pool_pending_.Add({{"target_service", target}}).Set(static_cast<double>(use.pending));
  }
  // A counter only goes up: add what was spent since the last scrape.
  const double cpu = process_cpu_seconds();
  if (cpu > cpu_seconds_counted_) cpu_seconds_.Increment(cpu - cpu_seconds_counted_);
  cpu_seconds_counted_ = std::max(cpu, cpu_seconds_counted_);
  resident_bytes_.Set(resident_bytes());
  open_fds_.Set(open_fds());
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace sluice::native
