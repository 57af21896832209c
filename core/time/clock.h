// clock.h: Clock, the one way core reads time.
//
// Components take a `const Clock&` in their constructor and call now() when they need
// the time; they never read a system clock. Natively the clock is steady time; in tests
// and in the simulator it is a ManualClock or VirtualTime that moves only when driven,
// so a 30-second timeout takes microseconds and runs the same every time.
//
//   class Breaker {
//    public:
//     explicit Breaker(const sluice::time::Clock& clock) : clock_(clock) {}
//     bool allow() { return clock_.now() >= retry_at_; }
//     ...
//   };
#ifndef SLUICE_CORE_TIME_CLOCK_H_
#define SLUICE_CORE_TIME_CLOCK_H_

#include "core/time/instant.h"

namespace sluice::time {

// Clock: monotonic time. now() never returns less than an earlier call returned.
// Implementations say whether they are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;

  // now: the current instant on this clock's timeline.
  virtual Instant now() const = 0;
};

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_CLOCK_H_
