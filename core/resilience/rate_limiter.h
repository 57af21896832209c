// rate_limiter.h: RateLimiter, at most `permits_per_second` on average with bursts of
// up to `burst`.
//
// A token bucket written as GCRA (the generic cell rate algorithm): one theoretical
// arrival time in integer nanoseconds, advanced by compare-and-swap. No mutex, no
// refill timer, and exact integer arithmetic, so natively and in WebAssembly the same
// calls at the same instants get the same answers. The bucket starts full.
//
//   RateLimiter limiter(clock, {.permits_per_second = 100, .burst = 20});
//   if (!limiter.try_acquire()) return too_many_requests(limiter.time_until_available());
//
// Thread-safe. The interval between permits is 1 s / permits_per_second rounded to a
// nanosecond, which is the only inexactness.
#ifndef SLUICE_CORE_RESILIENCE_RATE_LIMITER_H_
#define SLUICE_CORE_RESILIENCE_RATE_LIMITER_H_

#include <atomic>
#include <cstdint>

#include "core/base/status.h"
#include "core/time/clock.h"

namespace sluice::resilience {

struct RateLimiterConfig {
  double permits_per_second = 100;  // > 0 and at most 1e9
  std::uint32_t burst = 1;          // >= 1: permits available at once after a quiet spell

  Status validate() const;
};

class RateLimiter {
 public:
  // REQUIRES: config.validate().ok(); the clock outlives the limiter.
  RateLimiter(const time::Clock& clock, RateLimiterConfig config);

  // try_acquire: takes `permits` now if the rate allows, else takes nothing.
  // REQUIRES: 1 <= permits <= burst.
  bool try_acquire(std::uint32_t permits = 1);

  // time_until_available: how long until try_acquire(permits) would succeed (0: now).
  time::Duration time_until_available(std::uint32_t permits = 1) const;

  std::uint64_t acquired() const { return acquired_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  const time::Clock& clock_;
  const std::uint32_t burst_;
  const std::int64_t interval_ns_;  // between permits at the sustained rate
  // The instant at which the bucket would be full again if nothing more were taken.
  std::atomic<std::int64_t> full_at_ns_;
  std::atomic<std::uint64_t> acquired_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_RATE_LIMITER_H_
