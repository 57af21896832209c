// RecursiveLock: its holder may take it again; no one else can until the holder has
// released it as often as it took it. Run under --config=tsan too.
#include "core/base/recursive_lock.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

namespace sluice {
namespace {

bool try_lock_from_another_thread(RecursiveLock& lock) {
  return std::async(std::launch::async,
                    [&lock] {
                      if (!lock.try_lock()) return false;
                      lock.unlock();
                      return true;
                    })
      .get();
}

TEST(RecursiveLockTest, TheHolderMayTakeItAgain) {
  RecursiveLock lock;
  lock.lock();
  EXPECT_TRUE(lock.try_lock());
  lock.lock();
  EXPECT_FALSE(try_lock_from_another_thread(lock));
  lock.unlock();
  lock.unlock();
  EXPECT_FALSE(try_lock_from_another_thread(lock)) << "still held once";
  lock.unlock();
  EXPECT_TRUE(try_lock_from_another_thread(lock));
}

TEST(RecursiveLockTest, ExcludesOtherThreads) {
  RecursiveLock lock;
  long counter = 0;  // deliberately not atomic: the lock is what keeps it right
  constexpr int kPerThread = 200'000;
  auto work = [&] {
    for (int i = 0; i < kPerThread; ++i) {
      std::scoped_lock outer(lock);
      std::scoped_lock inner(lock);
      ++counter;
    }
  };
  { std::jthread a(work), b(work); }
  EXPECT_EQ(counter, 2L * kPerThread);
}

}  // namespace
}  // namespace sluice
