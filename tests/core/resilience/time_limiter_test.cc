#include "core/resilience/time_limiter.h"

#include <gtest/gtest.h>

#include "core/time/virtual_time.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;

TEST(TimeLimiterTest, ACallThatFinishesInTimeNeverRunsTheHook) {
  time::VirtualTime time;
  TimeLimiter limiter(time, milliseconds(100));
  int cancelled = 0;
  TimeLimiter::Call call = limiter.start([&] { ++cancelled; });
  time.run_for(milliseconds(99));
  EXPECT_TRUE(call.finish());
  EXPECT_TRUE(call.finish());  // asking again gives the same answer
  time.run_for(milliseconds(10));
  EXPECT_EQ(cancelled, 0);
}

TEST(TimeLimiterTest, TheHookRunsAtTheDeadlineAndALateFinishSaysSo) {
  time::VirtualTime time;
  TimeLimiter limiter(time, milliseconds(100));
  time::Instant cancelled_at;
  TimeLimiter::Call call = limiter.start([&] { cancelled_at = time.now(); });
  time.run_for(milliseconds(250));
  EXPECT_EQ(cancelled_at, time::Instant(milliseconds(100)));
  EXPECT_FALSE(call.finish());
}

TEST(TimeLimiterTest, DroppingACallDisarmsItsHook) {
  time::VirtualTime time;
  TimeLimiter limiter(time, milliseconds(100));
  int cancelled = 0;
  {
    TimeLimiter::Call call = limiter.start([&] { ++cancelled; });
  }
  time.run_for(milliseconds(200));
  EXPECT_EQ(cancelled, 0);
  EXPECT_EQ(time.pending_timers(), 0u);
}

TEST(TimeLimiterTest, RejectsTimeoutsThatAreNotPositive) {
  EXPECT_EQ(TimeLimiter::validate(milliseconds(0)).message(), "timeout must be positive; got 0 ms");
  EXPECT_TRUE(TimeLimiter::validate(milliseconds(1)).ok());
}

}  // namespace
}  // namespace sluice::resilience
