// recursive_lock.h: RecursiveLock, a lock its holder may take again, that spins
// briefly before it sleeps.
//
// For a component held for a few hundred nanoseconds per call by a handful of threads
// (SynchronizedBroker): with a plain mutex almost every contended acquisition becomes
// a futex sleep and wake, costing microseconds; the holder is usually done within the
// spin, so the waiter never sleeps. Recursive because callbacks run under the lock may
// call the component again.
//
//   RecursiveLock lock;
//   { std::scoped_lock guard(lock); ... }
#ifndef SLUICE_CORE_BASE_RECURSIVE_LOCK_H_
#define SLUICE_CORE_BASE_RECURSIVE_LOCK_H_

#include <atomic>
#include <cstdint>
#include <mutex>

namespace sluice {

class RecursiveLock {
 public:
  // kSpinAttempts: rounds of waiting before sleeping; a few microseconds of spinning,
  // longer than a typical hold and far shorter than a scheduler time slice.
  static constexpr int kSpinAttempts = 200;

  void lock() {
    const void* self = this_thread();
    // Only this thread can have stored `self`, so a relaxed load is enough to know.
    if (owner_.load(std::memory_order_relaxed) == self) {
      ++depth_;
      return;
    }
    acquire();
    owner_.store(self, std::memory_order_relaxed);
    depth_ = 1;
  }

  bool try_lock() {
    const void* self = this_thread();
    if (owner_.load(std::memory_order_relaxed) == self) {
      ++depth_;
      return true;
    }
    if (!mutex_.try_lock()) return false;
    owner_.store(self, std::memory_order_relaxed);
    depth_ = 1;
    return true;
  }

  void unlock() {
    if (--depth_ > 0) return;
    owner_.store(nullptr, std::memory_order_relaxed);
    mutex_.unlock();
  }

 private:
  // this_thread: an address unique to the calling thread, without <thread>.
  static const void* this_thread() {
    static thread_local char tag;
    return &tag;
  }

  // acquire: waits on a plain read of owner_ while the lock looks held, so the waiter
  // does not take the line from the holder with a write on every attempt.
  void acquire() {
    for (int attempt = 0; attempt < kSpinAttempts; ++attempt) {
      if (owner_.load(std::memory_order_relaxed) == nullptr && mutex_.try_lock()) return;
      cpu_relax();
    }
    mutex_.lock();
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  std::mutex mutex_;
  std::atomic<const void*> owner_{nullptr};
  std::uint32_t depth_ = 0;  // written only by the owner
};

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_RECURSIVE_LOCK_H_
