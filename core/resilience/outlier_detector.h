// outlier_detector.h: OutlierDetector, which takes misbehaving endpoints out of load
// balancing for a while, with Envoy's (and Istio's) outlier detection semantics, and
// picks endpoints among the rest.
//
//   OutlierDetector detector({"10.0.0.1:3000", "10.0.0.2:3000", "10.0.0.3:3000"}, config, scheduler, prng.fork());
//   std::optional<std::size_t> host = detector.pick_round_robin();  // skips ejected hosts
//   ...
//   detector.record(*host, reply.status);  // every HTTP status, or 503 for a connect failure
//
// Detectors:
//   - consecutive_5xx: `consecutive_5xx` 5xx replies in a row eject the host at once;
//   - consecutive_gateway_failure: the same for 502, 503, 504 only;
//   - success rate, every interval: among hosts with at least
//     success_rate_request_volume requests in the interval, if there are at least
//     success_rate_minimum_hosts, eject those whose success rate is below
//     mean - (success_rate_stdev_factor / 1000) × standard deviation;
//   - failure percentage, every interval: among hosts with at least
//     failure_percentage_request_volume requests, if there are at least
//     failure_percentage_minimum_hosts, eject those failing at least
//     failure_percentage_threshold percent.
// Each detector ejects only with its enforcing_* probability (drawn from the Prng, so a
// seed replays it). An ejection lasts base_ejection_time × the host's ejection count,
// at most max_ejection_time; at each interval a host whose time is up returns, and a
// host that stayed in for a whole interval has its ejection count lowered by one.
// No ejection happens while max_ejection_percent of the hosts are already out.
// If every host is ejected, picks fall back to all hosts (Envoy's panic mode) and
// say so in stats.
//
// Events: "outlier.ejected" (host, detector, ejections), "outlier.returned" (host).
// Externally synchronised, like its Scheduler. REQUIRES: the scheduler and sink
// outlive the detector.
#ifndef SLUICE_CORE_RESILIENCE_OUTLIER_DETECTOR_H_
#define SLUICE_CORE_RESILIENCE_OUTLIER_DETECTOR_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/observe/event.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"

namespace sluice::resilience {

// Defaults are Envoy's.
struct OutlierDetectionConfig {
  std::uint32_t consecutive_5xx = 5;              // 0: off
  std::uint32_t consecutive_gateway_failure = 5;  // 0: off
  time::Duration interval = std::chrono::seconds(10);
  time::Duration base_ejection_time = std::chrono::seconds(30);
  time::Duration max_ejection_time = std::chrono::seconds(300);
  double max_ejection_percent = 10;
  double enforcing_consecutive_5xx = 100;
  double enforcing_consecutive_gateway_failure = 0;
  double enforcing_success_rate = 100;
  std::uint32_t success_rate_minimum_hosts = 5;
  std::uint32_t success_rate_request_volume = 100;
  std::uint32_t success_rate_stdev_factor = 1900;
  double enforcing_failure_percentage = 0;
  double failure_percentage_threshold = 85;
  std::uint32_t failure_percentage_minimum_hosts = 5;
  std::uint32_t failure_percentage_request_volume = 50;

  Status validate() const;
};

struct OutlierStats {
  std::uint32_t ejected_now = 0;
  std::uint64_t ejections_consecutive_5xx = 0;
  std::uint64_t ejections_consecutive_gateway_failure = 0;
  std::uint64_t ejections_success_rate = 0;
  std::uint64_t ejections_failure_percentage = 0;
  std::uint64_t ejections_overflow = 0;  // wanted, but max_ejection_percent was reached
  std::uint64_t panic_picks = 0;         // picks made among all hosts, all being ejected
};

class OutlierDetector {
 public:
  // REQUIRES: config.validate().ok(); at least one endpoint.
  OutlierDetector(std::vector<std::string> endpoints, OutlierDetectionConfig config, time::Scheduler& scheduler,
                  time::Prng prng, observe::EventSink* events = nullptr);
  ~OutlierDetector();

  OutlierDetector(const OutlierDetector&) = delete;
  OutlierDetector& operator=(const OutlierDetector&) = delete;

  // record: a reply from `host` with this HTTP status (use 503 for a connection
  // failure or timeout). REQUIRES: host < size().
  void record(std::size_t host, int http_status);

  // pick_round_robin: the next host that is not ejected (every host in panic mode).
  std::size_t pick_round_robin();

  // pick_least_request: of two random hosts that are not ejected, the one with fewer
  // requests in flight (power of two choices). Pair it with request_started/finished.
  std::size_t pick_least_request();
  void request_started(std::size_t host);
  void request_finished(std::size_t host);

  bool is_ejected(std::size_t host) const { return hosts_[host].ejected; }
  std::size_t size() const { return hosts_.size(); }
  const std::string& endpoint(std::size_t host) const { return hosts_[host].endpoint; }
  std::uint32_t ejection_count(std::size_t host) const { return hosts_[host].ejections; }
  OutlierStats stats() const;

 private:
  struct Host {
    std::string endpoint;
    bool ejected = false;
    time::Instant ejected_at;
    std::uint32_t ejections = 0;  // the multiplier of base_ejection_time
    std::uint32_t consecutive_5xx = 0;
    std::uint32_t consecutive_gateway_failures = 0;
    // This interval's replies.
    std::uint64_t requests = 0;
    std::uint64_t successes = 0;
    std::uint32_t in_flight = 0;
  };

  void on_interval();
  void success_rate_detection();
  void failure_percentage_detection();
  // try_eject: ejects `host` if its detector is enforced and the cap allows.
  void try_eject(std::size_t host, double enforcing_percent, std::string_view detector, std::uint64_t& counter);
  bool under_ejection_cap() const;
  void rebuild_in_service();
  void report(std::string_view what, std::span<const observe::Attribute> attributes);

  const OutlierDetectionConfig config_;
  time::Scheduler& scheduler_;
  time::Prng prng_;
  observe::EventSink* events_;
  std::vector<Host> hosts_;
  // The hosts in service, in host order; rebuilt on ejection and return (rare), so
  // picks are O(1).
  std::vector<std::size_t> in_service_;
  std::size_t ejected_count_ = 0;
  std::size_t next_round_robin_ = 0;
  time::TimerId interval_timer_;
  OutlierStats counters_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_OUTLIER_DETECTOR_H_
