// SharedClock: a Clock several threads may read and move forward, for concurrency
// tests of core components (ManualClock is externally synchronised).
#ifndef SLUICE_TESTS_TESTING_SHARED_CLOCK_H_
#define SLUICE_TESTS_TESTING_SHARED_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "core/time/clock.h"

namespace sluice::testing {

class SharedClock : public time::Clock {
 public:
  time::Instant now() const override { return time::instant_from_nanos(nanos_.load(std::memory_order_relaxed)); }
  void advance(time::Duration by) { nanos_.fetch_add(by.count(), std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> nanos_{0};
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_TESTING_SHARED_CLOCK_H_
