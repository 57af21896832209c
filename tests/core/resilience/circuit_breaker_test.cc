#include "core/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time/manual_clock.h"
#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::EventRecorder;

CircuitBreakerConfig consecutive(std::uint32_t threshold, time::Duration wait = seconds(10)) {
  CircuitBreakerConfig config;
  config.failure_threshold = threshold;
  config.wait_in_open = wait;
  return config;
}

// Makes one call that ends with `outcome` at once. Returns false if it was rejected.
bool call(CircuitBreaker& breaker, Outcome outcome, time::Duration duration = time::Duration::zero()) {
  CircuitBreaker::Permit permit = breaker.try_acquire();
  if (!permit) return false;
  permit.record(outcome, duration);
  return true;
}

void trip(CircuitBreaker& breaker) {
  while (breaker.state() == BreakerState::kClosed) ASSERT_TRUE(call(breaker, Outcome::kFailure));
}

// ---- CLOSED

TEST(CircuitBreakerTest, ClosedAdmitsAndTripsOnConsecutiveFailures) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreaker breaker("inventory", consecutive(3), clock, &events);

  EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_TRUE(call(breaker, Outcome::kSuccess));  // a success starts the count again
  EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker.stats().failure_count, 2u);

  EXPECT_TRUE(call(breaker, Outcome::kFailure));  // the third in a row
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed"),
            (std::vector<std::string>{"breaker.state_changed from=CLOSED to=OPEN reason=consecutive_failures"}));
}

TEST(CircuitBreakerTest, SinceClosedCountingKeepsFailuresAcrossSuccesses) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(3);
  config.failure_counting = FailureCounting::kSinceClosed;
  CircuitBreaker breaker("inventory", config, clock);
  for (Outcome outcome : {Outcome::kFailure, Outcome::kSuccess, Outcome::kFailure, Outcome::kSuccess}) {
    call(breaker, outcome);
  }
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  call(breaker, Outcome::kFailure);  // the third failure since the breaker closed
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, FailureRateIsJudgedOnlyOnceTheMinimumNumberOfCallsIsSeen) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.failure_rate_threshold_percent = 50;
  config.window_size = 10;
  config.minimum_calls = 5;
  EventRecorder events;
  CircuitBreaker breaker("payment", config, clock, &events);

  for (int i = 0; i < 4; ++i) call(breaker, Outcome::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // 100% failures, but only 4 calls
  call(breaker, Outcome::kSuccess);                   // 5 calls, 80% failed
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=CLOSED to=OPEN reason=failure_rate");
}

TEST(CircuitBreakerTest, FailureRateBelowTheThresholdDoesNotTrip) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.failure_rate_threshold_percent = 50;
  config.window_size = 10;
  config.minimum_calls = 10;
  CircuitBreaker breaker("payment", config, clock);
  // 4 failures in 10 calls, then the window slides: never 5 of the last 10.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 10; ++i) call(breaker, i % 5 < 2 ? Outcome::kFailure : Outcome::kSuccess);
  }
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_DOUBLE_EQ(breaker.stats().window.failure_rate_percent(), 40.0);
}

TEST(CircuitBreakerTest, TimeBasedWindowForgetsFailuresOlderThanItsSpan) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.failure_rate_threshold_percent = 50;
  config.window_kind = WindowKind::kTimeBased;
  config.window_size = 10;  // seconds
  config.minimum_calls = 4;
  CircuitBreaker breaker("payment", config, clock);

  for (int i = 0; i < 3; ++i) call(breaker, Outcome::kFailure);  // at 0 s
  clock.advance(seconds(10));                                    // those have aged out
  call(breaker, Outcome::kFailure);
  call(breaker, Outcome::kSuccess);
  call(breaker, Outcome::kSuccess);
  call(breaker, Outcome::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // 1 of 4 in the window
  EXPECT_EQ(breaker.stats().window.calls, 4u);
}

TEST(CircuitBreakerTest, OldSuccessesLeavingATimeBasedWindowCanTripOnASuccess) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.failure_rate_threshold_percent = 50;
  config.window_kind = WindowKind::kTimeBased;
  config.window_size = 10;  // seconds
  config.minimum_calls = 4;
  CircuitBreaker breaker("payment", config, clock);

  for (int i = 0; i < 4; ++i) call(breaker, Outcome::kSuccess);  // second 0
  clock.advance(seconds(5));
  for (int i = 0; i < 3; ++i) call(breaker, Outcome::kFailure);  // 3 of 7: 43%
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);

  clock.advance(seconds(5));  // second 0 leaves the window: 3 failures of what is left
  call(breaker, Outcome::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);  // 3 of 4 failed
}

TEST(CircuitBreakerTest, SlowCallRateTrips) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.slow_call_duration_threshold = milliseconds(100);
  config.slow_call_rate_threshold_percent = 50;
  config.window_size = 4;
  config.minimum_calls = 4;
  EventRecorder events;
  CircuitBreaker breaker("inventory", config, clock, &events);

  call(breaker, Outcome::kSuccess, milliseconds(100));  // at the threshold is not slow
  call(breaker, Outcome::kSuccess, milliseconds(20));
  call(breaker, Outcome::kSuccess, milliseconds(101));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  call(breaker, Outcome::kSuccess, milliseconds(500));  // 2 of 4 slow
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker.stats().calls_slow, 2u);
  EXPECT_EQ(events.with_prefix("breaker.call_slow").size(), 2u);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=CLOSED to=OPEN reason=slow_call_rate");
}

TEST(CircuitBreakerTest, TripsWhenTheLatencyPercentileExceedsItsThreshold) {
  time::ManualClock clock;
  CircuitBreakerConfig config;
  config.latency_percentile = 90;
  config.latency_percentile_threshold = milliseconds(500);
  config.window_size = 20;
  config.minimum_calls = 20;
  EventRecorder events;
  CircuitBreaker breaker("inventory", config, clock, &events);

  // p90 of 20 calls is the 18th fastest: 2 calls over 500 ms leave it under.
  for (int i = 0; i < 18; ++i) call(breaker, Outcome::kSuccess, milliseconds(100));
  call(breaker, Outcome::kSuccess, milliseconds(900));
  call(breaker, Outcome::kSuccess, milliseconds(900));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_LE(breaker.stats().latency_p90, milliseconds(500));

  call(breaker, Outcome::kSuccess, milliseconds(900));  // 3 of the last 20: p90 > 500 ms
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=CLOSED to=OPEN reason=latency_percentile");
}

TEST(CircuitBreakerTest, StatsReportLatencyPercentilesOfRecordedCalls) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1000), clock);
  for (int i = 1; i <= 1000; ++i) call(breaker, Outcome::kSuccess, milliseconds(i));
  call(breaker, Outcome::kIgnored, std::chrono::hours(1));  // ignored calls say nothing of latency
  const CircuitBreakerStats stats = breaker.stats();
  EXPECT_EQ(stats.latency_count, 1000u);
  auto near = [](time::Duration actual, double expected_ms) {
    return std::abs(std::chrono::duration<double, std::milli>(actual).count() / expected_ms - 1) < 0.032;
  };
  EXPECT_TRUE(near(stats.latency_p50, 500));
  EXPECT_TRUE(near(stats.latency_p90, 900));
  EXPECT_TRUE(near(stats.latency_p99, 990));
  EXPECT_TRUE(near(stats.latency_p999, 999));
  EXPECT_EQ(breaker.latency_histogram().count(), 1000u);
}

TEST(CircuitBreakerTest, DurationsAreMeasuredOnTheClockWhenNotGiven) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(100);
  config.slow_call_duration_threshold = milliseconds(100);
  CircuitBreaker breaker("inventory", config, clock);
  CircuitBreaker::Permit permit = breaker.try_acquire();
  clock.advance(milliseconds(150));
  permit.record(Outcome::kSuccess);
  EXPECT_EQ(breaker.stats().calls_slow, 1u);
}

TEST(CircuitBreakerTest, IgnoredOutcomesNeitherTripNorCount) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(2), clock);
  call(breaker, Outcome::kFailure);
  for (int i = 0; i < 10; ++i) call(breaker, Outcome::kIgnored);  // e.g. 4xx answers
  EXPECT_EQ(breaker.stats().failure_count, 1u);
  EXPECT_EQ(breaker.stats().window.calls, 1u);
  EXPECT_EQ(breaker.stats().calls_ignored, 10u);
  call(breaker, Outcome::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

// ---- OPEN

TEST(CircuitBreakerTest, OpenRejectsUntilStrictlyAfterTheWaitThenAdmitsOneProbe) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreaker breaker("inventory", consecutive(1, seconds(10)), clock, &events);
  trip(breaker);

  clock.advance(seconds(10));  // exactly the wait: still open, as in the article
  EXPECT_FALSE(breaker.try_acquire());
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.lines.back(), "breaker.call_rejected state=OPEN");

  clock.advance(nanoseconds(1));
  CircuitBreaker::Permit probe = breaker.try_acquire();
  EXPECT_TRUE(probe);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.try_acquire());  // one probe at a time
  EXPECT_EQ(breaker.stats().calls_rejected, 2u);
}

TEST(CircuitBreakerTest, ScheduledModeMovesToHalfOpenAtTheEndOfTheWaitWithoutACall) {
  time::VirtualTime time;
  EventRecorder events;
  CircuitBreakerConfig config = consecutive(1, seconds(30));
  config.half_open_transition = HalfOpenTransition::kScheduled;
  CircuitBreaker breaker("inventory", config, time, &events);
  trip(breaker);

  time.run_for(seconds(30) - nanoseconds(1));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  time.run_for(nanoseconds(1));  // the timer fires at the end of the wait
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=OPEN to=HALF_OPEN reason=wait_over");
  EXPECT_EQ(time.pending_timers(), 0u);
}

TEST(CircuitBreakerTest, RepeatedTripsBackOffTheWaitUpToTheCapAndClosingResetsIt) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(1, seconds(10));
  config.open_backoff_multiplier = 2;
  config.max_wait_in_open = seconds(50);
  CircuitBreaker breaker("inventory", config, clock);

  std::vector<std::int64_t> waits_s;
  trip(breaker);
  for (int i = 0; i < 4; ++i) {
    const time::Duration wait = breaker.stats().current_wait_in_open;
    waits_s.push_back(std::chrono::duration_cast<seconds>(wait).count());
    clock.advance(wait + nanoseconds(1));
    ASSERT_TRUE(call(breaker, Outcome::kFailure));  // the probe fails: open again
  }
  EXPECT_EQ(waits_s, (std::vector<std::int64_t>{10, 20, 40, 50}));

  clock.advance(breaker.stats().current_wait_in_open + nanoseconds(1));
  ASSERT_TRUE(call(breaker, Outcome::kSuccess));  // recovered
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  trip(breaker);
  EXPECT_EQ(breaker.stats().current_wait_in_open, seconds(10));  // back to the first wait
}

// ---- HALF_OPEN

CircuitBreaker::Permit half_open(CircuitBreaker& breaker, time::ManualClock& clock) {
  trip(breaker);
  clock.advance(breaker.stats().current_wait_in_open + nanoseconds(1));
  return breaker.try_acquire();
}

TEST(CircuitBreakerTest, HalfOpenAdmitsExactlyThePermittedProbesAndClosesWhenAllSucceed) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreakerConfig config = consecutive(1);
  config.permitted_calls_in_half_open = 3;
  CircuitBreaker breaker("inventory", config, clock, &events);

  std::vector<CircuitBreaker::Permit> probes;
  probes.push_back(half_open(breaker, clock));
  probes.push_back(breaker.try_acquire());
  probes.push_back(breaker.try_acquire());
  for (const auto& probe : probes) ASSERT_TRUE(probe);
  EXPECT_FALSE(breaker.try_acquire());  // a fourth is refused

  probes[0].record(Outcome::kSuccess);
  probes[1].record(Outcome::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(breaker.try_acquire());  // finished probes do not free slots
  probes[2].record(Outcome::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=HALF_OPEN to=CLOSED reason=probes_succeeded");
  EXPECT_EQ(breaker.stats().failure_count, 0u);
  EXPECT_EQ(breaker.stats().window.calls, 0u);  // a closed breaker starts a fresh window
}

TEST(CircuitBreakerTest, AFailedProbeReopensAtOnce) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreakerConfig config = consecutive(1);
  config.permitted_calls_in_half_open = 2;
  CircuitBreaker breaker("inventory", config, clock, &events);
  CircuitBreaker::Permit first = half_open(breaker, clock);
  CircuitBreaker::Permit second = breaker.try_acquire();
  first.record(Outcome::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=HALF_OPEN to=OPEN reason=probe_failed");
  second.record(Outcome::kSuccess);  // from the previous state: moves nothing
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, AnOutcomeFromBeforeATripDoesNotCloseAHalfOpenBreaker) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  CircuitBreaker::Permit slow_call = breaker.try_acquire();  // started while CLOSED
  CircuitBreaker::Permit probe = half_open(breaker, clock);  // another call trips it
  ASSERT_TRUE(probe);

  slow_call.record(Outcome::kSuccess);                  // finishes now, while HALF_OPEN
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);  // only the probe decides
  EXPECT_EQ(breaker.stats().calls_succeeded, 1u);       // but it is counted
  probe.record(Outcome::kSuccess);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreakerTest, ASlowProbeReopens) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(1);
  config.slow_call_duration_threshold = milliseconds(200);
  CircuitBreaker breaker("inventory", config, clock);
  half_open(breaker, clock).record(Outcome::kSuccess, milliseconds(201));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, AProbeOverTheLatencyThresholdReopens) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(1);
  config.latency_percentile = 99;
  config.latency_percentile_threshold = milliseconds(300);
  CircuitBreaker breaker("inventory", config, clock);
  half_open(breaker, clock).record(Outcome::kSuccess, milliseconds(301));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, IgnoredAndDroppedProbesFreeTheirSlots) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  half_open(breaker, clock).record(Outcome::kIgnored);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  {
    CircuitBreaker::Permit dropped = breaker.try_acquire();
    ASSERT_TRUE(dropped);
    EXPECT_FALSE(breaker.try_acquire());
  }  // dropped without a record: counted as ignored, slot freed
  EXPECT_EQ(breaker.stats().calls_ignored, 2u);
  ASSERT_TRUE(call(breaker, Outcome::kSuccess));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

TEST(CircuitBreakerTest, MovingAPermitOverAnotherDropsTheOneItHeld) {
  time::ManualClock clock;
  CircuitBreakerConfig config = consecutive(1);
  config.permitted_calls_in_half_open = 2;
  CircuitBreaker breaker("inventory", config, clock);
  CircuitBreaker::Permit a = half_open(breaker, clock);
  CircuitBreaker::Permit b = breaker.try_acquire();
  a = std::move(b);  // the probe `a` held is dropped and its slot freed
  EXPECT_EQ(breaker.stats().calls_ignored, 1u);
  EXPECT_TRUE(breaker.try_acquire());
}

TEST(CircuitBreakerTest, HalfOpenReopensWhenProbesOutlastTheMaximumWait) {
  // Scheduled: the timer re-opens it.
  time::VirtualTime time;
  CircuitBreakerConfig config = consecutive(1, seconds(5));
  config.half_open_transition = HalfOpenTransition::kScheduled;
  config.max_wait_in_half_open = seconds(2);
  EventRecorder events;
  CircuitBreaker breaker("inventory", config, time, &events);
  trip(breaker);
  time.run_for(seconds(5));
  CircuitBreaker::Permit hung = breaker.try_acquire();
  ASSERT_TRUE(hung);
  time.run_for(seconds(2));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(events.with_prefix("breaker.state_changed").back(),
            "breaker.state_changed from=HALF_OPEN to=OPEN reason=half_open_timeout");

  // On the next call: the first call after the maximum wait finds it exceeded.
  time::ManualClock clock;
  CircuitBreakerConfig lazy = consecutive(1, seconds(5));
  lazy.max_wait_in_half_open = seconds(2);
  CircuitBreaker lazy_breaker("inventory", lazy, clock);
  CircuitBreaker::Permit probe = half_open(lazy_breaker, clock);
  clock.advance(seconds(2));
  EXPECT_FALSE(lazy_breaker.try_acquire());
  EXPECT_EQ(lazy_breaker.state(), BreakerState::kOpen);
}

// ---- The ramp after recovery

CircuitBreakerConfig ramped() {
  CircuitBreakerConfig config = consecutive(1, seconds(10));
  config.ramp_percents = {10, 50};
  config.ramp_step_duration = seconds(1);
  return config;
}

int admitted_of(CircuitBreaker& breaker, int calls) {
  int admitted = 0;
  for (int i = 0; i < calls; ++i) admitted += call(breaker, Outcome::kSuccess);
  return admitted;
}

TEST(CircuitBreakerRampTest, AfterRecoveryAdmitsARisingShareStepByStep) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreaker breaker("inventory", ramped(), clock, &events);
  half_open(breaker, clock).record(Outcome::kSuccess);
  ASSERT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(events.lines.back(), "breaker.ramp_step percent=10.000000");
  EXPECT_EQ(breaker.stats().admission_percent, 10);

  EXPECT_TRUE(call(breaker, Outcome::kSuccess));  // the first call after recovery goes through
  EXPECT_EQ(1 + admitted_of(breaker, 99), 10);    // 10% of 100
  EXPECT_EQ(events.lines.back(), "breaker.call_rejected state=CLOSED ramp_percent=10.000000");

  clock.advance(seconds(1));
  EXPECT_EQ(admitted_of(breaker, 100), 50);
  EXPECT_EQ(breaker.stats().admission_percent, 50);

  clock.advance(seconds(1));  // the ramp is over: everything goes through
  EXPECT_EQ(admitted_of(breaker, 100), 100);
  EXPECT_EQ(breaker.stats().admission_percent, 100);
  EXPECT_EQ(events.with_prefix("breaker.ramp_step"),
            (std::vector<std::string>{"breaker.ramp_step percent=10.000000", "breaker.ramp_step percent=50.000000",
                                      "breaker.ramp_step percent=100.000000"}));
}

TEST(CircuitBreakerRampTest, AFailureDuringTheRampOpensTheBreakerAsUsual) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", ramped(), clock);
  half_open(breaker, clock).record(Outcome::kSuccess);
  EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker.stats().admission_percent, 100);  // no ramp while open

  // It recovers again and ramps again.
  clock.advance(breaker.stats().current_wait_in_open + nanoseconds(1));
  ASSERT_TRUE(call(breaker, Outcome::kSuccess));
  EXPECT_EQ(breaker.stats().admission_percent, 10);
}

TEST(CircuitBreakerRampTest, ResetEndsTheRamp) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", ramped(), clock);
  half_open(breaker, clock).record(Outcome::kSuccess);
  breaker.reset();
  EXPECT_EQ(admitted_of(breaker, 10), 10);
}

TEST(CircuitBreakerRampTest, RampConfigMustRiseStrictlyBelowAHundred) {
  CircuitBreakerConfig config = consecutive(1);
  config.ramp_percents = {25, 10};
  EXPECT_EQ(config.validate().message(), "ramp_percents must rise strictly, each in (0, 100); got 10 after 25");
  config.ramp_percents = {50, 100};
  EXPECT_EQ(config.validate().message(), "ramp_percents must rise strictly, each in (0, 100); got 100 after 50");
  config.ramp_percents = {50};
  config.ramp_step_duration = seconds(0);
  EXPECT_EQ(config.validate().message(), "ramp_step_duration must be positive; got 0 ms");
}

// ---- Operator states

TEST(CircuitBreakerTest, DisabledAdmitsEverythingAndCountsOnlyInStats) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  breaker.disable();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_EQ(breaker.state(), BreakerState::kDisabled);
  EXPECT_EQ(breaker.stats().calls_failed, 5u);
  EXPECT_EQ(breaker.stats().window.calls, 0u);
}

TEST(CircuitBreakerTest, MetricsOnlyRecordsTheWindowButNeverTrips) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  breaker.metrics_only();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(call(breaker, Outcome::kFailure));
  EXPECT_EQ(breaker.state(), BreakerState::kMetricsOnly);
  EXPECT_EQ(breaker.stats().window.failures, 5u);
}

TEST(CircuitBreakerTest, ForcedOpenRejectsWhateverTheTime) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  breaker.force_open();
  clock.advance(seconds(3600));
  EXPECT_FALSE(breaker.try_acquire());
  EXPECT_EQ(breaker.state(), BreakerState::kForcedOpen);
}

TEST(CircuitBreakerTest, ResetClosesAndForgetsEverything) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreakerConfig config = consecutive(2, seconds(10));
  config.open_backoff_multiplier = 3;
  config.max_wait_in_open = seconds(100);
  CircuitBreaker breaker("inventory", config, clock, &events);
  call(breaker, Outcome::kFailure);
  breaker.force_open();
  breaker.reset();
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_EQ(breaker.stats().failure_count, 0u);
  call(breaker, Outcome::kFailure);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);  // the earlier failure was forgotten
  EXPECT_EQ(events.with_prefix("breaker.state_changed"),
            (std::vector<std::string>{"breaker.state_changed from=CLOSED to=FORCED_OPEN reason=operator",
                                      "breaker.state_changed from=FORCED_OPEN to=CLOSED reason=reset"}));
}

// ---- Around it

TEST(CircuitBreakerTest, ExecuteFallsBackOnRejectionAndOnFailure) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  auto is_ok = [](const std::optional<int>& reply) { return reply ? Outcome::kSuccess : Outcome::kFailure; };
  auto fallback = [] { return std::optional<int>(-1); };
  int calls = 0;

  EXPECT_EQ(breaker.execute(
                [&] {
                  ++calls;
                  return std::optional<int>(7);
                },
                is_ok, fallback),
            7);
  EXPECT_EQ(breaker.execute(
                [&] {
                  ++calls;
                  return std::optional<int>();
                },
                is_ok, fallback),
            -1);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker.execute(
                [&] {
                  ++calls;
                  return std::optional<int>(7);
                },
                is_ok, fallback),
            -1);
  EXPECT_EQ(calls, 2);  // the open breaker did not call through
}

TEST(CircuitBreakerTest, HttpStatusesClassifyAsDependenciesUsuallyNeed) {
  EXPECT_EQ(outcome_of_http_status(200), Outcome::kSuccess);
  EXPECT_EQ(outcome_of_http_status(304), Outcome::kSuccess);
  EXPECT_EQ(outcome_of_http_status(404), Outcome::kIgnored);  // the caller asked for nothing there
  EXPECT_EQ(outcome_of_http_status(400), Outcome::kIgnored);
  EXPECT_EQ(outcome_of_http_status(408), Outcome::kFailure);
  EXPECT_EQ(outcome_of_http_status(429), Outcome::kFailure);
  EXPECT_EQ(outcome_of_http_status(503), Outcome::kFailure);

  // 4xx replies do not trip a breaker; 5xx do.
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(2), clock);
  auto reply = [](int status) { return [status] { return status; }; };
  auto fallback = [] { return -1; };
  for (int i = 0; i < 5; ++i) breaker.execute(reply(404), outcome_of_http_status, fallback);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  breaker.execute(reply(503), outcome_of_http_status, fallback);
  EXPECT_EQ(breaker.execute(reply(502), outcome_of_http_status, fallback), -1);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, StatsCountEveryOutcomeAndTheTimeInState) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(2), clock);
  call(breaker, Outcome::kSuccess);
  call(breaker, Outcome::kIgnored);
  call(breaker, Outcome::kFailure);
  call(breaker, Outcome::kFailure);
  clock.advance(seconds(4));
  call(breaker, Outcome::kSuccess);  // rejected
  const CircuitBreakerStats stats = breaker.stats();
  EXPECT_EQ(stats.calls_succeeded, 1u);
  EXPECT_EQ(stats.calls_ignored, 1u);
  EXPECT_EQ(stats.calls_failed, 2u);
  EXPECT_EQ(stats.calls_rejected, 1u);
  EXPECT_EQ(stats.transitions, 1u);
  EXPECT_EQ(stats.state, BreakerState::kOpen);
  EXPECT_EQ(stats.time_in_state, seconds(4));
}

TEST(CircuitBreakerTest, EventsTellTheWholeStoryInOrder) {
  time::ManualClock clock;
  EventRecorder events;
  CircuitBreaker breaker("inventory", consecutive(1, seconds(1)), clock, &events);
  call(breaker, Outcome::kSuccess, milliseconds(3));
  call(breaker, Outcome::kFailure, milliseconds(4));
  call(breaker, Outcome::kSuccess);
  clock.advance(seconds(2));
  call(breaker, Outcome::kSuccess, milliseconds(5));
  EXPECT_EQ(events.lines, (std::vector<std::string>{
                              "breaker.call_succeeded duration_ns=3000000",
                              "breaker.call_failed duration_ns=4000000",
                              "breaker.state_changed from=CLOSED to=OPEN reason=consecutive_failures",
                              "breaker.call_rejected state=OPEN",
                              "breaker.state_changed from=OPEN to=HALF_OPEN reason=wait_over",
                              "breaker.call_succeeded duration_ns=5000000",
                              "breaker.state_changed from=HALF_OPEN to=CLOSED reason=probes_succeeded",
                          }));
}

TEST(CircuitBreakerTest, DestroyingABreakerCancelsItsTimers) {
  time::VirtualTime time;
  {
    CircuitBreakerConfig config = consecutive(1);
    config.half_open_transition = HalfOpenTransition::kScheduled;
    CircuitBreaker breaker("inventory", config, time);
    trip(breaker);
    EXPECT_EQ(time.pending_timers(), 1u);
  }
  EXPECT_EQ(time.pending_timers(), 0u);
  time.run_for(seconds(60));  // nothing fires into a destroyed breaker
}

// ---- State export and import

TEST(CircuitBreakerStateTest, AnOpenBreakerRestartsOpenForWhatWasLeftOfItsWait) {
  time::ManualClock old_clock;
  CircuitBreaker before("inventory", consecutive(1, seconds(30)), old_clock);
  trip(before);
  old_clock.advance(seconds(10));
  const nlohmann::json exported = before.export_state();
  EXPECT_EQ(exported, nlohmann::json::parse(R"({"version": 1, "name": "inventory", "state": "OPEN",
      "remaining_wait_in_open": "20s", "current_wait_in_open": "30s", "trips_since_closed": 1, "failure_count": 1})"));

  // A new process: another clock, with another epoch.
  time::ManualClock new_clock(time::Instant(std::chrono::hours(5)));
  EventRecorder events;
  CircuitBreaker after("inventory", consecutive(1, seconds(30)), new_clock, &events);
  ASSERT_TRUE(after.import_state(exported).ok());
  EXPECT_EQ(after.state(), BreakerState::kOpen);
  EXPECT_EQ(events.lines.back(), "breaker.state_changed from=CLOSED to=OPEN reason=import");
  new_clock.advance(seconds(20));
  EXPECT_FALSE(after.try_acquire());  // exactly the rest of the wait: still open
  new_clock.advance(nanoseconds(1));
  EXPECT_TRUE(after.try_acquire());
  EXPECT_EQ(after.state(), BreakerState::kHalfOpen);
}

TEST(CircuitBreakerStateTest, TheOpenBackoffCarriesAcrossARestart) {
  CircuitBreakerConfig config = consecutive(1, seconds(10));
  config.open_backoff_multiplier = 2;
  config.max_wait_in_open = seconds(100);
  time::ManualClock clock;
  CircuitBreaker before("inventory", config, clock);
  trip(before);
  clock.advance(seconds(10) + nanoseconds(1));
  call(before, Outcome::kFailure);  // second trip: 20 s
  ASSERT_EQ(before.stats().current_wait_in_open, seconds(20));

  CircuitBreaker after("inventory", config, clock);
  ASSERT_TRUE(after.import_state(before.export_state()).ok());
  clock.advance(seconds(20) + nanoseconds(1));
  call(after, Outcome::kFailure);  // the probe fails: the third trip waits 40 s
  EXPECT_EQ(after.stats().current_wait_in_open, seconds(40));
}

TEST(CircuitBreakerStateTest, HalfOpenComesBackReadyToProbeAndClosedKeepsItsCount) {
  time::ManualClock clock;
  CircuitBreaker half_open_one("inventory", consecutive(3, seconds(10)), clock);
  for (int i = 0; i < 3; ++i) call(half_open_one, Outcome::kFailure);
  clock.advance(seconds(11));
  CircuitBreaker::Permit probe = half_open_one.try_acquire();
  CircuitBreaker restored("inventory", consecutive(3, seconds(10)), clock);
  ASSERT_TRUE(restored.import_state(half_open_one.export_state()).ok());
  EXPECT_EQ(restored.state(), BreakerState::kOpen);
  EXPECT_TRUE(restored.try_acquire());  // no wait left: the next call probes

  CircuitBreaker closed("inventory", consecutive(3), clock);
  call(closed, Outcome::kFailure);
  call(closed, Outcome::kFailure);
  CircuitBreaker closed_restored("inventory", consecutive(3), clock);
  ASSERT_TRUE(closed_restored.import_state(closed.export_state()).ok());
  call(closed_restored, Outcome::kFailure);  // the third in a row, across the restart
  EXPECT_EQ(closed_restored.state(), BreakerState::kOpen);
}

TEST(CircuitBreakerStateTest, ScheduledModeSetsItsTimerForTheRemainingWait) {
  time::VirtualTime time;
  CircuitBreakerConfig config = consecutive(1, seconds(30));
  config.half_open_transition = HalfOpenTransition::kScheduled;
  CircuitBreaker restored("inventory", config, time);
  ASSERT_TRUE(restored
                  .import_state(nlohmann::json::parse(R"({"version": 1, "name": "inventory", "state": "OPEN",
      "remaining_wait_in_open": "5s", "current_wait_in_open": "30s", "trips_since_closed": 1, "failure_count": 0})"))
                  .ok());
  time.run_for(seconds(5) - nanoseconds(1));
  EXPECT_EQ(restored.state(), BreakerState::kOpen);
  time.run_for(nanoseconds(1));
  EXPECT_EQ(restored.state(), BreakerState::kHalfOpen);
}

TEST(CircuitBreakerStateTest, ABadDocumentIsRefusedByFieldAndChangesNothing) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(1), clock);
  auto refuse = [&](const char* text) {
    const Status status = breaker.import_state(nlohmann::json::parse(text));
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
    EXPECT_EQ(breaker.stats().transitions, 0u);
    return status.message();
  };
  EXPECT_EQ(refuse(R"({"version": 2, "state": "OPEN"})"), "breaker state.version must be 1; got 2");
  EXPECT_EQ(refuse(R"({"version": 1, "state": "AJAR"})"),
            "breaker state.state must be one of CLOSED, OPEN, HALF_OPEN, DISABLED, METRICS_ONLY, FORCED_OPEN; got "
            "\"AJAR\"");
  EXPECT_EQ(
      refuse(R"({"version": 1, "state": "OPEN", "remaining_wait_in_open": "40s", "current_wait_in_open": "30s"})"),
      "breaker state.remaining_wait_in_open must be from 0 to current_wait_in_open; got \"40s\"");
  EXPECT_EQ(refuse(R"({"version": 1, "state": "OPEN", "opened_at": 5})"), "breaker state: unknown field \"opened_at\"");
}

TEST(CircuitBreakerDeathTest, MisuseStopsLoudly) {
  time::ManualClock clock;
  CircuitBreaker breaker("inventory", consecutive(3), clock);
  EXPECT_DEATH(
      {
        CircuitBreaker::Permit permit = breaker.try_acquire();
        permit.record(Outcome::kSuccess);
        permit.record(Outcome::kSuccess);
      },
      "breaker_ != nullptr");
  CircuitBreakerConfig scheduled = consecutive(1);
  scheduled.half_open_transition = HalfOpenTransition::kScheduled;
  EXPECT_DEATH(CircuitBreaker("inventory", scheduled, clock), "kOnNextCall");
  EXPECT_DEATH(CircuitBreaker("inventory", CircuitBreakerConfig(), clock), "validate");
}

}  // namespace
}  // namespace sluice::resilience
