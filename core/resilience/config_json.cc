#include "core/resilience/config_json.h"

#include <array>

#include "core/base/duration_text.h"
#include "core/config/json_fields.h"
#include "core/config/parse_json.h"
#include "core/resilience/time_limiter.h"

namespace sluice::resilience {
namespace {

using config::JsonFields;
using nlohmann::json;

// The fields read, then the policy's own rules, each error prefixed with where.
template <typename Config>
Result<Config> finish(const JsonFields& fields, const Config& config) {
  SLUICE_RETURN_IF_ERROR(fields.finish());
  if (Status status = config.validate(); !status.ok()) {
    return Status::invalid_argument(fields.where() + ": " + status.message());
  }
  return config;
}

constexpr std::array<std::pair<std::string_view, WindowKind>, 2> kWindowKinds = {
    {{"count_based", WindowKind::kCountBased}, {"time_based", WindowKind::kTimeBased}}};
constexpr std::array<std::pair<std::string_view, FailureCounting>, 2> kCountings = {
    {{"consecutive", FailureCounting::kConsecutive}, {"since_closed", FailureCounting::kSinceClosed}}};
constexpr std::array<std::pair<std::string_view, HalfOpenTransition>, 2> kTransitions = {
    {{"on_next_call", HalfOpenTransition::kOnNextCall}, {"scheduled", HalfOpenTransition::kScheduled}}};

template <typename E, std::size_t N>
std::string_view name_of(E value, const std::array<std::pair<std::string_view, E>, N>& names) {
  for (const auto& [name, e] : names) {
    if (e == value) return name;
  }
  return {};
}

}  // namespace

Result<CircuitBreakerConfig> circuit_breaker_config_from_json(const json& object) {
  CircuitBreakerConfig c;
  JsonFields f(object, "circuit_breaker");
  f.count("failure_threshold", c.failure_threshold);
  f.choice("failure_counting", c.failure_counting, kCountings);
  f.number("failure_rate_threshold_percent", c.failure_rate_threshold_percent);
  f.number("slow_call_rate_threshold_percent", c.slow_call_rate_threshold_percent);
  f.duration("slow_call_duration_threshold", c.slow_call_duration_threshold);
  f.number("latency_percentile", c.latency_percentile);
  f.duration("latency_percentile_threshold", c.latency_percentile_threshold);
  f.choice("window_kind", c.window_kind, kWindowKinds);
  f.count("window_size", c.window_size);
  f.count("minimum_calls", c.minimum_calls);
  f.duration("wait_in_open", c.wait_in_open);
  f.choice("half_open_transition", c.half_open_transition, kTransitions);
  f.number("open_backoff_multiplier", c.open_backoff_multiplier);
  f.duration("max_wait_in_open", c.max_wait_in_open);
  f.count("permitted_calls_in_half_open", c.permitted_calls_in_half_open);
  f.duration("max_wait_in_half_open", c.max_wait_in_half_open);
  f.numbers("ramp_percents", c.ramp_percents);
  f.duration("ramp_step_duration", c.ramp_step_duration);
  return finish(f, c);
}

json to_json(const CircuitBreakerConfig& c) {
  return json{
      {"failure_threshold", c.failure_threshold},
      {"failure_counting", name_of(c.failure_counting, kCountings)},
      {"failure_rate_threshold_percent", c.failure_rate_threshold_percent},
      {"slow_call_rate_threshold_percent", c.slow_call_rate_threshold_percent},
      {"slow_call_duration_threshold", format_duration(c.slow_call_duration_threshold)},
      {"latency_percentile", c.latency_percentile},
      {"latency_percentile_threshold", format_duration(c.latency_percentile_threshold)},
      {"window_kind", name_of(c.window_kind, kWindowKinds)},
      {"window_size", c.window_size},
      {"minimum_calls", c.minimum_calls},
      {"wait_in_open", format_duration(c.wait_in_open)},
      {"half_open_transition", name_of(c.half_open_transition, kTransitions)},
      {"open_backoff_multiplier", c.open_backoff_multiplier},
      {"max_wait_in_open", format_duration(c.max_wait_in_open)},
      {"permitted_calls_in_half_open", c.permitted_calls_in_half_open},
      {"max_wait_in_half_open", format_duration(c.max_wait_in_half_open)},
      {"ramp_percents", c.ramp_percents},
      {"ramp_step_duration", format_duration(c.ramp_step_duration)},
  };
}

Result<RetryConfig> retry_config_from_json(const json& object) {
  RetryConfig c;
  JsonFields f(object, "retry");
  f.count("max_attempts", c.max_attempts);
  f.duration("initial_backoff", c.initial_backoff);
  f.number("multiplier", c.multiplier);
  f.duration("max_backoff", c.max_backoff);
  f.choice("jitter", c.jitter, kJitterNames);
  return finish(f, c);
}

Result<RetryBudgetConfig> retry_budget_config_from_json(const json& object) {
  RetryBudgetConfig c;
  JsonFields f(object, "retry_budget");
  f.duration("ttl", c.ttl);
  f.count("min_retries_per_second", c.min_retries_per_second);
  f.number("percent_can_retry", c.percent_can_retry);
  return finish(f, c);
}

Result<BulkheadConfig> bulkhead_config_from_json(const json& object) {
  BulkheadConfig c;
  JsonFields f(object, "bulkhead");
  f.count("max_concurrent_calls", c.max_concurrent_calls);
  f.count("max_queued_calls", c.max_queued_calls);
  f.duration("max_wait", c.max_wait);
  return finish(f, c);
}

Result<RateLimiterConfig> rate_limiter_config_from_json(const json& object) {
  RateLimiterConfig c;
  JsonFields f(object, "rate_limiter");
  f.number("permits_per_second", c.permits_per_second);
  f.count("burst", c.burst);
  return finish(f, c);
}

Result<OutlierDetectionConfig> outlier_detection_config_from_json(const json& object) {
  OutlierDetectionConfig c;
  JsonFields f(object, "outlier_detection");
  f.count("consecutive_5xx", c.consecutive_5xx);
  f.count("consecutive_gateway_failure", c.consecutive_gateway_failure);
  f.duration("interval", c.interval);
  f.duration("base_ejection_time", c.base_ejection_time);
  f.duration("max_ejection_time", c.max_ejection_time);
  f.number("max_ejection_percent", c.max_ejection_percent);
  f.number("enforcing_consecutive_5xx", c.enforcing_consecutive_5xx);
  f.number("enforcing_consecutive_gateway_failure", c.enforcing_consecutive_gateway_failure);
  f.number("enforcing_success_rate", c.enforcing_success_rate);
  f.count("success_rate_minimum_hosts", c.success_rate_minimum_hosts);
  f.count("success_rate_request_volume", c.success_rate_request_volume);
  f.count("success_rate_stdev_factor", c.success_rate_stdev_factor);
  f.number("enforcing_failure_percentage", c.enforcing_failure_percentage);
  f.number("failure_percentage_threshold", c.failure_percentage_threshold);
  f.count("failure_percentage_minimum_hosts", c.failure_percentage_minimum_hosts);
  f.count("failure_percentage_request_volume", c.failure_percentage_request_volume);
  return finish(f, c);
}

Result<AdaptiveLimiterConfig> adaptive_limiter_config_from_json(const json& object) {
  AdaptiveLimiterConfig c;
  JsonFields f(object, "adaptive_concurrency");
  f.count("min_limit", c.min_limit);
  f.count("max_limit", c.max_limit);
  f.count("initial_limit", c.initial_limit);
  f.duration("sample_window", c.sample_window);
  f.count("minimum_samples", c.minimum_samples);
  f.number("sample_percentile", c.sample_percentile);
  f.number("min_rtt_buffer_percent", c.min_rtt_buffer_percent);
  f.number("smoothing", c.smoothing);
  f.number("drop_backoff_ratio", c.drop_backoff_ratio);
  f.duration("min_rtt_interval", c.min_rtt_interval);
  f.number("min_rtt_jitter_percent", c.min_rtt_jitter_percent);
  f.count("min_rtt_request_count", c.min_rtt_request_count);
  f.duration("min_rtt_probe_max", c.min_rtt_probe_max);
  f.count("probe_after_windows_at_min_limit", c.probe_after_windows_at_min_limit);
  return finish(f, c);
}

json to_json(const AdaptiveLimiterConfig& c) {
  return json{
      {"min_limit", c.min_limit},
      {"max_limit", c.max_limit},
      {"initial_limit", c.initial_limit},
      {"sample_window", format_duration(c.sample_window)},
      {"minimum_samples", c.minimum_samples},
      {"sample_percentile", c.sample_percentile},
      {"min_rtt_buffer_percent", c.min_rtt_buffer_percent},
      {"smoothing", c.smoothing},
      {"drop_backoff_ratio", c.drop_backoff_ratio},
      {"min_rtt_interval", format_duration(c.min_rtt_interval)},
      {"min_rtt_jitter_percent", c.min_rtt_jitter_percent},
      {"min_rtt_request_count", c.min_rtt_request_count},
      {"min_rtt_probe_max", format_duration(c.min_rtt_probe_max)},
      {"probe_after_windows_at_min_limit", c.probe_after_windows_at_min_limit},
  };
}

Result<ResilienceConfig> resilience_config_from_json(const json& object) {
  ResilienceConfig config;
  JsonFields f(object, "resilience config");
  // Each section: parsed by its own reader if present; the first error wins.
  auto section = [&f](std::string_view key, auto parse, auto& out) {
    const json* value = f.object(key);
    if (value == nullptr) return;
    auto parsed = parse(*value);
    if (!parsed.ok()) return f.fail_with(parsed.status());
    out = *parsed;
  };
  section("circuit_breaker", circuit_breaker_config_from_json, config.circuit_breaker);
  section("retry", retry_config_from_json, config.retry);
  section("retry_budget", retry_budget_config_from_json, config.retry_budget);
  section("bulkhead", bulkhead_config_from_json, config.bulkhead);
  section("rate_limiter", rate_limiter_config_from_json, config.rate_limiter);
  section("outlier_detection", outlier_detection_config_from_json, config.outlier_detection);
  section("adaptive_concurrency", adaptive_limiter_config_from_json, config.adaptive_concurrency);
  time::Duration timeout{};
  if (f.object("timeout") != nullptr) {
    f.duration("timeout", timeout);
    if (Status status = TimeLimiter::validate(timeout); status.ok()) {
      config.timeout = timeout;
    } else if (f.finish().ok()) {
      f.fail_with(Status::invalid_argument("resilience config.timeout: " + status.message()));
    }
  }
  SLUICE_RETURN_IF_ERROR(f.finish());
  return config;
}

Result<ResilienceConfig> resilience_config_from_text(std::string_view text) {
  Result<json> parsed = config::parse_json(text);
  if (!parsed.ok()) return parsed.status();
  return resilience_config_from_json(*parsed);
}

}  // namespace sluice::resilience
