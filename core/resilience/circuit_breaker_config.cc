#include "core/resilience/circuit_breaker_config.h"

#include <cmath>
#include <string>

#include "core/base/format.h"

namespace sluice::resilience {
namespace {

bool is_percent_or_off(double value) { return value == 0 || (value > 0 && value <= 100); }

}  // namespace

Status CircuitBreakerConfig::validate() const {
  if (!is_percent_or_off(failure_rate_threshold_percent)) {
    return Status::invalid_argument("failure_rate_threshold_percent must be in (0, 100], or 0 for off; got " +
                                    format_number(failure_rate_threshold_percent));
  }
  if (!is_percent_or_off(slow_call_rate_threshold_percent)) {
    return Status::invalid_argument("slow_call_rate_threshold_percent must be in (0, 100], or 0 for off; got " +
                                    format_number(slow_call_rate_threshold_percent));
  }
  if (slow_call_duration_threshold < time::Duration::zero()) {
    return Status::invalid_argument("slow_call_duration_threshold must not be negative; got " +
                                    format_millis(slow_call_duration_threshold));
  }
  if (slow_call_rate_threshold_percent > 0 && slow_call_duration_threshold == time::Duration::zero()) {
    return Status::invalid_argument(
        "slow_call_rate_threshold_percent needs slow_call_duration_threshold to say which calls are slow");
  }
  if (!is_percent_or_off(latency_percentile)) {
    return Status::invalid_argument("latency_percentile must be in (0, 100], or 0 for off; got " +
                                    format_number(latency_percentile));
  }
  if (latency_percentile_threshold < time::Duration::zero()) {
    return Status::invalid_argument("latency_percentile_threshold must not be negative; got " +
                                    format_millis(latency_percentile_threshold));
  }
  if (latency_percentile > 0 && latency_percentile_threshold == time::Duration::zero()) {
    return Status::invalid_argument("latency_percentile needs latency_percentile_threshold to compare it with");
  }
  if (failure_threshold == 0 && failure_rate_threshold_percent == 0 && slow_call_rate_threshold_percent == 0 &&
      latency_percentile == 0) {
    return Status::invalid_argument(
        "no trip condition: set failure_threshold, failure_rate_threshold_percent, "
        "slow_call_rate_threshold_percent or latency_percentile");
  }
  if (window_size == 0) return Status::invalid_argument("window_size must be at least 1");
  if (window_kind == WindowKind::kCountBased && minimum_calls > window_size) {
    return Status::invalid_argument("minimum_calls (" + std::to_string(minimum_calls) +
                                    ") cannot exceed a count-based window_size (" + std::to_string(window_size) +
                                    "): no rate would ever be judged");
  }
  if (wait_in_open <= time::Duration::zero()) {
    return Status::invalid_argument("wait_in_open must be positive; got " + format_millis(wait_in_open));
  }
  if (!std::isfinite(open_backoff_multiplier) || open_backoff_multiplier < 1) {
    return Status::invalid_argument("open_backoff_multiplier must be at least 1; got " +
                                    format_number(open_backoff_multiplier));
  }
  if (max_wait_in_open < time::Duration::zero()) {
    return Status::invalid_argument("max_wait_in_open must not be negative; got " + format_millis(max_wait_in_open));
  }
  if (open_backoff_multiplier > 1 && max_wait_in_open == time::Duration::zero()) {
    return Status::invalid_argument("open_backoff_multiplier above 1 needs max_wait_in_open as its cap");
  }
  if (max_wait_in_open != time::Duration::zero() && max_wait_in_open < wait_in_open) {
    return Status::invalid_argument("max_wait_in_open (" + format_millis(max_wait_in_open) +
                                    ") cannot be shorter than wait_in_open (" + format_millis(wait_in_open) + ")");
  }
  if (permitted_calls_in_half_open == 0) {
    return Status::invalid_argument(
        "permitted_calls_in_half_open must be at least 1: with none the breaker could never close");
  }
  double previous = 0;
  for (double percent : ramp_percents) {
    if (!(percent > previous && percent < 100)) {
      return Status::invalid_argument("ramp_percents must rise strictly, each in (0, 100); got " +
                                      format_number(percent) + " after " + format_number(previous));
    }
    previous = percent;
  }
  if (!ramp_percents.empty() && ramp_step_duration <= time::Duration::zero()) {
    return Status::invalid_argument("ramp_step_duration must be positive; got " + format_millis(ramp_step_duration));
  }
  if (max_wait_in_half_open < time::Duration::zero()) {
    return Status::invalid_argument("max_wait_in_half_open must not be negative; got " +
                                    format_millis(max_wait_in_half_open));
  }
  return Status();
}

CircuitBreakerConfig CircuitBreakerConfig::like_article(std::uint32_t failure_threshold, time::Duration reset_timeout) {
  CircuitBreakerConfig config;
  config.failure_threshold = failure_threshold;
  config.failure_counting = FailureCounting::kSinceClosed;
  config.wait_in_open = reset_timeout;
  config.half_open_transition = HalfOpenTransition::kOnNextCall;
  config.permitted_calls_in_half_open = 1;
  return config;
}

}  // namespace sluice::resilience
