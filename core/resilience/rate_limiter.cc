#include "core/resilience/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {

Status RateLimiterConfig::validate() const {
  if (!(permits_per_second > 0 && permits_per_second <= 1e9)) {
    return Status::invalid_argument("permits_per_second must be above 0 and at most 1e9; got " +
                                    format_number(permits_per_second));
  }
  if (burst < 1) return Status::invalid_argument("burst must be at least 1");
  return Status();
}

RateLimiter::RateLimiter(const time::Clock& clock, RateLimiterConfig config)
    : clock_(clock),
      burst_(config.burst),
      interval_ns_(std::max<std::int64_t>(1, std::llround(1e9 / config.permits_per_second))),
      full_at_ns_(time::nanos_since_epoch(clock.now())) {
  SLUICE_CHECK(config.validate().ok());
}

bool RateLimiter::try_acquire(std::uint32_t permits) {
  SLUICE_CHECK(permits >= 1 && permits <= burst_);
  const std::int64_t now = time::nanos_since_epoch(clock_.now());
  const std::int64_t capacity_ns = interval_ns_ * burst_;
  std::int64_t full_at = full_at_ns_.load(std::memory_order_relaxed);
  for (;;) {
    // Taking the permits pushes "full again" later by their interval each.
    const std::int64_t next = std::max(full_at, now) + interval_ns_ * permits;
    if (next - now > capacity_ns) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    if (full_at_ns_.compare_exchange_weak(full_at, next, std::memory_order_relaxed)) {
      acquired_.fetch_add(permits, std::memory_order_relaxed);
      return true;
    }
  }
}

time::Duration RateLimiter::time_until_available(std::uint32_t permits) const {
  SLUICE_CHECK(permits >= 1 && permits <= burst_);
  const std::int64_t now = time::nanos_since_epoch(clock_.now());
  const std::int64_t full_at = std::max(full_at_ns_.load(std::memory_order_relaxed), now);
  const std::int64_t excess = full_at + interval_ns_ * permits - now - interval_ns_ * burst_;
  return time::Duration(std::max<std::int64_t>(0, excess));
}

}  // namespace sluice::resilience
