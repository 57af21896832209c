#include "core/resilience/retry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/resilience/retry_budget.h"
#include "core/time/manual_clock.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using time::Duration;

RetryConfig no_jitter(std::uint32_t attempts) {
  RetryConfig config;
  config.max_attempts = attempts;
  config.initial_backoff = milliseconds(100);
  config.multiplier = 2;
  config.max_backoff = milliseconds(500);
  config.jitter = Jitter::kNone;
  return config;
}

TEST(RetryTest, BacksOffExponentiallyUpToTheCapAndStopsAfterMaxAttempts) {
  Retry retry(no_jitter(6), time::Prng(1));
  RetryState state = retry.start();
  std::vector<Duration> delays;
  for (;;) {
    const RetryDecision next = state.on_failure(/*retryable=*/true);
    if (!next.retry) {
      EXPECT_EQ(next.reason, "attempts_exhausted");
      break;
    }
    delays.push_back(next.delay);
  }
  EXPECT_EQ(delays, (std::vector<Duration>{milliseconds(100), milliseconds(200), milliseconds(400), milliseconds(500),
                                           milliseconds(500)}));
  EXPECT_EQ(state.attempts(), 6u);
}

TEST(RetryTest, NonRetryableErrorsAreNotRetried) {
  Retry retry(no_jitter(5), time::Prng(1));
  RetryState state = retry.start();
  const RetryDecision next = state.on_failure(/*retryable=*/false);
  EXPECT_FALSE(next.retry);
  EXPECT_EQ(next.reason, "not_retryable");
  EXPECT_EQ(state.attempts(), 1u);
}

TEST(RetryTest, OneAttemptMeansNoRetry) {
  Retry retry(no_jitter(1), time::Prng(1));
  EXPECT_EQ(retry.start().on_failure(true).reason, "attempts_exhausted");
}

struct Bounds {
  Duration low, high;
};

// Draws the delay of retry `n` many times and checks bounds and spread.
void expect_jitter(Jitter jitter, std::uint32_t n, Duration previous, Bounds bounds, double expected_mean_ms) {
  RetryConfig config = no_jitter(10);
  config.jitter = jitter;
  config.max_backoff = seconds(10);
  Retry retry(config, time::Prng(99));
  Duration lowest = Duration::max(), highest = Duration::min();
  double sum_ms = 0;
  constexpr int kDraws = 20'000;
  for (int i = 0; i < kDraws; ++i) {
    const Duration d = retry.backoff(n, previous);
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
    sum_ms += std::chrono::duration<double, std::milli>(d).count();
  }
  EXPECT_GE(lowest, bounds.low);
  EXPECT_LE(highest, bounds.high);
  // The draws cover the range: within 2% of each end, and the mean where it belongs.
  const Duration span = bounds.high - bounds.low;
  EXPECT_LE(lowest - bounds.low, span / 50);
  EXPECT_LE(bounds.high - highest, span / 50);
  EXPECT_NEAR(sum_ms / kDraws, expected_mean_ms, expected_mean_ms * 0.02);
}

TEST(RetryTest, FullJitterIsUniformFromZeroToTheBase) {
  // Retry 3: base 100 ms × 2² = 400 ms.
  expect_jitter(Jitter::kFull, 3, {}, {Duration::zero(), milliseconds(400)}, 200);
}

TEST(RetryTest, EqualJitterKeepsHalfTheBase) {
  expect_jitter(Jitter::kEqual, 3, {}, {milliseconds(200), milliseconds(400)}, 300);
}

TEST(RetryTest, DecorrelatedJitterGrowsFromThePreviousDelay) {
  // From initial 100 ms up to 3 × the previous 250 ms.
  expect_jitter(Jitter::kDecorrelated, 2, milliseconds(250), {milliseconds(100), milliseconds(750)}, 425);
}

TEST(RetryTest, DecorrelatedJitterRespectsTheCap) {
  RetryConfig config = no_jitter(10);
  config.jitter = Jitter::kDecorrelated;
  config.max_backoff = milliseconds(300);
  Retry retry(config, time::Prng(3));
  for (int i = 0; i < 1'000; ++i) EXPECT_LE(retry.backoff(5, seconds(60)), milliseconds(300));
}

TEST(RetryTest, TheSameSeedReplaysTheSameDelays) {
  RetryConfig config = no_jitter(8);
  config.jitter = Jitter::kDecorrelated;
  auto delays = [&](std::uint64_t seed) {
    Retry retry(config, time::Prng(seed));
    RetryState state = retry.start();
    std::vector<Duration> out;
    for (RetryDecision d = state.on_failure(true); d.retry; d = state.on_failure(true)) out.push_back(d.delay);
    return out;
  };
  EXPECT_EQ(delays(7), delays(7));
  EXPECT_NE(delays(7), delays(8));
}

TEST(RetryTest, ConfigErrorsNameTheField) {
  auto message = [](auto change) {
    RetryConfig config;
    change(config);
    return config.validate().message();
  };
  EXPECT_EQ(message([](RetryConfig& c) { c.max_attempts = 0; }), "max_attempts must be at least 1 (the first attempt)");
  EXPECT_EQ(message([](RetryConfig& c) { c.max_attempts = 101; }), "max_attempts must be at most 100; got 101");
  EXPECT_EQ(message([](RetryConfig& c) { c.initial_backoff = milliseconds(-1); }),
            "initial_backoff must not be negative; got -1 ms");
  EXPECT_EQ(message([](RetryConfig& c) { c.multiplier = 0.5; }), "multiplier must be at least 1; got 0.5");
  EXPECT_EQ(message([](RetryConfig& c) { c.max_backoff = milliseconds(50); }),
            "max_backoff (50 ms) cannot be shorter than initial_backoff (100 ms)");
  EXPECT_TRUE(RetryConfig().validate().ok());
}

// ---- Budget

TEST(RetryBudgetTest, AllowsTheFloorWithoutRequestsAndAShareOfRequests) {
  time::ManualClock clock;
  RetryBudget budget(clock, {.ttl = seconds(10), .min_retries_per_second = 1, .percent_can_retry = 20});
  int granted = 0;
  while (budget.try_withdraw()) ++granted;
  EXPECT_EQ(granted, 10);  // 1 per second × 10 s

  for (int i = 0; i < 100; ++i) budget.record_request();
  while (budget.try_withdraw()) ++granted;
  EXPECT_EQ(granted, 30);  // plus 20% of 100 requests
  const RetryBudgetStats stats = budget.stats();
  EXPECT_EQ(stats.requests, 100u);
  EXPECT_EQ(stats.retries, 30u);
  EXPECT_EQ(stats.allowed_retries, 30u);
  EXPECT_EQ(stats.retries_refused, 2u);
}

TEST(RetryBudgetTest, RetriesLeaveTheWindowAfterTtlAndTheBudgetRefills) {
  time::ManualClock clock;
  RetryBudget budget(clock, {.ttl = seconds(2), .min_retries_per_second = 1, .percent_can_retry = 0});
  EXPECT_TRUE(budget.try_withdraw());
  EXPECT_TRUE(budget.try_withdraw());
  EXPECT_FALSE(budget.try_withdraw());
  clock.advance(milliseconds(1'999));  // still within the window (second 1)
  EXPECT_FALSE(budget.try_withdraw());
  clock.advance(milliseconds(1));  // second 2: second 0's retries have left
  EXPECT_TRUE(budget.try_withdraw());
}

TEST(RetryBudgetTest, ARetryStopsWhenTheBudgetIsSpent) {
  time::ManualClock clock;
  RetryBudget budget(clock, {.ttl = seconds(1), .min_retries_per_second = 0, .percent_can_retry = 50});
  Retry retry(no_jitter(5), time::Prng(1), &budget);
  // Two calls make two requests: 50% allows one retry in all.
  RetryState first = retry.start();
  RetryState second = retry.start();
  EXPECT_TRUE(first.on_failure(true).retry);
  const RetryDecision refused = second.on_failure(true);
  EXPECT_FALSE(refused.retry);
  EXPECT_EQ(refused.reason, "budget_exhausted");
}

TEST(RetryBudgetTest, ConfigErrorsNameTheField) {
  EXPECT_EQ((RetryBudgetConfig{.ttl = milliseconds(1500)}).validate().message(),
            "retry budget ttl must be whole seconds from 1 to 3600; got 1.5 s");
  EXPECT_EQ((RetryBudgetConfig{.percent_can_retry = -1}).validate().message(),
            "retry budget percent_can_retry must be from 0 to 1000; got -1");
}

}  // namespace
}  // namespace sluice::resilience
