#include "core/sim/node_clock.h"

#include <algorithm>
#include <vector>

namespace sluice::sim {

NodeClock::~NodeClock() {
  for (auto& [id, pending] : pending_) base_.cancel(pending.on_base);
}

void NodeClock::arm(std::uint64_t id, Pending& pending) {
  pending.on_base = base_.schedule_at(pending.deadline - offset_, [this, id] {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Callback callback = std::move(it->second.callback);
    pending_.erase(it);
    callback();
  });
}

time::TimerId NodeClock::schedule_at(time::Instant deadline, Callback callback) {
  const std::uint64_t id = next_id_++;
  Pending& pending = pending_[id];
  pending.deadline = deadline;
  pending.callback = std::move(callback);
  arm(id, pending);
  return {id};
}

bool NodeClock::cancel(time::TimerId id) {
  auto it = pending_.find(id.value);
  if (it == pending_.end()) return false;
  base_.cancel(it->second.on_base);
  pending_.erase(it);
  return true;
}

void NodeClock::jump(time::Duration by) {
  offset_ += by;
  // Set again in the order first set, so timers due together still run in that order
  // (and the run stays the same for the same seed).
  std::vector<std::uint64_t> ids;
  ids.reserve(pending_.size());
  for (const auto& [id, pending] : pending_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (std::uint64_t id : ids) {
    Pending& pending = pending_.at(id);
    base_.cancel(pending.on_base);
    arm(id, pending);
  }
}

}  // namespace sluice::sim
