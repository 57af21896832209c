#include "core/resilience/time_limiter.h"

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {

Status TimeLimiter::validate(time::Duration timeout) {
  if (timeout <= time::Duration::zero()) {
    return Status::invalid_argument("timeout must be positive; got " + format_millis(timeout));
  }
  return Status();
}

TimeLimiter::TimeLimiter(time::Scheduler& scheduler, time::Duration timeout)
    : scheduler_(scheduler), timeout_(timeout) {
  SLUICE_CHECK(validate(timeout).ok());
}

TimeLimiter::Call TimeLimiter::start(std::function<void()> on_timeout) {
  return Call(&scheduler_, scheduler_.schedule_after(timeout_, std::move(on_timeout)));
}

}  // namespace sluice::resilience
