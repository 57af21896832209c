// spin_lock.h: SpinLock, a lock for data that is almost never contended.
//
// For per-thread shards of a hot counter: each thread has its own shard, so the lock
// is taken without contention and costs one atomic exchange on a cache line no other
// thread writes. Two threads share a shard only when there are more threads than
// shards; then one spins while the other finishes a few instructions. Do not hold it
// across anything slow.
//
//   SpinLock lock;
//   { SpinLock::Guard guard(lock); ++shard.calls; }
#ifndef SLUICE_CORE_BASE_SPIN_LOCK_H_
#define SLUICE_CORE_BASE_SPIN_LOCK_H_

#include <atomic>

namespace sluice {

class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      // Wait on a plain load, so waiting does not keep stealing the cache line.
      while (flag_.load(std::memory_order_relaxed)) {
      }
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

  class Guard {
   public:
    explicit Guard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
    ~Guard() { lock_.unlock(); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    SpinLock& lock_;
  };

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_SPIN_LOCK_H_
