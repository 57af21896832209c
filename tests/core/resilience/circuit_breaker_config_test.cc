#include "core/resilience/circuit_breaker_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

CircuitBreakerConfig valid() {
  CircuitBreakerConfig config;
  config.failure_threshold = 5;
  return config;
}

TEST(CircuitBreakerConfigTest, ASimpleConfigAndTheArticlesAreValid) {
  EXPECT_TRUE(valid().validate().ok());
  EXPECT_TRUE(CircuitBreakerConfig::like_article(3, milliseconds(15'000)).validate().ok());
}

struct BadField {
  const char* name;
  std::function<void(CircuitBreakerConfig&)> break_it;
  const char* message;
};

TEST(CircuitBreakerConfigTest, EachInvalidFieldHasItsOwnClearError) {
  const BadField cases[] = {
      {"rate above 100", [](auto& c) { c.failure_rate_threshold_percent = 150; },
       "failure_rate_threshold_percent must be in (0, 100], or 0 for off; got 150"},
      {"negative rate", [](auto& c) { c.failure_rate_threshold_percent = -5; },
       "failure_rate_threshold_percent must be in (0, 100], or 0 for off; got -5"},
      {"slow rate above 100", [](auto& c) { c.slow_call_rate_threshold_percent = 100.5; },
       "slow_call_rate_threshold_percent must be in (0, 100], or 0 for off; got 100.5"},
      {"negative slow duration", [](auto& c) { c.slow_call_duration_threshold = milliseconds(-1); },
       "slow_call_duration_threshold must not be negative; got -1 ms"},
      {"slow rate without duration", [](auto& c) { c.slow_call_rate_threshold_percent = 50; },
       "slow_call_rate_threshold_percent needs slow_call_duration_threshold to say which calls are slow"},
      {"no trip condition", [](auto& c) { c.failure_threshold = 0; },
       "no trip condition: set failure_threshold, failure_rate_threshold_percent, "
       "slow_call_rate_threshold_percent or latency_percentile"},
      {"percentile above 100", [](auto& c) { c.latency_percentile = 101; },
       "latency_percentile must be in (0, 100], or 0 for off; got 101"},
      {"negative latency threshold", [](auto& c) { c.latency_percentile_threshold = milliseconds(-3); },
       "latency_percentile_threshold must not be negative; got -3 ms"},
      {"percentile without threshold", [](auto& c) { c.latency_percentile = 99; },
       "latency_percentile needs latency_percentile_threshold to compare it with"},
      {"empty window", [](auto& c) { c.window_size = 0; }, "window_size must be at least 1"},
      {"minimum beyond window", [](auto& c) { c.window_size = 5, c.minimum_calls = 6; },
       "minimum_calls (6) cannot exceed a count-based window_size (5): no rate would ever be judged"},
      {"zero wait", [](auto& c) { c.wait_in_open = seconds(0); }, "wait_in_open must be positive; got 0 ms"},
      {"negative wait", [](auto& c) { c.wait_in_open = milliseconds(-30); },
       "wait_in_open must be positive; got -30 ms"},
      {"multiplier below 1", [](auto& c) { c.open_backoff_multiplier = 0.5; },
       "open_backoff_multiplier must be at least 1; got 0.5"},
      {"backoff without cap", [](auto& c) { c.open_backoff_multiplier = 2; },
       "open_backoff_multiplier above 1 needs max_wait_in_open as its cap"},
      {"cap below wait", [](auto& c) { c.max_wait_in_open = seconds(10); },
       "max_wait_in_open (10000 ms) cannot be shorter than wait_in_open (30000 ms)"},
      {"negative cap", [](auto& c) { c.max_wait_in_open = seconds(-1); },
       "max_wait_in_open must not be negative; got -1000 ms"},
      {"no probes", [](auto& c) { c.permitted_calls_in_half_open = 0; },
       "permitted_calls_in_half_open must be at least 1: with none the breaker could never close"},
      {"negative half-open wait", [](auto& c) { c.max_wait_in_half_open = milliseconds(-2); },
       "max_wait_in_half_open must not be negative; got -2 ms"},
  };
  for (const BadField& bad : cases) {
    CircuitBreakerConfig config = valid();
    bad.break_it(config);
    const Status status = config.validate();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad.name;
    EXPECT_EQ(status.message(), bad.message) << bad.name;
  }
}

TEST(CircuitBreakerConfigTest, TimeBasedWindowsMayNeedMoreCallsThanSeconds) {
  CircuitBreakerConfig config = valid();
  config.window_kind = WindowKind::kTimeBased;
  config.window_size = 10;  // seconds
  config.minimum_calls = 100;
  EXPECT_TRUE(config.validate().ok());
}

}  // namespace
}  // namespace sluice::resilience
