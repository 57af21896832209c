// metrics.h: Metrics, a service's Prometheus metrics (prometheus-cpp) in the text
// exposition format for GET /metrics: the RED histogram
// http_request_duration_seconds{method, route, status, target_service} with the
// article's buckets (0.01, 0.05, 0.1, 0.5, 1, 5), http_requests_total and
// http_request_errors_total (5xx) with the same labels, and process metrics
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds). A watched adaptive limiter shows as
// adaptive_concurrency_limit, adaptive_concurrency_in_flight,
// adaptive_concurrency_min_rtt_seconds, adaptive_concurrency_sample_rtt_seconds
// (gauges) and adaptive_concurrency_accepted_total, adaptive_concurrency_rejected_total
// (counters), each labelled {name}.
#ifndef SLUICE_NATIVE_RUNTIME_METRICS_H_
#define SLUICE_NATIVE_RUNTIME_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/resilience/adaptive_limiter.h"
#include "core/resilience/circuit_breaker.h"

namespace sluice::native {

// PoolUse: a connection pool's numbers at one moment.
struct PoolUse {
  std::size_t open = 0;
  std::size_t idle = 0;
  std::size_t pending = 0;
};

class Metrics {
 public:
  static const prometheus::Histogram::BucketBoundaries& red_buckets();

  Metrics();

  // record_http: one answered request. target_service is the service that answered
  // (this one, on the server side; the callee, on the client side).
  void record_http(std::string_view method, std::string_view route, int status, std::string_view target_service,
                   std::chrono::steady_clock::duration elapsed);

  // record_grpc: one finished RPC, on the server or the client side, as
  // grpc_{server,client}_handled_total{grpc_service, grpc_method, grpc_code} and
  // grpc_{server,client}_handling_seconds with the same buckets as HTTP.
  enum class Side { kServer, kClient };
  void record_grpc(Side side, std::string_view service, std::string_view method, std::string_view code,
                   std::chrono::steady_clock::duration elapsed);

  // watch: report a breaker's state (circuit_breaker_state{name, state}, 1 for the
  // current state) or a client pool's use (http_client_pool_connections{target_service,
  // state="open|idle"}, http_client_pool_pending{target_service}) at every scrape.
  // Each outlives the Metrics; scrapes happen on the thread that uses them.
  void watch(const resilience::CircuitBreaker& breaker);
  void watch(std::string target_service, std::function<PoolUse()> pool);
  // watch: a load-shedding limiter (may be used from other threads; its stats are).
  void watch(const resilience::AdaptiveLimiter& limiter);

  // registry: for other components' own families (breakers, pools, queues).
  prometheus::Registry& registry() { return *registry_; }

  // exposition: every metric, in the text format, process metrics read now.
  std::string exposition();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& grpc_server_handled_;
  prometheus::Family<prometheus::Histogram>& grpc_server_seconds_;
  prometheus::Family<prometheus::Counter>& grpc_client_handled_;
  prometheus::Family<prometheus::Histogram>& grpc_client_seconds_;
  prometheus::Family<prometheus::Gauge>& breaker_state_;
  prometheus::Family<prometheus::Gauge>& pool_connections_;
  prometheus::Family<prometheus::Gauge>& pool_pending_;
  // A limiter's families; the counters advance by what its stats added since a scrape.
  struct WatchedLimiter {
    const resilience::AdaptiveLimiter* limiter;
    prometheus::Gauge& limit;
    prometheus::Gauge& in_flight;
    prometheus::Gauge& min_rtt;
    prometheus::Gauge& sample_rtt;
    prometheus::Counter& accepted;
    prometheus::Counter& rejected;
    std::uint64_t accepted_counted = 0;
    std::uint64_t rejected_counted = 0;
  };
  std::vector<WatchedLimiter> limiters_;
  std::vector<const resilience::CircuitBreaker*> breakers_;
  std::vector<std::pair<std::string, std::function<PoolUse()>>> pools_;
  prometheus::Counter& cpu_seconds_;
  double cpu_seconds_counted_ = 0;
  prometheus::Gauge& resident_bytes_;
  prometheus::Gauge& open_fds_;
  prometheus::Gauge& start_time_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_METRICS_H_
