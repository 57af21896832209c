#include "core/resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/time/manual_clock.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, StartsWithAFullBurstThenRefillsAtTheRate) {
  time::ManualClock clock;
  RateLimiter limiter(clock, {.permits_per_second = 10, .burst = 5});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.try_acquire()) << i;
  EXPECT_FALSE(limiter.try_acquire());
  EXPECT_EQ(limiter.time_until_available(), milliseconds(100));

  clock.advance(milliseconds(99));
  EXPECT_FALSE(limiter.try_acquire());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());

  clock.advance(seconds(60));  // a long quiet spell refills only up to the burst
  int granted = 0;
  while (limiter.try_acquire()) ++granted;
  EXPECT_EQ(granted, 5);
  EXPECT_EQ(limiter.acquired(), 11u);
  EXPECT_EQ(limiter.refused(), 4u);
}

TEST(RateLimiterTest, SeveralPermitsAtOnceAreAllOrNothing) {
  time::ManualClock clock;
  RateLimiter limiter(clock, {.permits_per_second = 1, .burst = 3});
  EXPECT_TRUE(limiter.try_acquire(2));
  EXPECT_FALSE(limiter.try_acquire(2));  // only one left: nothing is taken
  EXPECT_TRUE(limiter.try_acquire(1));
  EXPECT_EQ(limiter.time_until_available(3), seconds(3));
}

TEST(RateLimiterTest, HoldsTheRateOverALongRunWithoutDrift) {
  time::ManualClock clock;
  // 333,333,333 ns apart: the rounding must not add up. A burst of 2 absorbs the up to
  // 1 ms lateness of each step (with a burst of 1 a late permit cannot bank the delay:
  // the bucket was full, so the overflow is lost, as a token bucket should).
  RateLimiter limiter(clock, {.permits_per_second = 3, .burst = 2});
  int granted = 0;
  for (int step = 0; step < 1'000'000; ++step) {  // 1,000 s in 1 ms steps
    granted += limiter.try_acquire();
    clock.advance(milliseconds(1));
  }
  EXPECT_NEAR(granted, 3'000 + 2, 1);  // plus the initial burst
}

TEST(RateLimiterTest, ThreadsRacingForTheBurstGetExactlyTheBurst) {
  time::ManualClock clock;  // never moves: only the burst is available
  RateLimiter limiter(clock, {.permits_per_second = 1, .burst = 1'000});
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1'000; ++i) granted += limiter.try_acquire();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 1'000);
}

TEST(RateLimiterTest, ConfigErrorsNameTheField) {
  EXPECT_EQ((RateLimiterConfig{.permits_per_second = 0}).validate().message(),
            "permits_per_second must be above 0 and at most 1e9; got 0");
  EXPECT_EQ((RateLimiterConfig{.burst = 0}).validate().message(), "burst must be at least 1");
}

}  // namespace
}  // namespace sluice::resilience
