#include "core/time/virtual_time.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::time {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Instant at_ms(std::int64_t ms) { return Instant(milliseconds(ms)); }

// Records which timer fired at what virtual time.
struct FiringLog {
  std::vector<std::string> entries;

  Scheduler::Callback record(VirtualTime& time, std::string name) {
    return [this, &time, name] {
      entries.push_back(name + "@" + std::to_string(nanos_since_epoch(time.now()) / 1'000'000));
    };
  }
};

TEST(VirtualTimeTest, FiresInDeadlineOrderWithTheClockAtEachDeadline) {
  VirtualTime time;
  FiringLog log;
  time.schedule_at(at_ms(300), log.record(time, "c"));
  time.schedule_at(at_ms(100), log.record(time, "a"));
  time.schedule_at(at_ms(200), log.record(time, "b"));

  const RunResult result = time.run_until(at_ms(1'000));

  EXPECT_EQ(log.entries, (std::vector<std::string>{"a@100", "b@200", "c@300"}));
  EXPECT_EQ(result.timers_fired, 3u);
  EXPECT_FALSE(result.stopped_at_limit);
  EXPECT_EQ(time.now(), at_ms(1'000));  // the clock ends at the target, not the last timer
}

TEST(VirtualTimeTest, EqualDeadlinesFireInTheOrderScheduled) {
  VirtualTime time;
  FiringLog log;
  for (const char* name : {"first", "second", "third"}) {
    time.schedule_at(at_ms(50), log.record(time, name));
  }
  time.run_for(milliseconds(50));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"first@50", "second@50", "third@50"}));
}

TEST(VirtualTimeTest, TimersAfterTheTargetWaitForALaterRun) {
  VirtualTime time;
  FiringLog log;
  time.schedule_at(at_ms(100), log.record(time, "due"));
  time.schedule_at(at_ms(101), log.record(time, "later"));

  time.run_until(at_ms(100));  // a deadline equal to the target fires
  EXPECT_EQ(log.entries, (std::vector<std::string>{"due@100"}));
  EXPECT_EQ(time.pending_timers(), 1u);

  time.run_for(milliseconds(1));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"due@100", "later@101"}));
  EXPECT_EQ(time.pending_timers(), 0u);
}

TEST(VirtualTimeTest, CancelledTimersNeverFire) {
  VirtualTime time;
  FiringLog log;
  const TimerId keep = time.schedule_after(seconds(1), log.record(time, "kept"));
  const TimerId drop = time.schedule_after(seconds(1), log.record(time, "dropped"));

  EXPECT_TRUE(time.cancel(drop));
  EXPECT_FALSE(time.cancel(drop));          // a second cancel finds nothing
  EXPECT_FALSE(time.cancel(TimerId{}));     // the default id names no timer
  EXPECT_FALSE(time.cancel(TimerId{999}));  // nor does one never issued
  EXPECT_EQ(time.pending_timers(), 1u);

  time.run_for(seconds(2));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"kept@1000"}));
  EXPECT_FALSE(time.cancel(keep));  // it already ran
}

TEST(VirtualTimeTest, CallbacksMayScheduleAndCancelWithinTheSameRun) {
  VirtualTime time;
  FiringLog log;
  TimerId victim;
  time.schedule_at(at_ms(10), [&] {
    log.entries.push_back("parent@10");
    time.schedule_after(milliseconds(5), log.record(time, "child"));  // due inside the run
    time.schedule_after(milliseconds(0), log.record(time, "now"));    // due at once
    time.cancel(victim);
  });
  victim = time.schedule_at(at_ms(20), log.record(time, "victim"));

  time.run_until(at_ms(100));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"parent@10", "now@10", "child@15"}));
}

TEST(VirtualTimeTest, PastDeadlinesRunAtTheCurrentInstant) {
  VirtualTime time(at_ms(500));
  FiringLog log;
  time.schedule_at(at_ms(100), log.record(time, "overdue"));
  time.run_until(at_ms(500));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"overdue@500"}));
}

TEST(VirtualTimeTest, RunNextJumpsToTheEarliestLiveDeadline) {
  VirtualTime time;
  FiringLog log;
  const TimerId early = time.schedule_at(at_ms(5), log.record(time, "early"));
  time.schedule_at(at_ms(40), log.record(time, "late"));
  time.cancel(early);

  EXPECT_EQ(time.next_deadline(), at_ms(40));  // the cancelled timer is skipped
  EXPECT_TRUE(time.run_next());
  EXPECT_EQ(log.entries, (std::vector<std::string>{"late@40"}));
  EXPECT_EQ(time.now(), at_ms(40));

  EXPECT_FALSE(time.run_next());
  EXPECT_EQ(time.next_deadline(), std::nullopt);
}

TEST(VirtualTimeTest, ARunawayLoopStopsAtTheLimitAndSaysSo) {
  VirtualTime time;
  std::size_t runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    time.schedule_after(Duration::zero(), again);  // never lets time move on
  };
  time.schedule_at(at_ms(1), again);

  const RunResult result = time.run_until(at_ms(10), /*max_timers=*/1'000);

  EXPECT_TRUE(result.stopped_at_limit);
  EXPECT_EQ(result.timers_fired, 1'000u);
  EXPECT_EQ(runs, 1'000u);
  EXPECT_EQ(time.now(), at_ms(1));  // left at the last deadline fired, not the target
}

TEST(VirtualTimeTest, ManyCancellationsLeaveOnlyLiveTimers) {
  VirtualTime time;
  int fired = 0;
  std::vector<TimerId> ids;
  for (int i = 0; i < 10'000; ++i) {
    ids.push_back(time.schedule_at(at_ms(i), [&fired] { ++fired; }));
  }
  // Cancel all but every hundredth, as request timeouts that were answered in time.
  for (int i = 0; i < 10'000; ++i) {
    if (i % 100 != 0) {
      EXPECT_TRUE(time.cancel(ids[i]));
    }
  }
  EXPECT_EQ(time.pending_timers(), 100u);
  EXPECT_EQ(time.next_deadline(), at_ms(0));

  const RunResult result = time.run_until(at_ms(10'000));
  EXPECT_EQ(result.timers_fired, 100u);
  EXPECT_EQ(fired, 100);
}

TEST(VirtualTimeTest, AnIdGoesStaleOnceItsTimerIsDoneEvenWhenItsSlotIsReused) {
  VirtualTime time;
  FiringLog log;
  const TimerId first = time.schedule_after(milliseconds(1), log.record(time, "first"));
  ASSERT_TRUE(time.cancel(first));
  // The next timer may reuse the storage of the first; the old id must not reach it.
  const TimerId second = time.schedule_after(milliseconds(1), log.record(time, "second"));
  EXPECT_NE(first, second);
  EXPECT_FALSE(time.cancel(first));
  time.run_for(milliseconds(1));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"second@1"}));
}

TEST(VirtualTimeTest, ATimerCannotCancelItselfWhileRunning) {
  VirtualTime time;
  TimerId self;
  bool cancelled_self = true;
  self = time.schedule_after(milliseconds(1), [&] { cancelled_self = time.cancel(self); });
  time.run_for(milliseconds(1));
  EXPECT_FALSE(cancelled_self);
}

TEST(VirtualTimeDeathTest, RefusesToRunBackwards) {
  VirtualTime time(at_ms(10));
  EXPECT_DEATH(time.run_until(at_ms(9)), "until >= clock_.now()");
}

}  // namespace
}  // namespace sluice::time
