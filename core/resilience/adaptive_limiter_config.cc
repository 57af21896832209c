#include "core/resilience/adaptive_limiter_config.h"

#include <cmath>
#include <string>

#include "core/base/format.h"

namespace sluice::resilience {
namespace {

// in_range: finite and within [low, high].
bool in_range(double value, double low, double high) { return std::isfinite(value) && value >= low && value <= high; }

}  // namespace

Status AdaptiveLimiterConfig::validate() const {
  if (min_limit < 1) return Status::invalid_argument("min_limit must be at least 1: with none no call could run");
  if (max_limit > kMaxLimitCeiling) {
    return Status::invalid_argument("max_limit must be at most " + std::to_string(kMaxLimitCeiling) + "; got " +
                                    std::to_string(max_limit));
  }
  if (max_limit < min_limit) {
    return Status::invalid_argument("max_limit (" + std::to_string(max_limit) + ") cannot be below min_limit (" +
                                    std::to_string(min_limit) + ")");
  }
  if (initial_limit < min_limit || initial_limit > max_limit) {
    return Status::invalid_argument("initial_limit must be within [min_limit, max_limit] = [" +
                                    std::to_string(min_limit) + ", " + std::to_string(max_limit) + "]; got " +
                                    std::to_string(initial_limit));
  }
  if (sample_window <= time::Duration::zero()) {
    return Status::invalid_argument("sample_window must be positive; got " + format_millis(sample_window));
  }
  if (minimum_samples < 1) return Status::invalid_argument("minimum_samples must be at least 1");
  if (!(std::isfinite(sample_percentile) && sample_percentile > 0 && sample_percentile <= 100)) {
    return Status::invalid_argument("sample_percentile must be in (0, 100]; got " + format_number(sample_percentile));
  }
  if (!in_range(min_rtt_buffer_percent, 0, 1000)) {
    return Status::invalid_argument("min_rtt_buffer_percent must be in [0, 1000]; got " +
                                    format_number(min_rtt_buffer_percent));
  }
  if (!(std::isfinite(smoothing) && smoothing > 0 && smoothing <= 1)) {
    return Status::invalid_argument("smoothing must be in (0, 1]; got " + format_number(smoothing));
  }
  if (!(std::isfinite(drop_backoff_ratio) && drop_backoff_ratio > 0 && drop_backoff_ratio < 1)) {
    return Status::invalid_argument("drop_backoff_ratio must be in (0, 1); got " + format_number(drop_backoff_ratio));
  }
  if (min_rtt_interval <= time::Duration::zero()) {
    return Status::invalid_argument("min_rtt_interval must be positive; got " + format_millis(min_rtt_interval));
  }
  if (!in_range(min_rtt_jitter_percent, 0, 100)) {
    return Status::invalid_argument("min_rtt_jitter_percent must be in [0, 100]; got " +
                                    format_number(min_rtt_jitter_percent));
  }
  if (min_rtt_request_count < 1) {
    return Status::invalid_argument("min_rtt_request_count must be at least 1: a probe must measure something");
  }
  if (min_rtt_probe_max <= time::Duration::zero()) {
    return Status::invalid_argument("min_rtt_probe_max must be positive; got " + format_millis(min_rtt_probe_max));
  }
  return Status();
}

}  // namespace sluice::resilience
