#include "core/resilience/bulkhead.h"

#include <algorithm>
#include <string>

#include "core/base/check.h"
#include "core/base/format.h"

namespace sluice::resilience {

Status BulkheadConfig::validate() const {
  if (max_concurrent_calls < 1) {
    return Status::invalid_argument("max_concurrent_calls must be at least 1: with none no call could run");
  }
  if (max_wait < time::Duration::zero()) {
    return Status::invalid_argument("max_wait must not be negative; got " + format_millis(max_wait));
  }
  return Status();
}

Bulkhead::Permit& Bulkhead::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    bulkhead_ = std::exchange(other.bulkhead_, nullptr);
  }
  return *this;
}

void Bulkhead::Permit::release() {
  if (bulkhead_ != nullptr) std::exchange(bulkhead_, nullptr)->on_release();
}

Bulkhead::Bulkhead(std::string name, BulkheadConfig config, time::Scheduler& scheduler, observe::EventSink* events)
    : name_(std::move(name)), config_(config), scheduler_(scheduler), events_(events) {
  SLUICE_CHECK(config_.validate().ok());
}

Bulkhead::~Bulkhead() {
  for (const Waiter& waiter : waiters_) scheduler_.cancel(waiter.timeout);
}

Bulkhead::Permit Bulkhead::try_enter() {
  // Waiting callers came first: a newcomer may not overtake them.
  if (active_ >= config_.max_concurrent_calls || !waiters_.empty()) return Permit();
  ++active_;
  ++counters_.admitted;
  report("bulkhead.call_admitted", {"waited_ns", std::int64_t{0}});
  return Permit(this);
}

void Bulkhead::enter(OnResult on_result) {
  if (active_ < config_.max_concurrent_calls && waiters_.empty()) {
    ++active_;  // taken now; the Permit is made when the callback runs
    ++counters_.admitted;
    report("bulkhead.call_admitted", {"waited_ns", std::int64_t{0}});
    // Not inside enter(): the caller gets its answer from the scheduler, always.
    scheduler_.schedule_after(time::Duration::zero(),
                              [this, callback = std::move(on_result)] { callback(Permit(this), {}); });
    return;
  }
  const bool no_room = waiters_.size() >= config_.max_queued_calls || config_.max_wait == time::Duration::zero();
  if (no_room) {
    ++counters_.rejected_queue_full;
    report("bulkhead.call_rejected", {"reason", std::string_view("queue_full")});
    scheduler_.schedule_after(time::Duration::zero(),
                              [callback = std::move(on_result)] { callback(Permit(), "queue_full"); });
    return;
  }
  const std::uint64_t id = ++last_waiter_id_;
  const time::TimerId timeout = scheduler_.schedule_after(config_.max_wait, [this, id] { reject_waiter(id); });
  waiters_.push_back(Waiter{id, std::move(on_result), scheduler_.now(), timeout});
}

void Bulkhead::on_release() {
  SLUICE_CHECK(active_ > 0);
  --active_;
  if (!waiters_.empty()) admit_next_waiter();
}

void Bulkhead::admit_next_waiter() {
  Waiter waiter = std::move(waiters_.front());
  waiters_.pop_front();
  scheduler_.cancel(waiter.timeout);
  // The slot is taken now, for the waiter, so nobody else can take it meanwhile.
  ++active_;
  ++counters_.admitted;
  report("bulkhead.call_admitted", {"waited_ns", std::int64_t{(scheduler_.now() - waiter.since).count()}});
  scheduler_.schedule_after(time::Duration::zero(),
                            [this, callback = std::move(waiter.on_result)] { callback(Permit(this), {}); });
}

void Bulkhead::reject_waiter(std::uint64_t id) {
  const auto it = std::find_if(waiters_.begin(), waiters_.end(), [id](const Waiter& w) { return w.id == id; });
  if (it == waiters_.end()) return;
  OnResult callback = std::move(it->on_result);
  waiters_.erase(it);
  ++counters_.rejected_max_wait;
  report("bulkhead.call_rejected", {"reason", std::string_view("max_wait")});
  callback(Permit(), "max_wait");  // already on the scheduler: a timer callback
}

BulkheadStats Bulkhead::stats() const {
  BulkheadStats stats = counters_;
  stats.active = active_;
  stats.queued = static_cast<std::uint32_t>(waiters_.size());
  return stats;
}

void Bulkhead::report(std::string_view what, const observe::Attribute& attribute) {
  if (events_ == nullptr) return;
  events_->on_event(observe::Event{what, name_, scheduler_.now(), {}, {&attribute, 1}});
}

}  // namespace sluice::resilience
