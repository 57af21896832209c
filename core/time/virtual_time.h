// virtual_time.h: VirtualTime, a Scheduler on a manual clock.
//
// Tests and the simulator own time with it. Nothing happens until the driver advances
// time; then every timer due by the new instant runs, in deadline order (equal
// deadlines in the order they were scheduled), with the clock set to each timer's
// deadline while its callback runs. A 30-second reset timeout takes microseconds, and
// the same calls give the same order of callbacks on every run and every platform.
//
//   VirtualTime time;
//   CircuitBreaker breaker(time, config);   // asks `time` for its timers
//   time.run_for(std::chrono::seconds(30)); // fires the breaker's half-open timer
//
// Call order: schedule_at()/cancel() at any time, including from callbacks; one of
// run_until(), run_for() or run_next() to move time. Time only moves forward.
// Externally synchronised: use it from one thread.
//
// Every run is bounded: a callback that keeps scheduling timers at the current instant
// would otherwise never let time advance. run_until() stops after `max_timers`
// callbacks and says so, so a runaway loop is a reported failure, not a hang.
#ifndef SLUICE_CORE_TIME_VIRTUAL_TIME_H_
#define SLUICE_CORE_TIME_VIRTUAL_TIME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time/manual_clock.h"
#include "core/time/scheduler.h"

namespace sluice::time {

// RunResult: what one run_until() or run_for() did.
struct RunResult {
  std::size_t timers_fired = 0;
  // stopped_at_limit: true if the run ran `max_timers` callbacks and stopped before
  // reaching its target instant, leaving the clock at the last deadline it fired.
  bool stopped_at_limit = false;
};

class VirtualTime final : public Scheduler {
 public:
  // kDefaultMaxTimersPerRun: the default bound of one run; far above any real scenario
  // step, low enough to stop a runaway loop in well under a second.
  static constexpr std::size_t kDefaultMaxTimersPerRun = 10'000'000;

  explicit VirtualTime(Instant start = Instant()) : clock_(start) {}

  VirtualTime(const VirtualTime&) = delete;
  VirtualTime& operator=(const VirtualTime&) = delete;

  Instant now() const override { return clock_.now(); }
  TimerId schedule_at(Instant deadline, Callback callback) override;
  bool cancel(TimerId id) override;

  // run_until: fires every timer due at or before `until` (including timers those
  // callbacks schedule within the window), then sets the clock to `until`.
  // REQUIRES: until >= now().
  RunResult run_until(Instant until, std::size_t max_timers = kDefaultMaxTimersPerRun);

  // run_for: run_until(now() + duration).
  RunResult run_for(Duration duration, std::size_t max_timers = kDefaultMaxTimersPerRun) {
    return run_until(now() + duration, max_timers);
  }

  // run_next: moves the clock to the earliest pending deadline (if it is later than
  // now) and fires that one timer. False if no timer is pending.
  bool run_next();

  // next_deadline: the earliest pending deadline, if any timer is pending. Drivers use
  // it to jump straight to the next thing that can happen.
  std::optional<Instant> next_deadline();

  // pending_timers: timers scheduled and neither fired nor cancelled.
  std::size_t pending_timers() const { return live_timers_; }

 private:
  // A timer's callback lives in a reusable slot. The slot's generation changes when
  // the timer fires or is cancelled, which makes older ids and heap entries stale
  // without any lookup by hash.
  struct Slot {
    Callback callback;
    std::uint32_t generation = 0;
    bool live = false;
  };

  struct Entry {
    Instant deadline;
    std::uint64_t sequence;  // schedule order, so equal deadlines fire FIFO
    std::uint32_t slot;
    std::uint32_t generation;
  };

  // The ordering of std::*_heap, which keep the greatest element in front: an entry
  // that fires later counts as smaller. A type rather than a function pointer, so the
  // heap algorithms inline it.
  struct FiresLater {
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.deadline != b.deadline) return a.deadline > b.deadline;
      return a.sequence > b.sequence;
    }
  };
  // Drops cancelled entries from the front of the heap.
  void discard_cancelled_front();
  // Rebuilds the heap without cancelled entries once they outnumber live ones, so that
  // memory stays proportional to pending timers however many are cancelled.
  void compact_if_mostly_cancelled();
  void fire_front();
  bool is_live(const Entry& entry) const;
  // Frees a slot for reuse and returns its callback.
  Callback release(std::uint32_t slot);

  ManualClock clock_;
  std::uint64_t last_sequence_ = 0;
  std::size_t live_timers_ = 0;
  // A min-heap by (deadline, sequence); it may hold stale entries of cancelled timers.
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_VIRTUAL_TIME_H_
