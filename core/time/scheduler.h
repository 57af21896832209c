// scheduler.h: Scheduler, how core asks for a callback later.
//
// A component that needs a timer (a breaker's automatic OPEN -> HALF_OPEN move, a
// long-poll expiry, a saga step timeout) takes a `Scheduler&`. A Scheduler is also the
// Clock its deadlines are on. Natively it is backed by asio timers; in tests and the
// simulator by VirtualTime, where timers fire only when the driver advances time.
//
//   TimerId id = scheduler.schedule_after(std::chrono::seconds(30), [this] { half_open(); });
//   ...
//   scheduler.cancel(id);  // the call succeeded first; the timer is no longer needed
//
// Callbacks run on the scheduler's thread, never inside schedule_at() itself, and may
// schedule or cancel timers.
#ifndef SLUICE_CORE_TIME_SCHEDULER_H_
#define SLUICE_CORE_TIME_SCHEDULER_H_

#include <cstdint>
#include <functional>

#include "core/time/clock.h"

namespace sluice::time {

// TimerId: names one scheduled callback. The default value names none.
struct TimerId {
  std::uint64_t value = 0;

  bool valid() const { return value != 0; }
  friend bool operator==(TimerId, TimerId) = default;
};

class Scheduler : public Clock {
 public:
  using Callback = std::function<void()>;

  // schedule_at: runs `callback` once at `deadline`, or as soon as possible after it if
  // the deadline has passed. Timers with equal deadlines run in the order scheduled.
  virtual TimerId schedule_at(Instant deadline, Callback callback) = 0;

  // cancel: true if the timer was pending and now will not run; false if it already
  // ran, was cancelled before, or never existed.
  virtual bool cancel(TimerId id) = 0;

  // schedule_after: schedule_at(now() + delay, callback).
  TimerId schedule_after(Duration delay, Callback callback) { return schedule_at(now() + delay, std::move(callback)); }
};

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_SCHEDULER_H_
