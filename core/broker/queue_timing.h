// queue_timing.h: the timing machinery both SQS queue kinds share: a heap of due
// times with lazy deletion, the one wake-up timer, and the long polls waiting.
// Internal to core/broker.
#ifndef SLUICE_CORE_BROKER_QUEUE_TIMING_H_
#define SLUICE_CORE_BROKER_QUEUE_TIMING_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/sqs_rules.h"
#include "core/time/scheduler.h"

namespace sluice::broker::internal {

// DueHeap: (instant, message, version) entries, earliest first. Entries go stale when
// the message is gone or has moved on (another version); callers say which are live,
// and stale ones are dropped as they surface or when they outnumber live ones.
class DueHeap {
 public:
  struct Entry {
    time::Instant at;
    std::uint64_t seq;
    std::uint32_t version;
  };

  void push(time::Instant at, std::uint64_t seq, std::uint32_t version) {
    entries_.push_back(Entry{at, seq, version});
    std::push_heap(entries_.begin(), entries_.end(), Later());
  }

  // pop_due: calls on_due(entry) for each entry due by `now`, earliest first.
  template <typename OnDue>
  void pop_due(time::Instant now, OnDue on_due) {
    while (!entries_.empty() && entries_.front().at <= now) {
      const Entry due = entries_.front();
      std::pop_heap(entries_.begin(), entries_.end(), Later());
      entries_.pop_back();
      on_due(due);
    }
  }

  // earliest: the earliest live entry's instant, dropping stale ones on top.
  template <typename IsLive>
  std::optional<time::Instant> earliest(IsLive is_live) {
    while (!entries_.empty() && !is_live(entries_.front())) {
      std::pop_heap(entries_.begin(), entries_.end(), Later());
      entries_.pop_back();
    }
    if (entries_.empty()) return std::nullopt;
    return entries_.front().at;
  }

  // compact: drops stale entries once there are more than `bound`.
  template <typename IsLive>
  void compact(std::size_t bound, IsLive is_live) {
    if (entries_.size() <= bound) return;
    std::erase_if(entries_, [&](const Entry& e) { return !is_live(e); });
    std::make_heap(entries_.begin(), entries_.end(), Later());
  }

  void clear() { entries_.clear(); }

 private:
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  std::vector<Entry> entries_;
};

// WakeTimer: one timer at the earliest moment something becomes due. An armed timer
// is kept unless something needs an earlier wake-up: waking early is harmless (nothing
// is due; the owner re-arms), re-arming on every operation is not.
class WakeTimer {
 public:
  explicit WakeTimer(time::Scheduler& scheduler) : scheduler_(scheduler) {}
  ~WakeTimer() { cancel(); }

  void arm(std::optional<time::Instant> next, std::function<void()> on_wake) {
    if (timer_.valid()) {
      if (!next || *next >= at_) return;
      cancel();
    }
    if (!next) return;
    at_ = *next;
    timer_ = scheduler_.schedule_at(*next, [this, on_wake = std::move(on_wake)] {
      timer_ = {};
      on_wake();
    });
  }

  void cancel() {
    if (timer_.valid()) scheduler_.cancel(std::exchange(timer_, {}));
  }

 private:
  time::Scheduler& scheduler_;
  time::TimerId timer_;
  time::Instant at_;
};

// WaitingReceives: long polls waiting for messages, first come first served.
template <typename Message>
class WaitingReceives {
 public:
  using Batch = std::vector<Message>;
  using Callback = std::function<void(Result<Batch>)>;

  WaitingReceives(time::Scheduler& scheduler, std::uint32_t limit) : scheduler_(scheduler), limit_(limit) {}
  ~WaitingReceives() {
    for (const Waiter& waiter : waiters_) scheduler_.cancel(waiter.timer);
  }

  // answer_later: `done(result)` from the scheduler, never from inside the caller.
  void answer_later(Callback done, Result<Batch> result) {
    scheduler_.schedule_after(time::Duration::zero(),
                              [done = std::move(done), result = std::move(result)] { done(result); });
  }

  // receive: answers with what receive_now(request) gives if it gives something (or
  // fails, or the wait is 0), else waits up to the request's wait (default
  // `default_wait`) for serve() to answer. Always answers from the scheduler.
  template <typename ReceiveNow>
  void receive(const ReceiveRequest& request, time::Duration default_wait, ReceiveNow receive_now, Callback done,
               const std::string& queue) {
    if (Status status = validate_receive(request); !status.ok()) return answer_later(std::move(done), status);
    Result<Batch> now = receive_now(request);
    const time::Duration wait_for = request.wait.value_or(default_wait);
    if (!now.ok() || !now->empty() || wait_for == time::Duration::zero()) {
      return answer_later(std::move(done), std::move(now));
    }
    wait(request, wait_for, std::move(done), queue);
  }

  // wait: `done` waits up to `wait`; an OverLimit error for queue `queue` if full.
  void wait(const ReceiveRequest& request, time::Duration wait, Callback done, const std::string& queue) {
    if (waiters_.size() >= limit_) {
      return answer_later(std::move(done), Status(StatusCode::kResourceExhausted,
                                                  "queue " + queue + " has its maximum of " + std::to_string(limit_) +
                                                      " receives waiting",
                                                  sqs_error::kOverLimit));
    }
    const std::uint64_t id = ++last_id_;
    const time::TimerId timer = scheduler_.schedule_after(wait, [this, id] {
      const auto it = std::find_if(waiters_.begin(), waiters_.end(), [id](const Waiter& w) { return w.id == id; });
      if (it == waiters_.end()) return;
      Callback callback = std::move(it->done);
      waiters_.erase(it);
      callback(Batch{});  // the wait is over and nothing came
    });
    waiters_.push_back(Waiter{id, request, std::move(done), timer});
  }

  // serve: while `has_messages()`, the first waiter takes a batch with take(request,
  // error) and is answered from the scheduler.
  template <typename HasMessages, typename Take>
  void serve(HasMessages has_messages, Take take) {
    while (!waiters_.empty() && has_messages()) {
      Waiter waiter = std::move(waiters_.front());
      waiters_.pop_front();
      scheduler_.cancel(waiter.timer);
      Status error;
      Batch batch = take(waiter.request, error);
      answer_later(std::move(waiter.done), error.ok() ? Result<Batch>(std::move(batch)) : Result<Batch>(error));
    }
  }

  std::size_t size() const { return waiters_.size(); }

 private:
  struct Waiter {
    std::uint64_t id;
    ReceiveRequest request;
    Callback done;
    time::TimerId timer;
  };

  time::Scheduler& scheduler_;
  const std::uint32_t limit_;
  std::deque<Waiter> waiters_;
  std::uint64_t last_id_ = 0;
};

}  // namespace sluice::broker::internal

#endif  // SLUICE_CORE_BROKER_QUEUE_TIMING_H_
