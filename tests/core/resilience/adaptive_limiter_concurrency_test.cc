// Several threads on one limiter: admission never passes the limit, windows and
// probes move under contention, and every call is accounted for.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "core/resilience/adaptive_limiter.h"
#include "tests/testing/shared_clock.h"

namespace sluice::resilience {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using testing::SharedClock;

TEST(AdaptiveLimiterConcurrencyTest, InFlightNeverPassesTheLimitAndEveryCallIsCounted) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 50'000;
  SharedClock clock;
  AdaptiveLimiterConfig config;
  config.min_limit = 3;
  config.max_limit = 8;  // small, so threads contend for slots
  config.initial_limit = 8;
  config.min_rtt_request_count = 20;
  config.min_rtt_interval = milliseconds(200);
  config.sample_window = milliseconds(5);
  AdaptiveLimiter limiter("order", config, clock, 7);

  std::latch start(kThreads);
  std::atomic<std::uint32_t> over_max{0};
  std::atomic<std::uint64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kCallsPerThread; ++i) {
        AdaptiveLimiter::Permit permit = limiter.try_acquire();
        if (!permit) continue;
        admitted.fetch_add(1, std::memory_order_relaxed);
        if (limiter.in_flight() > config.max_limit) over_max.fetch_add(1, std::memory_order_relaxed);
        clock.advance(microseconds(1 + (i + t) % 7));
        const LimitOutcome outcome = i % 97 == 0 ? LimitOutcome::kDropped
                                     : i % 13 == 0 ? LimitOutcome::kIgnored
                                                   : LimitOutcome::kSuccess;
        permit.release(outcome);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const AdaptiveLimiterStats stats = limiter.stats();
  EXPECT_EQ(over_max.load(), 0u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.accepted, admitted.load());
  EXPECT_EQ(stats.accepted + stats.rejected, std::uint64_t{kThreads} * kCallsPerThread);
  EXPECT_EQ(stats.succeeded + stats.dropped + stats.ignored, stats.accepted);
  EXPECT_GT(stats.probes, 1u);  // the schedule moved on under contention
  EXPECT_GE(stats.limit, config.min_limit);
  EXPECT_LE(stats.limit, config.max_limit);
}

}  // namespace
}  // namespace sluice::resilience
