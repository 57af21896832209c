// circuit_breaker_config.h: CircuitBreakerConfig, when a breaker trips and how it
// recovers.
//
// Any combination of trip conditions may be set; each is off at 0. Build a config,
// validate() it (a bad one names the field, the value and the rule), then hand it to a
// CircuitBreaker, which keeps it immutable.
//
//   CircuitBreakerConfig config;
//   config.failure_rate_threshold_percent = 50;  // trip at 50% failures ...
//   config.window_kind = WindowKind::kTimeBased;
//   config.window_size = 10;                     // ... over the last 10 s ...
//   config.minimum_calls = 20;                   // ... once 20 calls were seen
//   config.wait_in_open = std::chrono::seconds(15);
//   SLUICE_RETURN_IF_ERROR(config.validate());
//
// CircuitBreakerConfig::like_article(3, 15s) behaves exactly as the article's
// JavaScript CircuitBreaker({failureThreshold: 3, resetTimeout: 15000}).
#ifndef SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_CONFIG_H_
#define SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/base/status.h"
#include "core/resilience/sliding_window.h"
#include "core/time/instant.h"

namespace sluice::resilience {

// FailureCounting: what failure_threshold counts.
enum class FailureCounting : std::uint8_t {
  kConsecutive,  // failures in a row; a success starts the count again
  kSinceClosed,  // failures since the breaker last closed, successes between them
                 // included (the article's class counts this way)
};

// HalfOpenTransition: how OPEN becomes HALF_OPEN once the wait is over.
enum class HalfOpenTransition : std::uint8_t {
  kOnNextCall,  // the first call after the wait finds the breaker half-open (the article)
  kScheduled,   // a timer moves it at the end of the wait (resilience4j's automatic
                // transition); needs the Scheduler constructor
};

struct CircuitBreakerConfig {
  // ---- Trip conditions (CLOSED -> OPEN); each is off at 0.
  // failure_threshold: trip after this many failures, counted as failure_counting says.
  std::uint32_t failure_threshold = 0;
  FailureCounting failure_counting = FailureCounting::kConsecutive;
  // failure_rate_threshold_percent: trip when the failure rate over the window is at
  // least this, in (0, 100].
  double failure_rate_threshold_percent = 0;
  // slow_call_rate_threshold_percent: trip when the share of calls slower than
  // slow_call_duration_threshold is at least this, in (0, 100]. Slow calls are counted
  // whenever the duration threshold is set, even with this rate off.
  double slow_call_rate_threshold_percent = 0;
  time::Duration slow_call_duration_threshold = time::Duration::zero();
  // latency_percentile: trip when this percentile (in (0, 100]) of the window's call
  // durations exceeds latency_percentile_threshold, e.g. p99 over 500 ms. Judged
  // exactly, by counting the calls over the threshold: the p-th percentile of n calls
  // exceeds it when more than n - ceil(p/100 * n) calls do.
  double latency_percentile = 0;
  time::Duration latency_percentile_threshold = time::Duration::zero();
  // The window the rates are judged over: the last window_size calls or seconds.
  WindowKind window_kind = WindowKind::kCountBased;
  std::uint32_t window_size = 100;
  // minimum_calls: no rate is judged until the window holds this many calls
  // (resilience4j's minimumNumberOfCalls, opossum's volumeThreshold).
  std::uint32_t minimum_calls = 10;

  // ---- OPEN
  // wait_in_open: how long the breaker stays open after its first trip.
  time::Duration wait_in_open = std::chrono::seconds(30);
  HalfOpenTransition half_open_transition = HalfOpenTransition::kOnNextCall;
  // open_backoff_multiplier: each further trip without closing in between multiplies
  // the wait by this (1 = always wait_in_open), up to max_wait_in_open.
  double open_backoff_multiplier = 1.0;
  time::Duration max_wait_in_open = time::Duration::zero();  // 0: no cap, only with multiplier 1

  // ---- After recovery
  // ramp_percents: when HALF_OPEN closes, admit only this share of calls at first,
  // step by step, each step for ramp_step_duration, then all of them, e.g. {10, 25, 50}.
  // Calls beyond the share are rejected; a trip condition met during the ramp opens
  // the breaker as usual. Empty: full traffic at once. Each in (0, 100), increasing.
  std::vector<double> ramp_percents;
  time::Duration ramp_step_duration = std::chrono::seconds(10);

  // ---- HALF_OPEN
  // permitted_calls_in_half_open: probes admitted; all must succeed to close. A probe
  // that fails, or is slower than a slow-call or latency-percentile threshold, re-opens
  // at once.
  std::uint32_t permitted_calls_in_half_open = 1;
  // max_wait_in_half_open: re-open if the probes have not all finished by then (0: wait
  // for them indefinitely).
  time::Duration max_wait_in_half_open = time::Duration::zero();

  // validate: OK, or the first rule broken, naming the field and the value.
  Status validate() const;

  // like_article: the article's class: trip after `failure_threshold` failures since
  // the last close, half-open on the first call more than `reset_timeout` after the
  // last failure, one probe at a time.
  static CircuitBreakerConfig like_article(std::uint32_t failure_threshold, time::Duration reset_timeout);
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_CIRCUIT_BREAKER_CONFIG_H_
