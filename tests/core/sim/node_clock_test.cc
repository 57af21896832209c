// NodeClock: a process's own clock over the world's virtual time; a jump moves its
// reading and its pending timers with it.
#include "core/sim/node_clock.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time/virtual_time.h"

namespace sluice::sim {
namespace {

using namespace std::chrono_literals;

TEST(NodeClockTest, ReadsTheWorldsTimeUntilItJumps) {
  time::VirtualTime world;
  NodeClock clock(world);
  world.run_for(3s);
  EXPECT_EQ(clock.now(), world.now());
  clock.jump(10s);
  EXPECT_EQ(clock.now(), world.now() + 10s);
  clock.jump(-25s);
  EXPECT_EQ(clock.now(), world.now() - 15s);
}

TEST(NodeClockTest, AForwardJumpFiresWhatItPassesAtOnceInTheOrderSet) {
  time::VirtualTime world;
  NodeClock clock(world);
  std::vector<std::string> fired;
  clock.schedule_after(5s, [&] { fired.push_back("5s"); });
  clock.schedule_after(2s, [&] { fired.push_back("2s"); });
  clock.schedule_after(60s, [&] { fired.push_back("60s"); });
  clock.jump(10s);
  world.run_for(0s);
  EXPECT_EQ(fired, (std::vector<std::string>{"2s", "5s"}));
  world.run_for(49s);
  EXPECT_EQ(fired.size(), 2u);  // 60 s on the node's clock: 50 s of world time after the jump
  world.run_for(1s);
  EXPECT_EQ(fired.back(), "60s");
}

TEST(NodeClockTest, ABackwardJumpMakesTimersWaitLonger) {
  time::VirtualTime world;
  NodeClock clock(world);
  bool fired = false;
  clock.schedule_after(5s, [&] { fired = true; });
  clock.jump(-20s);
  world.run_for(24s);
  EXPECT_FALSE(fired);
  world.run_for(1s);
  EXPECT_TRUE(fired);
}

TEST(NodeClockTest, ACancelledTimerStaysCancelledAcrossAJump) {
  time::VirtualTime world;
  NodeClock clock(world);
  bool fired = false;
  const time::TimerId id = clock.schedule_after(5s, [&] { fired = true; });
  EXPECT_TRUE(clock.cancel(id));
  EXPECT_FALSE(clock.cancel(id));
  clock.jump(10s);
  world.run_for(10s);
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace sluice::sim
