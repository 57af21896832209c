// manual_clock.h: ManualClock, a Clock that moves only when told to.
//
// For tests of components that read time but set no timers:
//
//   ManualClock clock;                       // starts at the epoch
//   Breaker breaker(clock);
//   clock.advance(std::chrono::seconds(30)); // the reset timeout passes at once
//
// Time only moves forward: set() to an earlier instant is a programming error.
// Externally synchronised.
#ifndef SLUICE_CORE_TIME_MANUAL_CLOCK_H_
#define SLUICE_CORE_TIME_MANUAL_CLOCK_H_

#include "core/base/check.h"
#include "core/time/clock.h"

namespace sluice::time {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start = Instant()) : now_(start) {}

  Instant now() const override { return now_; }

  // set: moves the clock to `instant`.
  // REQUIRES: instant >= now().
  void set(Instant instant) {
    SLUICE_CHECK(instant >= now_);
    now_ = instant;
  }

  // advance: moves the clock forward by `delta`.
  // REQUIRES: delta >= 0.
  void advance(Duration delta) { set(now_ + delta); }

 private:
  Instant now_;
};

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_MANUAL_CLOCK_H_
