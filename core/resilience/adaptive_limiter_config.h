// adaptive_limiter_config.h: AdaptiveLimiterConfig, how an AdaptiveLimiter learns the
// concurrency a service can take: the bounds of its limit, how it samples latency, how
// fast the limit moves, and when it measures the latency floor (the minimum RTT) again.
//
// Build a config, validate() it (a bad one names the field, the value and the rule),
// then hand it to an AdaptiveLimiter, which keeps it immutable. The defaults follow
// Envoy's adaptive concurrency filter (a 100 ms sample window, p50, a 25% buffer over
// the minimum RTT, minimum RTT measured every 60 s with 10% jitter over 50 requests, at
// most 1000) but for the floor: 10 rather than Envoy's 3, since a probe pins the limit
// there and 3 refused orders of a lightly loaded service (50/s at 60 ms) at start-up;
// Netflix's Gradient2 keeps 20:
//
//   AdaptiveLimiterConfig config;
//   config.max_limit = 500;
//   config.min_rtt_interval = std::chrono::seconds(30);
//   if (Status s = config.validate(); !s.ok()) return s;
#ifndef SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_CONFIG_H_
#define SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_CONFIG_H_

#include <chrono>
#include <cstdint>

#include "core/base/status.h"
#include "core/time/instant.h"

namespace sluice::resilience {

struct AdaptiveLimiterConfig {
  // ---- The limit's bounds. The limit never leaves [min_limit, max_limit].
  // min_limit: the floor; also the concurrency a min-RTT probe pins the limit to.
  std::uint32_t min_limit = 10;
  std::uint32_t max_limit = 1000;  // at most kMaxLimitCeiling
  // initial_limit: the limit after the first min-RTT probe (until then, min_limit).
  std::uint32_t initial_limit = 20;

  // ---- The gradient, once per sample window.
  // sample_window: how often the limit is recomputed from the latencies of the calls
  // that ended in it. A window with fewer than minimum_samples successes (and no drop)
  // is extended until it has them.
  time::Duration sample_window = std::chrono::milliseconds(100);
  std::uint32_t minimum_samples = 10;
  // sample_percentile: the window's latency (sample RTT) is this percentile, in
  // (0, 100], of its successes; the min-RTT probe uses the same percentile.
  double sample_percentile = 50;
  // min_rtt_buffer_percent: latency up to min RTT * (1 + this/100) counts as the floor:
  // gradient = min RTT * (1 + buffer) / sample RTT, clamped to [0.5, 2]. In [0, 1000].
  double min_rtt_buffer_percent = 25;
  // smoothing: how far the limit moves toward each window's new value, in (0, 1]
  // (1: all the way).
  double smoothing = 1.0;
  // drop_backoff_ratio: a window with a dropped call (a timeout, an overloaded answer)
  // multiplies the limit by this instead of following the gradient, in (0, 1).
  double drop_backoff_ratio = 0.9;

  // ---- The latency floor: min-RTT probes.
  // min_rtt_interval: time from the end of one probe to the start of the next, plus up
  // to min_rtt_jitter_percent (in [0, 100]) of it, drawn from the limiter's seed so
  // replicas do not probe in step.
  time::Duration min_rtt_interval = std::chrono::seconds(60);
  double min_rtt_jitter_percent = 10;
  // min_rtt_request_count: successes a probe measures before it ends.
  std::uint32_t min_rtt_request_count = 50;
  // min_rtt_probe_max: a probe that has not seen min_rtt_request_count successes by
  // then ends with those it has (a probe with none, when no min RTT is known yet,
  // goes on).
  time::Duration min_rtt_probe_max = std::chrono::seconds(2);
  // probe_after_windows_at_min_limit: this many windows in a row ending at min_limit
  // start a probe early, as the floor has likely moved (0: never early).
  std::uint32_t probe_after_windows_at_min_limit = 5;

  static constexpr std::uint32_t kMaxLimitCeiling = 1'000'000;
  static constexpr double kMinGradient = 0.5;
  static constexpr double kMaxGradient = 2.0;

  // validate: OK, or the first rule broken, naming the field and the value.
  Status validate() const;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_ADAPTIVE_LIMITER_CONFIG_H_
