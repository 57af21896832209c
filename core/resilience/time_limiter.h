// time_limiter.h: TimeLimiter, a deadline for a call with a hook that cancels it.
//
//   TimeLimiter limiter(scheduler, std::chrono::seconds(2));
//   TimeLimiter::Call call = limiter.start([&] { request.cancel(); });  // runs at the deadline
//   ...
//   if (!call.finish()) return;  // the reply came too late: the hook already ran
//
// finish() is true if the call ended in time (and the hook will never run), false if
// the deadline passed first. Dropping a Call without finish() also disarms the hook.
// Externally synchronised, like its Scheduler.
#ifndef SLUICE_CORE_RESILIENCE_TIME_LIMITER_H_
#define SLUICE_CORE_RESILIENCE_TIME_LIMITER_H_

#include <functional>
#include <utility>

#include "core/base/status.h"
#include "core/time/scheduler.h"

namespace sluice::resilience {

class TimeLimiter {
 public:
  class Call {
   public:
    Call(Call&& other) noexcept
        : scheduler_(other.scheduler_), timer_(std::exchange(other.timer_, {})), finished_(other.finished_) {}
    Call& operator=(Call&&) = delete;
    Call(const Call&) = delete;
    ~Call() {
      if (timer_.valid()) scheduler_->cancel(timer_);
    }

    // finish: the call ended now. True if before the deadline.
    bool finish() {
      if (finished_) return on_time_;
      finished_ = true;
      on_time_ = scheduler_->cancel(std::exchange(timer_, {}));
      return on_time_;
    }

   private:
    friend class TimeLimiter;
    Call(time::Scheduler* scheduler, time::TimerId timer) : scheduler_(scheduler), timer_(timer) {}

    time::Scheduler* scheduler_;
    time::TimerId timer_;
    bool finished_ = false;
    bool on_time_ = false;
  };

  // REQUIRES: timeout > 0; the scheduler outlives the limiter and its calls.
  TimeLimiter(time::Scheduler& scheduler, time::Duration timeout);

  // validate: why `timeout` cannot be a TimeLimiter's, or OK.
  static Status validate(time::Duration timeout);

  // start: a call begins now; `on_timeout` runs at the deadline unless it finishes first.
  Call start(std::function<void()> on_timeout);

  time::Duration timeout() const { return timeout_; }

 private:
  time::Scheduler& scheduler_;
  time::Duration timeout_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_TIME_LIMITER_H_
