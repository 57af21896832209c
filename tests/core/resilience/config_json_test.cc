#include "core/resilience/config_json.h"

#include <gtest/gtest.h>

namespace sluice::resilience {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ConfigJsonTest, ReadsEveryPolicyFromOneDocument) {
  const Result<ResilienceConfig> config = resilience_config_from_text(R"({
    "circuit_breaker": {"failure_rate_threshold_percent": 50, "window_kind": "time_based", "window_size": 10,
                        "minimum_calls": 20, "wait_in_open": "15s", "half_open_transition": "scheduled"},
    "retry": {"max_attempts": 4, "initial_backoff": "50ms", "jitter": "decorrelated"},
    "retry_budget": {"percent_can_retry": 25, "ttl": "5s"},
    "bulkhead": {"max_concurrent_calls": 100, "max_queued_calls": 50, "max_wait": "200ms"},
    "rate_limiter": {"permits_per_second": 200, "burst": 50},
    "timeout": "2s",
    "outlier_detection": {"consecutive_5xx": 3, "interval": "10s", "max_ejection_percent": 50}
  })");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->circuit_breaker->window_kind, WindowKind::kTimeBased);
  EXPECT_EQ(config->circuit_breaker->wait_in_open, 15s);
  EXPECT_EQ(config->circuit_breaker->half_open_transition, HalfOpenTransition::kScheduled);
  EXPECT_EQ(config->retry->jitter, Jitter::kDecorrelated);
  EXPECT_EQ(config->retry->initial_backoff, 50ms);
  EXPECT_EQ(config->retry_budget->ttl, 5s);
  EXPECT_EQ(config->bulkhead->max_wait, 200ms);
  EXPECT_EQ(config->rate_limiter->burst, 50u);
  EXPECT_EQ(config->timeout, 2s);
  EXPECT_EQ(config->outlier_detection->consecutive_5xx, 3u);
  EXPECT_EQ(config->outlier_detection->base_ejection_time, 30s);  // a default
}

TEST(ConfigJsonTest, AbsentPoliciesAreOff) {
  const Result<ResilienceConfig> config = resilience_config_from_text("{}");
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->circuit_breaker || config->retry || config->bulkhead || config->timeout);
}

TEST(ConfigJsonTest, ErrorsNameThePolicyTheFieldAndTheRule) {
  auto error = [](const char* text) { return resilience_config_from_text(text).status().message(); };
  EXPECT_EQ(error(R"({"circuit_breaker": {"failure_rate_threshold_percent": 150}})"),
            "circuit_breaker: failure_rate_threshold_percent must be in (0, 100], or 0 for off; got 150");
  EXPECT_EQ(error(R"({"circuit_breaker": {"failure_threshold": 5, "wait_in_open": "-1s"}})"),
            "circuit_breaker: wait_in_open must be positive; got -1000 ms");
  EXPECT_EQ(
      error(R"({"circuit_breaker": {"permitted_calls_in_half_open": 0, "failure_threshold": 1}})"),
      "circuit_breaker: permitted_calls_in_half_open must be at least 1: with none the breaker could never close");
  EXPECT_EQ(error(R"({"circuit_breaker": {"failure_threshold": 1, "window_kind": "sliding"}})"),
            "circuit_breaker.window_kind must be one of \"count_based\", \"time_based\"; got \"sliding\"");
  EXPECT_EQ(error(R"({"retry": {"max_attempts": 0}})"), "retry: max_attempts must be at least 1 (the first attempt)");
  EXPECT_EQ(error(R"({"retry": {"jitter": "random"}})"),
            "retry.jitter must be one of \"none\", \"full\", \"equal\", \"decorrelated\"; got \"random\"");
  EXPECT_EQ(error(R"({"bulkhead": {"max_concurrent_calls": 0}})"),
            "bulkhead: max_concurrent_calls must be at least 1: with none no call could run");
  EXPECT_EQ(error(R"({"outlier_detection": {"max_ejection_percent": 101}})"),
            "outlier_detection: max_ejection_percent must be from 0 to 100; got 101");
  EXPECT_EQ(error(R"({"timeout": "0s"})"), "resilience config.timeout: timeout must be positive; got 0 ms");
  EXPECT_EQ(error(R"({"timeout": 2})"),
            "resilience config.timeout must be a duration string such as \"30s\" or \"250ms\"; got 2");
  EXPECT_EQ(error(R"({"circuit_breakr": {}})"), "resilience config: unknown field \"circuit_breakr\"");
  EXPECT_EQ(error(R"({"retry": {"max_attempts": 3, "backoff": "1s"}})"), "retry: unknown field \"backoff\"");
  EXPECT_EQ(error(R"({"retry": [1]})"), "retry must be a JSON object; got [1]");
  EXPECT_EQ(error(R"({"circuit_breaker": {"failure_threshold": 1, "ramp_percents": "10,50"}})"),
            "circuit_breaker.ramp_percents must be an array of numbers; got \"10,50\"");
  EXPECT_EQ(error("{oops"),
            "malformed JSON: syntax error while parsing object key - invalid literal; "
            "last read: '{o'; expected string literal (line 1, column 2)");
}

TEST(ConfigJsonTest, ABreakerConfigRoundTripsThroughJson) {
  CircuitBreakerConfig config = CircuitBreakerConfig::like_article(3, 15s);
  config.latency_percentile = 99;
  config.latency_percentile_threshold = 500ms;
  config.window_kind = WindowKind::kTimeBased;
  config.open_backoff_multiplier = 2;
  config.max_wait_in_open = 2min;
  config.ramp_percents = {10, 25, 50};
  config.ramp_step_duration = 5s;
  const Result<CircuitBreakerConfig> back = circuit_breaker_config_from_json(to_json(config));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(to_json(*back), to_json(config));
  EXPECT_EQ(back->failure_counting, FailureCounting::kSinceClosed);
  EXPECT_EQ(back->max_wait_in_open, 2min);
  EXPECT_EQ(back->ramp_percents, (std::vector<double>{10, 25, 50}));
}

TEST(ConfigJsonTest, ReadsTheAdaptiveConcurrencyLimiter) {
  const Result<ResilienceConfig> config = resilience_config_from_text(R"({
    "adaptive_concurrency": {"max_limit": 500, "sample_window": "250ms", "min_rtt_interval": "30s",
                             "sample_percentile": 90, "smoothing": 0.5}
  })");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->adaptive_concurrency);
  EXPECT_EQ(config->adaptive_concurrency->max_limit, 500u);
  EXPECT_EQ(config->adaptive_concurrency->sample_window, 250ms);
  EXPECT_EQ(config->adaptive_concurrency->min_rtt_interval, 30s);
  EXPECT_EQ(config->adaptive_concurrency->sample_percentile, 90);
  EXPECT_EQ(config->adaptive_concurrency->smoothing, 0.5);
  EXPECT_EQ(config->adaptive_concurrency->min_limit, 10u);  // a default
}

TEST(ConfigJsonTest, AdaptiveConcurrencyErrorsNameTheField) {
  auto error = [](const char* text) { return adaptive_limiter_config_from_json(json::parse(text)).status().message(); };
  EXPECT_EQ(error(R"({"min_limit": 0})"),
            "adaptive_concurrency: min_limit must be at least 1: with none no call could run");
  EXPECT_EQ(error(R"({"max_limit": 10, "initial_limit": 20})"),
            "adaptive_concurrency: initial_limit must be within [min_limit, max_limit] = [10, 10]; got 20");
  EXPECT_EQ(error(R"({"smoothing": 1.5})"), "adaptive_concurrency: smoothing must be in (0, 1]; got 1.5");
  EXPECT_EQ(error(R"({"sample_window": "soon"})").substr(0, 52),
            "adaptive_concurrency.sample_window: invalid duration");
  EXPECT_EQ(error(R"({"max_limit": -1})"), "adaptive_concurrency.max_limit must be a whole number >= 0; got -1");
  EXPECT_EQ(error(R"({"max_limt": 10})"), "adaptive_concurrency: unknown field \"max_limt\"");
}

TEST(ConfigJsonTest, AnAdaptiveLimiterConfigRoundTripsThroughJson) {
  AdaptiveLimiterConfig config;
  config.max_limit = 321;
  config.sample_window = 150ms;
  config.min_rtt_probe_max = 3s;
  config.drop_backoff_ratio = 0.8;
  const Result<AdaptiveLimiterConfig> back = adaptive_limiter_config_from_json(to_json(config));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(to_json(*back), to_json(config));
  EXPECT_EQ(back->sample_window, 150ms);
}

}  // namespace
}  // namespace sluice::resilience
