// thread_shard.h: this_thread_shard, which of kThreadShards per-thread slots the
// calling thread uses.
//
// Hot counters keep one shard per slot so that threads do not write each other's cache
// lines. A thread leases the least-used slot on its first call and returns it when it
// exits, so up to kThreadShards live threads never share a slot, however many threads
// came and went before (thread pools, benchmarks and tests start many). Past that,
// threads share slots evenly; sharing is correct, only slower.
//
//   Shard& shard = shards_[this_thread_shard()];
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
  ThreadShardLease() : index_(take_least_used()) {}
  ~ThreadShardLease() { thread_shard_holders[index_].fetch_sub(1, std::memory_order_relaxed); }
  ThreadShardLease(const ThreadShardLease&) = delete;
  ThreadShardLease& operator=(const ThreadShardLease&) = delete;

  std::size_t index() const { return index_; }

 private:
  static std::size_t take_least_used() {
    for (;;) {
      std::size_t best = 0;
      std::uint32_t fewest = thread_shard_holders[0].load(std::memory_order_relaxed);
      for (std::size_t i = 1; i < kThreadShards; ++i) {
        const std::uint32_t holders = thread_shard_holders[i].load(std::memory_order_relaxed);
        if (holders < fewest) best = i, fewest = holders;
      }
      // Another thread may take the same slot meanwhile; then look again.
      if (thread_shard_holders[best].compare_exchange_weak(fewest, fewest + 1, std::memory_order_relaxed)) {
        return best;
      }
    }
  }

  std::size_t index_;
};

}  // namespace internal

// this_thread_shard: the calling thread's slot, in [0, kThreadShards).
inline std::size_t this_thread_shard() {
  thread_local const internal::ThreadShardLease lease;
  return lease.index();
}

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_THREAD_SHARD_H_
