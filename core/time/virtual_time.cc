#include "core/time/virtual_time.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace sluice::time {
namespace {

constexpr std::size_t kCompactionFloor = 64;

}  // namespace

bool VirtualTime::fires_later(const Entry& a, const Entry& b) {
  if (a.deadline != b.deadline) return a.deadline > b.deadline;
  return a.id > b.id;
}

TimerId VirtualTime::schedule_at(Instant deadline, Callback callback) {
  const std::uint64_t id = ++last_id_;
  callbacks_.emplace(id, std::move(callback));
  heap_.push_back(Entry{deadline, id});
  std::push_heap(heap_.begin(), heap_.end(), fires_later);
  return TimerId{id};
}

bool VirtualTime::cancel(TimerId id) {
  if (callbacks_.erase(id.value) == 0) return false;
  compact_if_mostly_cancelled();
  return true;
}

void VirtualTime::compact_if_mostly_cancelled() {
  if (heap_.size() < kCompactionFloor || heap_.size() < 2 * callbacks_.size()) return;
  std::erase_if(heap_, [this](const Entry& e) { return !callbacks_.contains(e.id); });
  std::make_heap(heap_.begin(), heap_.end(), fires_later);
}

void VirtualTime::discard_cancelled_front() {
  while (!heap_.empty() && !callbacks_.contains(heap_.front().id)) {
    std::pop_heap(heap_.begin(), heap_.end(), fires_later);
    heap_.pop_back();
  }
}

std::optional<Instant> VirtualTime::next_deadline() {
  discard_cancelled_front();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

void VirtualTime::fire_front() {
  const Entry entry = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), fires_later);
  heap_.pop_back();
  auto node = callbacks_.extract(entry.id);
  // A deadline already in the past runs now: time never moves backwards.
  if (entry.deadline > clock_.now()) clock_.set(entry.deadline);
  // The callback is moved out first so that it may schedule or cancel timers freely.
  Callback callback = std::move(node.mapped());
  callback();
}

bool VirtualTime::run_next() {
  discard_cancelled_front();
  if (heap_.empty()) return false;
  fire_front();
  return true;
}

RunResult VirtualTime::run_until(Instant until, std::size_t max_timers) {
  SLUICE_CHECK(until >= clock_.now());
  RunResult result;
  for (;;) {
    discard_cancelled_front();
    if (heap_.empty() || heap_.front().deadline > until) break;
    if (result.timers_fired == max_timers) {
      result.stopped_at_limit = true;
      return result;
    }
    fire_front();
    ++result.timers_fired;
  }
  clock_.set(until);
  return result;
}

}  // namespace sluice::time
