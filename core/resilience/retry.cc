#include "core/resilience/retry.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {
Status RetryConfig::validate() const {
  if (max_attempts < 1) return Status::invalid_argument("max_attempts must be at least 1 (the first attempt)");
  if (max_attempts > 100) {
    return Status::invalid_argument("max_attempts must be at most 100; got " + std::to_string(max_attempts));
  }
  if (initial_backoff < time::Duration::zero()) {
    return Status::invalid_argument("initial_backoff must not be negative; got " + format_millis(initial_backoff));
  }
  if (!std::isfinite(multiplier) || multiplier < 1) {
    return Status::invalid_argument("multiplier must be at least 1; got " + format_number(multiplier));
  }
  if (max_backoff < initial_backoff) {
    return Status::invalid_argument("max_backoff (" + format_millis(max_backoff) +
                                    ") cannot be shorter than initial_backoff (" + format_millis(initial_backoff) +
                                    ")");
  }
  return Status();
}

Retry::Retry(RetryConfig config, time::Prng prng, RetryBudget* budget) : config_(config), prng_(prng), budget_(budget) {
  SLUICE_CHECK(config_.validate().ok());
}

RetryState Retry::start() {
  if (budget_ != nullptr) budget_->record_request();
  return RetryState(*this);
}

time::Duration exponential_backoff(time::Duration initial, double multiplier, time::Duration max, std::uint32_t n) {
  const double cap = static_cast<double>(max.count());
  // Repeated multiplication, exactly rounded, so the same natively and in wasm.
  double base = static_cast<double>(initial.count());
  for (std::uint32_t i = 1; i < n && base < cap; ++i) base *= multiplier;
  return time::Duration(static_cast<std::int64_t>(std::min(base, cap)));
}

time::Duration Retry::backoff(std::uint32_t retry_number, time::Duration previous_delay) {
  const std::int64_t base_ns =
      exponential_backoff(config_.initial_backoff, config_.multiplier, config_.max_backoff, retry_number).count();
  switch (config_.jitter) {
    case Jitter::kNone:
      return time::Duration(base_ns);
    case Jitter::kFull:
      return time::Duration(prng_.uniform_int(0, base_ns));
    case Jitter::kEqual:
      return time::Duration(base_ns / 2 + prng_.uniform_int(0, base_ns - base_ns / 2));
    case Jitter::kDecorrelated: {
      const std::int64_t low = config_.initial_backoff.count();
      const std::int64_t previous = retry_number == 1 ? low : previous_delay.count();
      const std::int64_t high = std::max(low, previous > INT64_MAX / 3 ? INT64_MAX : previous * 3);
      return std::min(config_.max_backoff, time::Duration(prng_.uniform_int(low, high)));
    }
  }
  return time::Duration(base_ns);
}

RetryDecision RetryState::on_failure(bool retryable) {
  if (!retryable) return {false, {}, "not_retryable"};
  if (attempts_ >= retry_->config_.max_attempts) return {false, {}, "attempts_exhausted"};
  if (retry_->budget_ != nullptr && !retry_->budget_->try_withdraw()) return {false, {}, "budget_exhausted"};
  const time::Duration delay = retry_->backoff(attempts_, previous_delay_);
  previous_delay_ = delay;
  ++attempts_;
  return {true, delay, {}};
}

}  // namespace sluice::resilience
