#include "core/base/thread_shard.h"

#include <gtest/gtest.h>

#include <latch>
#include <set>
#include <thread>
#include <vector>

namespace sluice {
namespace {

TEST(ThreadShardTest, AThreadKeepsItsSlot) {
  const std::size_t mine = this_thread_shard().index;
  EXPECT_LT(mine, kThreadShards);
  EXPECT_EQ(this_thread_shard().index, mine);
}

TEST(ThreadShardTest, TheFirstThreadOfASlotOwnsItAndLaterOnesAreGuests) {
  EXPECT_TRUE(this_thread_shard().owner);  // the main thread took a free slot
  // Fill every slot with live threads, then one more must be a guest somewhere.
  constexpr int kThreads = static_cast<int>(kThreadShards);  // plus main: one too many
  std::latch all_in(kThreads);
  std::latch may_exit(1);
  std::vector<ThreadShard> shards(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      shards[t] = this_thread_shard();
      all_in.count_down();
      may_exit.wait();
    });
  }
  all_in.wait();
  int owners = 0;
  std::set<std::size_t> owned;
  for (const ThreadShard& shard : shards) {
    owners += shard.owner;
    if (shard.owner) {
      EXPECT_TRUE(owned.insert(shard.index).second) << "two owners of slot " << shard.index;
    }
  }
  EXPECT_EQ(owners, kThreads - 1);  // main owns one slot; one thread had to be a guest
  EXPECT_EQ(owned.count(this_thread_shard().index), 0u);
  may_exit.count_down();
  for (std::thread& thread : threads) thread.join();
}

TEST(ThreadShardTest, ThreadsThatComeAndGoNeverLandOnALiveThreadsSlot) {
  // Round-robin assignment would hand the ninth new thread the main thread's slot.
  const std::size_t main_slot = this_thread_shard().index;
  for (int i = 0; i < 5 * static_cast<int>(kThreadShards); ++i) {
    std::size_t slot = main_slot;
    std::thread([&] { slot = this_thread_shard().index; }).join();
    ASSERT_NE(slot, main_slot) << "thread " << i;
  }
}

TEST(ThreadShardTest, UpToKThreadShardsLiveThreadsAllGetTheirOwnSlot) {
  const std::size_t main_slot = this_thread_shard().index;
  constexpr int kOthers = static_cast<int>(kThreadShards) - 1;
  std::latch all_have_slots(kOthers);
  std::latch may_exit(1);
  std::vector<std::size_t> slots(kOthers);
  std::vector<std::thread> threads;
  for (int t = 0; t < kOthers; ++t) {
    threads.emplace_back([&, t] {
      slots[t] = this_thread_shard().index;
      all_have_slots.count_down();
      may_exit.wait();  // stay alive, holding the slot, until all are checked
    });
  }
  all_have_slots.wait();
  std::set<std::size_t> distinct(slots.begin(), slots.end());
  distinct.insert(main_slot);
  EXPECT_EQ(distinct.size(), kThreadShards);
  may_exit.count_down();
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace sluice
