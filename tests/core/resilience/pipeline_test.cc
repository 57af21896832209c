#include "core/resilience/pipeline.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/time/virtual_time.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A dependency on virtual time: each attempt takes a scripted latency and ends with a
// scripted result. Records when each attempt started.
class ScriptedDependency {
 public:
  struct Step {
    time::Duration latency;
    CallResult result;
  };

  ScriptedDependency(time::VirtualTime& time, std::vector<Step> steps)
      : time_(time), steps_(steps.begin(), steps.end()) {}

  Pipeline::Operation operation() {
    return [this](Pipeline::Done done) {
      started_at_ms.push_back(std::chrono::duration_cast<milliseconds>(time_.now().time_since_epoch()).count());
      const Step step = steps_.empty() ? Step{milliseconds(1), CallResult::success()} : steps_.front();
      if (!steps_.empty()) steps_.pop_front();
      time_.schedule_after(step.latency, [done, result = step.result] { done(result); });
    };
  }

  std::vector<std::int64_t> started_at_ms;

 private:
  time::VirtualTime& time_;
  std::deque<Step> steps_;
};

RetryConfig retry_config(std::uint32_t attempts) {
  RetryConfig config;
  config.max_attempts = attempts;
  config.initial_backoff = milliseconds(100);
  config.max_backoff = seconds(1);
  config.jitter = Jitter::kNone;
  return config;
}

CircuitBreakerConfig breaker_config(std::uint32_t threshold) {
  CircuitBreakerConfig config;
  config.failure_threshold = threshold;
  config.wait_in_open = seconds(30);
  return config;
}

// Runs one call to completion on virtual time; returns its result.
std::optional<CallResult> run(time::VirtualTime& time, const Pipeline& pipeline, ScriptedDependency& dependency) {
  std::optional<CallResult> final_result;
  int results = 0;
  pipeline.execute(dependency.operation(), [&](CallResult result) {
    ++results;
    final_result = std::move(result);
  });
  time.run_for(seconds(60));
  EXPECT_EQ(results, 1) << "on_result must be called exactly once";
  return final_result;
}

TEST(PipelineTest, RetryAroundBreakerAroundTimeoutRecoversFromTransientFailures) {
  time::VirtualTime time;
  Retry retry(retry_config(3), time::Prng(1));
  CircuitBreaker breaker("inventory", breaker_config(5), time);
  TimeLimiter timeout(time, milliseconds(200));
  const Pipeline pipeline = Pipeline::Builder(time).retry(retry).breaker(breaker).timeout(timeout).build();
  ScriptedDependency dependency(time, {{milliseconds(10), CallResult::failure(true, "503")},
                                       {milliseconds(10), CallResult::failure(true, "503")},
                                       {milliseconds(10), CallResult::success()}});

  const auto result = run(time, pipeline, dependency);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, Outcome::kSuccess);
  // Attempts at 0; 10 + 100 backoff; 120 + 10 + 200 backoff.
  EXPECT_EQ(dependency.started_at_ms, (std::vector<std::int64_t>{0, 110, 320}));
  EXPECT_EQ(breaker.stats().calls_failed, 2u);
  EXPECT_EQ(breaker.stats().calls_succeeded, 1u);
}

TEST(PipelineTest, ATimeoutEndsTheAttemptAtTheDeadlineAndDropsTheLateReply) {
  time::VirtualTime time;
  TimeLimiter timeout(time, milliseconds(100));
  const Pipeline pipeline = Pipeline::Builder(time).timeout(timeout).build();
  ScriptedDependency dependency(time, {{milliseconds(500), CallResult::success()}});
  time::Instant answered_at;
  std::optional<CallResult> result;
  pipeline.execute(dependency.operation(), [&](CallResult r) {
    answered_at = time.now();
    result = std::move(r);
  });
  time.run_for(seconds(1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->reason, "timeout");
  EXPECT_TRUE(result->retryable);
  EXPECT_EQ(answered_at, time::Instant(milliseconds(100)));
}

TEST(PipelineTest, AnOpenBreakerFailsFastAndIsNotRetried) {
  time::VirtualTime time;
  Retry retry(retry_config(5), time::Prng(1));
  CircuitBreaker breaker("inventory", breaker_config(1), time);
  breaker.force_open();
  const Pipeline pipeline = Pipeline::Builder(time).retry(retry).breaker(breaker).build();
  ScriptedDependency dependency(time, {});
  const auto result = run(time, pipeline, dependency);
  EXPECT_EQ(result->reason, "breaker_open");
  EXPECT_TRUE(dependency.started_at_ms.empty());  // the dependency was never called
  EXPECT_EQ(breaker.stats().calls_rejected, 1u);  // and not retried into the open breaker
}

TEST(PipelineTest, OrderDecidesWhatTheBreakerSees) {
  // Breaker outside the timeout: the timeout counts as a failure.
  {
    time::VirtualTime time;
    CircuitBreaker breaker("inventory", breaker_config(1), time);
    TimeLimiter timeout(time, milliseconds(100));
    const Pipeline pipeline = Pipeline::Builder(time).breaker(breaker).timeout(timeout).build();
    ScriptedDependency slow(time, {{milliseconds(300), CallResult::success()}});
    run(time, pipeline, slow);
    EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  }
  // Breaker inside the timeout: it sees the call's own late success.
  {
    time::VirtualTime time;
    CircuitBreaker breaker("inventory", breaker_config(1), time);
    TimeLimiter timeout(time, milliseconds(100));
    const Pipeline pipeline = Pipeline::Builder(time).timeout(timeout).breaker(breaker).build();
    ScriptedDependency slow(time, {{milliseconds(300), CallResult::success()}});
    EXPECT_EQ(run(time, pipeline, slow)->reason, "timeout");
    EXPECT_EQ(breaker.state(), BreakerState::kClosed);
    EXPECT_EQ(breaker.stats().calls_succeeded, 1u);
  }
}

TEST(PipelineTest, AFullBulkheadRejectsAndTheRetryComesBackLater) {
  time::VirtualTime time;
  Retry retry(retry_config(3), time::Prng(1));
  Bulkhead bulkhead("payment", {.max_concurrent_calls = 1, .max_queued_calls = 0}, time);
  const Pipeline pipeline = Pipeline::Builder(time).retry(retry).bulkhead(bulkhead).build();
  Bulkhead::Permit occupied = bulkhead.try_enter();
  time.schedule_after(milliseconds(50), [&] { occupied.release(); });  // frees before the retry
  ScriptedDependency dependency(time, {{milliseconds(10), CallResult::success()}});

  const auto result = run(time, pipeline, dependency);
  EXPECT_EQ(result->outcome, Outcome::kSuccess);
  EXPECT_EQ(dependency.started_at_ms, (std::vector<std::int64_t>{100}));  // after the 100 ms backoff
  EXPECT_EQ(bulkhead.stats().rejected_queue_full, 1u);
  EXPECT_EQ(bulkhead.stats().active, 0u);
}

TEST(PipelineTest, ARateLimitRejectsBeyondTheBurst) {
  time::VirtualTime time;
  RateLimiter limiter(time, {.permits_per_second = 1, .burst = 1});
  const Pipeline pipeline = Pipeline::Builder(time).rate_limit(limiter).build();
  ScriptedDependency dependency(time, {});
  std::optional<CallResult> first, second;
  pipeline.execute(dependency.operation(), [&](CallResult r) { first = std::move(r); });
  pipeline.execute(dependency.operation(), [&](CallResult r) { second = std::move(r); });  // same instant
  ASSERT_TRUE(second);  // a rejection is answered at once
  EXPECT_EQ(second->reason, "rate_limited");
  time.run_for(seconds(1));
  EXPECT_EQ(first->outcome, Outcome::kSuccess);
  EXPECT_EQ(dependency.started_at_ms.size(), 1u);
}

TEST(PipelineTest, RetriesStopAtTheBudgetAndSaySo) {
  time::VirtualTime time;
  RetryBudget budget(time, {.ttl = seconds(10), .min_retries_per_second = 0, .percent_can_retry = 0});
  Retry retry(retry_config(5), time::Prng(1), &budget);
  const Pipeline pipeline = Pipeline::Builder(time).retry(retry).build();
  ScriptedDependency dependency(time, {{milliseconds(1), CallResult::failure(true, "503")}});
  const auto result = run(time, pipeline, dependency);
  EXPECT_EQ(result->reason, "retry_budget_exhausted: 503");
  EXPECT_EQ(dependency.started_at_ms.size(), 1u);
}

TEST(PipelineTest, CallsInFlightOutliveAMovedPipeline) {
  time::VirtualTime time;
  TimeLimiter timeout(time, milliseconds(100));
  std::optional<Pipeline> pipeline = Pipeline::Builder(time).timeout(timeout).build();
  ScriptedDependency dependency(time, {{milliseconds(10), CallResult::success()}});
  std::optional<CallResult> result;
  pipeline->execute(dependency.operation(), [&](CallResult r) { result = std::move(r); });
  Pipeline moved = std::move(*pipeline);
  pipeline.reset();
  time.run_for(seconds(1));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->outcome, Outcome::kSuccess);
}

}  // namespace
}  // namespace sluice::resilience
