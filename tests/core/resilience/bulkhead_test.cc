#include "core/resilience/bulkhead.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using testing::EventRecorder;

// Collects what enter() answered, by caller name.
struct Answers {
  std::vector<std::string> log;
  std::vector<Bulkhead::Permit> held;

  Bulkhead::OnResult for_caller(std::string name) {
    return [this, name](Bulkhead::Permit permit, std::string_view rejected_because) {
      if (permit) {
        log.push_back(name + " admitted");
        held.push_back(std::move(permit));
      } else {
        log.push_back(name + " rejected " + std::string(rejected_because));
      }
    };
  }
};

TEST(BulkheadTest, TryEnterCapsConcurrentCalls) {
  time::VirtualTime time;
  Bulkhead bulkhead("payment", {.max_concurrent_calls = 2, .max_queued_calls = 0}, time);
  Bulkhead::Permit a = bulkhead.try_enter();
  Bulkhead::Permit b = bulkhead.try_enter();
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(bulkhead.try_enter());
  EXPECT_EQ(bulkhead.stats().active, 2u);
  a.release();
  EXPECT_TRUE(bulkhead.try_enter());
}

TEST(BulkheadTest, WaitersAreAdmittedFirstComeFirstServedAsSlotsFree) {
  time::VirtualTime time;
  EventRecorder events;
  Bulkhead bulkhead("payment", {.max_concurrent_calls = 1, .max_queued_calls = 2, .max_wait = milliseconds(500)}, time,
                    &events);
  Answers answers;
  bulkhead.enter(answers.for_caller("a"));
  bulkhead.enter(answers.for_caller("b"));
  bulkhead.enter(answers.for_caller("c"));
  bulkhead.enter(answers.for_caller("d"));  // the queue holds two
  EXPECT_TRUE(answers.log.empty());         // nobody is answered inside enter()

  time.run_for(milliseconds(0));
  EXPECT_EQ(answers.log, (std::vector<std::string>{"a admitted", "d rejected queue_full"}));
  EXPECT_FALSE(bulkhead.try_enter());  // a newcomer may not overtake b and c

  time.run_for(milliseconds(100));
  answers.held.clear();  // a finishes: b's turn
  time.run_for(milliseconds(0));
  answers.held.clear();  // b finishes: c's turn
  time.run_for(milliseconds(0));
  EXPECT_EQ(answers.log, (std::vector<std::string>{"a admitted", "d rejected queue_full", "b admitted", "c admitted"}));
  EXPECT_EQ(
      events.with_prefix("bulkhead.call_admitted"),
      (std::vector<std::string>{"bulkhead.call_admitted waited_ns=0", "bulkhead.call_admitted waited_ns=100000000",
                                "bulkhead.call_admitted waited_ns=100000000"}));
  const BulkheadStats stats = bulkhead.stats();
  EXPECT_EQ(stats.admitted, 3u);
  EXPECT_EQ(stats.rejected_queue_full, 1u);
  EXPECT_EQ(stats.active, 1u);
}

TEST(BulkheadTest, AWaiterGivesUpAfterMaxWaitAndIsNotAdmittedLater) {
  time::VirtualTime time;
  Bulkhead bulkhead("payment", {.max_concurrent_calls = 1, .max_queued_calls = 5, .max_wait = milliseconds(200)}, time);
  Bulkhead::Permit busy = bulkhead.try_enter();
  Answers answers;
  bulkhead.enter(answers.for_caller("late"));
  time.run_for(milliseconds(199));
  EXPECT_TRUE(answers.log.empty());
  time.run_for(milliseconds(1));
  EXPECT_EQ(answers.log, (std::vector<std::string>{"late rejected max_wait"}));
  busy.release();
  time.run_for(milliseconds(10));
  EXPECT_EQ(answers.log.size(), 1u);
  EXPECT_EQ(bulkhead.stats().rejected_max_wait, 1u);
  EXPECT_EQ(bulkhead.stats().active, 0u);
}

TEST(BulkheadTest, ZeroMaxWaitMeansNoQueue) {
  time::VirtualTime time;
  Bulkhead bulkhead("payment", {.max_concurrent_calls = 1, .max_queued_calls = 5, .max_wait = milliseconds(0)}, time);
  Bulkhead::Permit busy = bulkhead.try_enter();
  Answers answers;
  bulkhead.enter(answers.for_caller("x"));
  time.run_for(milliseconds(0));
  EXPECT_EQ(answers.log, (std::vector<std::string>{"x rejected queue_full"}));
}

TEST(BulkheadTest, DestroyingItCancelsTheWaitsStillQueued) {
  time::VirtualTime time;
  Answers answers;
  {
    Bulkhead bulkhead("payment", {.max_concurrent_calls = 1, .max_queued_calls = 5}, time);
    Bulkhead::Permit busy = bulkhead.try_enter();
    bulkhead.enter(answers.for_caller("waiting"));
    busy = Bulkhead::Permit();  // released: "waiting" is admitted (answer scheduled)
    time.run_for(milliseconds(0));
    answers.held.clear();
    bulkhead.enter(answers.for_caller("queued"));  // admitted at once: nothing busy
    time.run_for(milliseconds(0));
    Bulkhead::Permit again = bulkhead.try_enter();  // none free
    EXPECT_FALSE(again);
    answers.held.clear();
  }
  EXPECT_EQ(time.pending_timers(), 0u);
}

TEST(BulkheadTest, ConfigErrorsNameTheField) {
  EXPECT_EQ((BulkheadConfig{.max_concurrent_calls = 0}).validate().message(),
            "max_concurrent_calls must be at least 1: with none no call could run");
  EXPECT_EQ((BulkheadConfig{.max_wait = milliseconds(-1)}).validate().message(),
            "max_wait must not be negative; got -1 ms");
}

}  // namespace
}  // namespace sluice::resilience
