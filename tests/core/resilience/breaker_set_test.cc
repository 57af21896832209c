#include "core/resilience/breaker_set.h"

#include <gtest/gtest.h>

#include "core/time/manual_clock.h"
#include "tests/testing/event_recorder.h"

namespace sluice::resilience {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::EventRecorder;

CircuitBreakerConfig one_failure_trips() {
  CircuitBreakerConfig config;
  config.failure_threshold = 1;
  config.wait_in_open = seconds(10);
  return config;
}

void fail_once(CircuitBreaker& breaker) {
  if (auto permit = breaker.try_acquire()) permit.record(Outcome::kFailure);
}

TEST(BreakerSetTest, OneBreakerPerEndpointMadeOnFirstUse) {
  time::ManualClock clock;
  BreakerSet set(one_failure_trips(), 50, clock);
  CircuitBreaker& a = set.breaker("10.0.0.1:3000");
  EXPECT_EQ(&set.breaker("10.0.0.1:3000"), &a);
  EXPECT_EQ(a.name(), "10.0.0.1:3000");
  set.breaker("10.0.0.2:3000");
  EXPECT_EQ(set.size(), 2u);
}

TEST(BreakerSetTest, NeverCutsOffMoreThanTheMaximumShare) {
  time::ManualClock clock;
  EventRecorder events;
  BreakerSet set(one_failure_trips(), 50, clock, &events);
  for (const char* endpoint : {"a", "b", "c", "d"}) set.breaker(endpoint);

  fail_once(set.breaker("a"));  // 0 of 4 cut off: may trip
  fail_once(set.breaker("b"));  // 1 of 4: may trip
  fail_once(set.breaker("c"));  // 2 of 4 is 50%: refused
  EXPECT_EQ(set.breaker("a").state(), BreakerState::kOpen);
  EXPECT_EQ(set.breaker("b").state(), BreakerState::kOpen);
  EXPECT_EQ(set.breaker("c").state(), BreakerState::kClosed);
  EXPECT_EQ(set.cut_off(), 2u);
  EXPECT_EQ(set.breaker("c").stats().trips_refused, 1u);
  EXPECT_EQ(events.lines.back(), "breaker.trip_refused reason=consecutive_failures");

  // "a" recovers; now "c" may trip on its next failure.
  clock.advance(seconds(10) + nanoseconds(1));
  set.breaker("a").try_acquire().record(Outcome::kSuccess);
  EXPECT_EQ(set.breaker("a").state(), BreakerState::kClosed);
  fail_once(set.breaker("c"));
  EXPECT_EQ(set.breaker("c").state(), BreakerState::kOpen);
}

TEST(BreakerSetTest, AFailedProbeReopensWhateverTheShare) {
  time::ManualClock clock;
  BreakerSet set(one_failure_trips(), 50, clock);
  set.breaker("a");
  set.breaker("b");
  fail_once(set.breaker("a"));  // 1 of 2 cut off: 50%
  clock.advance(seconds(10) + nanoseconds(1));
  fail_once(set.breaker("a"));  // the probe fails: back to OPEN, not refused
  EXPECT_EQ(set.breaker("a").state(), BreakerState::kOpen);
  EXPECT_EQ(set.breaker("a").stats().trips_refused, 0u);
}

}  // namespace
}  // namespace sluice::resilience
