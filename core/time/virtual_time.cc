#include "core/time/virtual_time.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace sluice::time {
namespace {

constexpr std::size_t kCompactionFloor = 64;

// A TimerId packs the slot (plus one, so that 0 stays invalid) and its generation.
TimerId make_id(std::uint32_t slot, std::uint32_t generation) {
  return TimerId{(std::uint64_t{generation} << 32) | (std::uint64_t{slot} + 1)};
}

}  // namespace

bool VirtualTime::is_live(const Entry& entry) const {
  const Slot& slot = slots_[entry.slot];
  return slot.live && slot.generation == entry.generation;
}

VirtualTime::Callback VirtualTime::release(std::uint32_t slot_index) {
  Slot& slot = slots_[slot_index];
  Callback callback = std::move(slot.callback);
  slot.callback = nullptr;
  slot.live = false;
  ++slot.generation;
  free_slots_.push_back(slot_index);
  --live_timers_;
  return callback;
}

TimerId VirtualTime::schedule_at(Instant deadline, Callback callback) {
  std::uint32_t slot_index;
  if (free_slots_.empty()) {
    slot_index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot_index = free_slots_.back();
    free_slots_.pop_back();
  }
  Slot& slot = slots_[slot_index];
  slot.callback = std::move(callback);
  slot.live = true;
  ++live_timers_;
  heap_.push_back(Entry{deadline, ++last_sequence_, slot_index, slot.generation});
  std::push_heap(heap_.begin(), heap_.end(), FiresLater());
  return make_id(slot_index, slot.generation);
}

bool VirtualTime::cancel(TimerId id) {
  if (!id.valid()) return false;
  const std::uint64_t slot_plus_one = id.value & 0xffffffffu;
  if (slot_plus_one == 0 || slot_plus_one > slots_.size()) return false;
  const auto slot_index = static_cast<std::uint32_t>(slot_plus_one - 1);
  const Slot& slot = slots_[slot_index];
  if (!slot.live || slot.generation != static_cast<std::uint32_t>(id.value >> 32)) return false;
  release(slot_index);
  compact_if_mostly_cancelled();
  return true;
}

void VirtualTime::compact_if_mostly_cancelled() {
  if (heap_.size() < kCompactionFloor || heap_.size() < 2 * live_timers_) return;
  std::erase_if(heap_, [this](const Entry& e) { return !is_live(e); });
  std::make_heap(heap_.begin(), heap_.end(), FiresLater());
}

void VirtualTime::discard_cancelled_front() {
  while (!heap_.empty() && !is_live(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), FiresLater());
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
  std::pop_heap(heap_.begin(), heap_.end(), FiresLater());
  heap_.pop_back();
  // A deadline already in the past runs now: time never moves backwards.
  if (entry.deadline > clock_.now()) clock_.set(entry.deadline);
  // Released before it runs, so the callback may schedule (even into this slot) or
  // cancel timers freely, and cancelling itself finds nothing.
  Callback callback = release(entry.slot);
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
