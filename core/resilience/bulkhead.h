// bulkhead.h: Bulkhead, a cap on concurrent calls to a dependency, with a bounded
// queue for the calls that wait their turn (Istio's http2MaxRequests and
// http1MaxPendingRequests).
//
// Synchronous callers take a slot if one is free:
//
//   Bulkhead::Permit permit = bulkhead.try_enter();
//   if (!permit) return too_busy();
//   call();  // the slot is freed when permit goes out of scope
//
// Asynchronous callers may wait in line, up to max_queued_calls and max_wait:
//
//   bulkhead.enter([](Bulkhead::Permit permit, std::string_view rejected_because) {
//     if (!permit) return fail(rejected_because);  // "queue_full" or "max_wait"
//     start_call(std::move(permit));
//   });
//
// Waiters are admitted first come, first served. A waiter's callback never runs inside
// enter() or inside the release of another permit: it is scheduled on the Scheduler
// (at once), so a chain of calls cannot recurse without bound.
//
// Events: "bulkhead.call_admitted" (waited_ns), "bulkhead.call_rejected" (reason).
// Externally synchronised, like its Scheduler. REQUIRES: the scheduler and sink
// outlive the bulkhead, and the bulkhead outlives its permits and the callbacks of
// enter() already admitted (their slots are taken; destroying the bulkhead cancels
// only the waits still in the queue).
#ifndef SLUICE_CORE_RESILIENCE_BULKHEAD_H_
#define SLUICE_CORE_RESILIENCE_BULKHEAD_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/observe/event.h"
#include "core/time/scheduler.h"

namespace sluice::resilience {

struct BulkheadConfig {
  std::uint32_t max_concurrent_calls = 100;
  std::uint32_t max_queued_calls = 50;
  time::Duration max_wait = std::chrono::seconds(1);  // in the queue; 0: do not wait

  Status validate() const;
};

struct BulkheadStats {
  std::uint32_t active = 0;
  std::uint32_t queued = 0;
  std::uint64_t admitted = 0;
  std::uint64_t rejected_queue_full = 0;
  std::uint64_t rejected_max_wait = 0;
};

class Bulkhead {
 public:
  // Permit: one slot; freed when destroyed or moved over. Falsy when rejected.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : bulkhead_(std::exchange(other.bulkhead_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }

    explicit operator bool() const { return bulkhead_ != nullptr; }
    // release: frees the slot now.
    void release();

   private:
    friend class Bulkhead;
    explicit Permit(Bulkhead* bulkhead) : bulkhead_(bulkhead) {}
    Bulkhead* bulkhead_ = nullptr;
  };

  using OnResult = std::function<void(Permit permit, std::string_view rejected_because)>;

  // REQUIRES: config.validate().ok().
  Bulkhead(std::string name, BulkheadConfig config, time::Scheduler& scheduler, observe::EventSink* events = nullptr);
  ~Bulkhead();

  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  // try_enter: a slot now, or a falsy permit (queued callers keep their turn).
  Permit try_enter();

  // enter: `on_result` is called, later and exactly once, with a slot or with why not.
  void enter(OnResult on_result);

  BulkheadStats stats() const;

 private:
  struct Waiter {
    std::uint64_t id;
    OnResult on_result;
    time::Instant since;
    time::TimerId timeout;
  };

  void on_release();
  void admit_next_waiter();
  void reject_waiter(std::uint64_t id);
  void report(std::string_view what, const observe::Attribute& attribute);

  const std::string name_;
  const BulkheadConfig config_;
  time::Scheduler& scheduler_;
  observe::EventSink* events_;
  std::uint32_t active_ = 0;
  std::deque<Waiter> waiters_;
  std::uint64_t last_waiter_id_ = 0;
  BulkheadStats counters_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_BULKHEAD_H_
