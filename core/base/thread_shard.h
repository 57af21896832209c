// thread_shard.h: this_thread_shard, which of kThreadShards per-thread slots the
// calling thread uses.
//
// Hot counters keep one shard per slot so that threads do not write each other's cache
// lines. A thread leases the least-used slot on its first call and returns it when it
// exits, so up to kThreadShards live threads never share a slot, however many threads
// came and went before (thread pools, benchmarks and tests start many). Past that,
// threads share slots evenly; sharing is correct, only slower.
//
// The thread that takes a free slot owns it until it exits: no other thread owns it
// meanwhile, so the owner may count in that slot with plain (relaxed load + store)
// increments. Threads that join a slot someone holds are guests and must use atomic
// read-modify-writes.
//
//   const ThreadShard me = this_thread_shard();
//   Shard& shard = shards_[me.index];
//   if (me.owner) shard.mine.store(shard.mine.load(relaxed) + 1, relaxed);
//   else shard.guests.fetch_add(1, relaxed);
#ifndef SLUICE_CORE_BASE_THREAD_SHARD_H_
#define SLUICE_CORE_BASE_THREAD_SHARD_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sluice {

inline constexpr std::size_t kThreadShards = 8;

namespace internal {

// How many live threads hold each slot.
inline std::array<std::atomic<std::uint32_t>, kThreadShards> thread_shard_holders{};

class ThreadShardLease {
 public:
  ThreadShardLease() { take_least_used(); }
  ~ThreadShardLease() { thread_shard_holders[index_].fetch_sub(1, std::memory_order_relaxed); }
  ThreadShardLease(const ThreadShardLease&) = delete;
  ThreadShardLease& operator=(const ThreadShardLease&) = delete;

  std::size_t index() const { return index_; }
  bool owner() const { return owner_; }

 private:
  void take_least_used() {
    for (;;) {
      std::size_t best = 0;
      std::uint32_t fewest = thread_shard_holders[0].load(std::memory_order_relaxed);
      for (std::size_t i = 1; i < kThreadShards; ++i) {
        const std::uint32_t holders = thread_shard_holders[i].load(std::memory_order_relaxed);
        if (holders < fewest) best = i, fewest = holders;
      }
      // Another thread may take the same slot meanwhile; then look again.
      if (thread_shard_holders[best].compare_exchange_weak(fewest, fewest + 1, std::memory_order_relaxed)) {
        index_ = best;
        owner_ = fewest == 0;  // a free slot: nobody else owns it while this thread lives
        return;
      }
    }
  }

  std::size_t index_ = 0;
  bool owner_ = false;
};

}  // namespace internal

// ThreadShard: a thread's slot, and whether it owns it.
struct ThreadShard {
  std::size_t index;
  bool owner;
};

// this_thread_shard: the calling thread's slot, in [0, kThreadShards).
inline ThreadShard this_thread_shard() {
  // A constant-initialised thread_local is read directly; one with a constructor goes
  // through an initialisation check on every access. So the slot is cached in the
  // former and the lease, which returns the slot at thread exit, is made only once.
  constexpr std::size_t kUnassigned = ~std::size_t{0};
  constexpr std::size_t kOwnerBit = std::size_t{1} << (sizeof(std::size_t) * 8 - 2);
  thread_local std::size_t cached = kUnassigned;
  if (cached == kUnassigned) {
    thread_local const internal::ThreadShardLease lease;
    cached = lease.index() | (lease.owner() ? kOwnerBit : 0);
  }
  return {cached & ~kOwnerBit, (cached & kOwnerBit) != 0};
}

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_THREAD_SHARD_H_
