// Several threads on one breaker: probes stay exact and every call is accounted for.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "core/resilience/circuit_breaker.h"
#include "core/time/prng.h"
#include "tests/testing/shared_clock.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;

using testing::SharedClock;

// Counts transitions; called from every thread.
class TransitionCounter : public observe::EventSink {
 public:
  void on_event(const observe::Event& event) override {
    if (event.what != "breaker.state_changed") return;
    std::lock_guard lock(mutex_);
    const auto* to = event.attribute("to");
    if (to != nullptr && std::get<std::string_view>(*to) == "HALF_OPEN") ++to_half_open;
    ++transitions;
  }
  std::mutex mutex_;
  int transitions = 0;
  int to_half_open = 0;
};

TEST(CircuitBreakerConcurrencyTest, HalfOpenAdmitsExactlyThePermittedProbesUnderContention) {
  constexpr int kThreads = 4;
  constexpr std::uint32_t kProbes = 3;
  SharedClock clock;
  CircuitBreakerConfig config;
  config.failure_threshold = 1;
  config.wait_in_open = milliseconds(10);
  config.permitted_calls_in_half_open = kProbes;
  CircuitBreaker breaker("inventory", config, clock);

  for (int round = 0; round < 200; ++round) {
    ASSERT_EQ(breaker.state(), BreakerState::kClosed);
    breaker.try_acquire().record(Outcome::kFailure);
    ASSERT_EQ(breaker.state(), BreakerState::kOpen);
    clock.advance(milliseconds(11));  // the wait is over: the next calls race for probes

    std::latch start(kThreads);
    std::vector<std::vector<CircuitBreaker::Permit>> admitted(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (int i = 0; i < 500; ++i) {
          if (CircuitBreaker::Permit permit = breaker.try_acquire()) admitted[t].push_back(std::move(permit));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();

    std::size_t total = 0;
    for (const auto& permits : admitted) total += permits.size();
    ASSERT_EQ(total, kProbes) << "round " << round;
    for (auto& permits : admitted) {
      for (auto& permit : permits) permit.record(Outcome::kSuccess);
    }
    ASSERT_EQ(breaker.state(), BreakerState::kClosed) << "round " << round;
  }
}

TEST(CircuitBreakerConcurrencyTest, EveryCallIsCountedOnceWhileTheBreakerMovesThroughAllStates) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 20'000;
  SharedClock clock;
  TransitionCounter transitions;
  CircuitBreakerConfig config;
  config.failure_threshold = 5;
  config.failure_rate_threshold_percent = 60;
  config.window_size = 50;
  config.minimum_calls = 20;
  config.wait_in_open = milliseconds(5);
  config.permitted_calls_in_half_open = 2;
  CircuitBreaker breaker("inventory", config, clock, &transitions);

  std::atomic<std::uint64_t> admitted{0}, rejected{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      time::Prng prng(100 + t);
      start.arrive_and_wait();
      for (int i = 0; i < kCallsPerThread; ++i) {
        if (prng.chance(0.05)) clock.advance(milliseconds(1));
        CircuitBreaker::Permit permit = breaker.try_acquire();
        if (!permit) {
          rejected.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        admitted.fetch_add(1, std::memory_order_relaxed);
        // Failure-heavy bursts and healthy stretches, so every state is visited.
        const bool bad_phase = (i / 2'000) % 2 == 0;
        const double failure = bad_phase ? 0.7 : 0.02;
        if (prng.chance(0.05)) continue;  // dropped unrecorded: counts as ignored
        permit.record(prng.chance(failure) ? Outcome::kFailure : Outcome::kSuccess);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const CircuitBreakerStats stats = breaker.stats();
  EXPECT_EQ(admitted + rejected, std::uint64_t{kThreads} * kCallsPerThread);
  EXPECT_EQ(stats.calls_succeeded + stats.calls_failed + stats.calls_ignored, admitted.load());
  EXPECT_EQ(stats.calls_rejected, rejected.load());
  EXPECT_EQ(stats.transitions, static_cast<std::uint64_t>(transitions.transitions));
  EXPECT_GT(transitions.to_half_open, 10);  // it really went round the states
}

}  // namespace
}  // namespace sluice::resilience
