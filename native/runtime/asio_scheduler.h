// asio_scheduler.h: AsioScheduler, core's Clock and Scheduler on real time, so that
// breakers, queues and sagas run in a native service unchanged.
//
//   asio::io_context io;
//   AsioScheduler scheduler(io);
//   CircuitBreaker breaker(scheduler, config);   // its half-open timer is an asio timer
//   io.run();
//
// now() is std::chrono::steady_clock. Timers keep core's contract exactly: a callback
// never runs inside schedule_at(), and timers with equal deadlines run in the order
// they were scheduled (asio's own timer queue does not promise that), because the
// pending timers live in a VirtualTime used as an ordered queue and one asio timer
// is armed for the earliest deadline.
//
// Use it from the io_context's thread (as every core component is externally
// synchronised); other threads hand work over with asio::post(io, ...).
#ifndef SLUICE_NATIVE_RUNTIME_ASIO_SCHEDULER_H_
#define SLUICE_NATIVE_RUNTIME_ASIO_SCHEDULER_H_

#include <asio.hpp>
#include <cstdint>
#include <optional>

#include "core/time/scheduler.h"
#include "core/time/virtual_time.h"

namespace sluice::native {

// steady_now: steady_clock's time as a core Instant.
time::Instant steady_now();

// steady_time_source: a core Clock reading steady_now(): stateless, usable from any
// thread and alive for the whole process, for components that outlive a scheduler or
// are used off the loop (a limiter shared with gRPC's threads).
const time::Clock& steady_time_source();

class AsioScheduler final : public time::Scheduler {
 public:
  explicit AsioScheduler(asio::io_context& io);
  ~AsioScheduler() override;

  AsioScheduler(const AsioScheduler&) = delete;
  AsioScheduler& operator=(const AsioScheduler&) = delete;

  time::Instant now() const override { return steady_now(); }
  time::TimerId schedule_at(time::Instant deadline, Callback callback) override;
  bool cancel(time::TimerId id) override;

  std::size_t pending_timers() const { return queue_.pending_timers(); }

 private:
  // arm: points the asio timer at the earliest pending deadline, if it moved.
  void arm();
  void on_timer(std::uint64_t generation);

  asio::steady_timer timer_;
  time::VirtualTime queue_;  // its clock follows real time as timers are run
  std::optional<time::Instant> armed_for_;
  std::uint64_t generation_ = 0;  // tells a superseded wait from the current one
  bool running_ = false;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_RUNTIME_ASIO_SCHEDULER_H_
