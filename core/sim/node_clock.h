// node_clock.h: NodeClock, one simulated process's own clock. It reads the world's
// virtual time plus an offset, and a "clock_jump" fault moves the offset, as an NTP
// step or a VM restored from a snapshot moves a real process's clock. Timers are set
// on the node's clock, so a jump moves them too: forward, those due within the jump
// fire at once; backward, they wait the extra time.
//
//   NodeClock order_clock(world_time);
//   CircuitBreaker breaker("inventory", config, order_clock);
//   order_clock.jump(-30s);  // the breaker's open wait now ends 30 s later
#ifndef SLUICE_CORE_SIM_NODE_CLOCK_H_
#define SLUICE_CORE_SIM_NODE_CLOCK_H_

#include <cstdint>
#include <unordered_map>

#include "core/time/scheduler.h"

namespace sluice::sim {

class NodeClock final : public time::Scheduler {
 public:
  // NodeClock: REQUIRES `base` outlives it.
  explicit NodeClock(time::Scheduler& base) : base_(base) {}
  ~NodeClock() override;

  NodeClock(const NodeClock&) = delete;
  NodeClock& operator=(const NodeClock&) = delete;

  time::Instant now() const override { return base_.now() + offset_; }
  time::TimerId schedule_at(time::Instant deadline, Callback callback) override;
  bool cancel(time::TimerId id) override;

  // jump: the clock reads `by` later (earlier if negative) from now on; pending timers
  // keep their deadlines on this clock, so they move with it (in the order they were set).
  void jump(time::Duration by);
  time::Duration offset() const { return offset_; }

 private:
  struct Pending {
    time::Instant deadline;  // on this clock
    Callback callback;
    time::TimerId on_base;
  };

  void arm(std::uint64_t id, Pending& pending);

  time::Scheduler& base_;
  time::Duration offset_{0};
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_NODE_CLOCK_H_
