// config_json.h: every resilience policy's config from JSON, checked field by field.
//
// Keys are the config structs' field names; durations are strings ("30s", "250ms",
// "1m30s"); enums are lower-case names. Absent fields keep their defaults; unknown
// fields, wrong types and values a policy's validate() rejects are errors naming the
// field:
//
//   {"circuit_breaker": {"failure_rate_threshold_percent": 50, "window_kind": "time_based",
//                        "window_size": 10, "minimum_calls": 20, "wait_in_open": "15s"},
//    "retry": {"max_attempts": 3, "initial_backoff": "100ms", "jitter": "decorrelated"},
//    "retry_budget": {"percent_can_retry": 20},
//    "bulkhead": {"max_concurrent_calls": 100, "max_queued_calls": 50},
//    "rate_limiter": {"permits_per_second": 200, "burst": 50},
//    "timeout": "2s",
//    "outlier_detection": {"consecutive_5xx": 3, "interval": "10s", "max_ejection_percent": 50},
//    "adaptive_concurrency": {"max_limit": 500, "sample_window": "100ms", "min_rtt_interval": "30s"}}
//
//   Result<ResilienceConfig> config = resilience_config_from_text(text);
//   // "circuit_breaker.wait_in_open: invalid duration \"15\": a unit is required ..."
#ifndef SLUICE_CORE_RESILIENCE_CONFIG_JSON_H_
#define SLUICE_CORE_RESILIENCE_CONFIG_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/base/result.h"
#include "core/resilience/adaptive_limiter_config.h"
#include "core/resilience/bulkhead.h"
#include "core/resilience/circuit_breaker_config.h"
#include "core/resilience/outlier_detector.h"
#include "core/resilience/rate_limiter.h"
#include "core/resilience/retry.h"
#include "core/resilience/retry_budget.h"

namespace sluice::resilience {

// ResilienceConfig: the policies for calls to one dependency; absent ones are off.
struct ResilienceConfig {
  std::optional<CircuitBreakerConfig> circuit_breaker;
  std::optional<RetryConfig> retry;
  std::optional<RetryBudgetConfig> retry_budget;
  std::optional<BulkheadConfig> bulkhead;
  std::optional<RateLimiterConfig> rate_limiter;
  std::optional<time::Duration> timeout;
  std::optional<OutlierDetectionConfig> outlier_detection;
  // adaptive_concurrency: the limit on calls this service takes (load shedding).
  std::optional<AdaptiveLimiterConfig> adaptive_concurrency;
};

Result<CircuitBreakerConfig> circuit_breaker_config_from_json(const nlohmann::json& json);
Result<RetryConfig> retry_config_from_json(const nlohmann::json& json);
Result<RetryBudgetConfig> retry_budget_config_from_json(const nlohmann::json& json);
Result<BulkheadConfig> bulkhead_config_from_json(const nlohmann::json& json);
Result<RateLimiterConfig> rate_limiter_config_from_json(const nlohmann::json& json);
Result<OutlierDetectionConfig> outlier_detection_config_from_json(const nlohmann::json& json);
Result<AdaptiveLimiterConfig> adaptive_limiter_config_from_json(const nlohmann::json& json);
Result<ResilienceConfig> resilience_config_from_json(const nlohmann::json& json);

// resilience_config_from_text: the same, from JSON text (malformed text is an error
// with its line and column).
Result<ResilienceConfig> resilience_config_from_text(std::string_view text);

// to_json: a circuit breaker config as the JSON the parser reads back.
nlohmann::json to_json(const CircuitBreakerConfig& config);
// to_json: an adaptive limiter config as the JSON the parser reads back.
nlohmann::json to_json(const AdaptiveLimiterConfig& config);

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_CONFIG_JSON_H_
