#include "native/runtime/asio_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/saga/saga_runner.h"
#include "tests/core/saga/saga_test_support.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;

TEST(AsioSchedulerTest, RunsTimersInDeadlineOrderAndEqualDeadlinesInScheduleOrder) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  std::vector<std::string> fired;
  // Both deadlines from one instant: scheduling may take milliseconds on a loaded machine.
  const time::Instant at = scheduler.now() + 5ms;
  scheduler.schedule_at(at, [&] { fired.push_back("a"); });
  scheduler.schedule_at(at, [&] { fired.push_back("b"); });
  scheduler.schedule_at(at - 4ms, [&] { fired.push_back("first"); });
  scheduler.schedule_at(at, [&] { fired.push_back("c"); });
  EXPECT_TRUE(fired.empty());  // never inside schedule_at
  io.run();                    // returns once no timer is left
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "a", "b", "c"}));
  EXPECT_EQ(scheduler.pending_timers(), 0u);
}

TEST(AsioSchedulerTest, ACancelledTimerNeverRunsAndTimersMayScheduleTimers) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  std::vector<std::string> fired;
  // Deadlines count from when timers are scheduled: measure from before that.
  const time::Instant started = scheduler.now();
  const time::TimerId doomed = scheduler.schedule_after(2ms, [&] { fired.push_back("doomed"); });
  scheduler.schedule_after(1ms, [&] {
    fired.push_back("outer");
    scheduler.schedule_after(1ms, [&] { fired.push_back("inner"); });
  });
  EXPECT_TRUE(scheduler.cancel(doomed));
  EXPECT_FALSE(scheduler.cancel(doomed));
  io.run();
  EXPECT_EQ(fired, (std::vector<std::string>{"outer", "inner"}));
  EXPECT_GE(scheduler.now() - started, 2ms);
}

TEST(AsioSchedulerTest, ATimerInThePastRunsAtOnce) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  bool ran = false;
  scheduler.schedule_at(scheduler.now() - 1s, [&] { ran = true; });
  io.run();
  EXPECT_TRUE(ran);
}

// Core's saga runner, unchanged, on real time: a step that never answers times out
// after 20 ms and is retried with the same idempotency key.
TEST(AsioSchedulerTest, CoreComponentsRunOnRealTimeUnchanged) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  saga::InMemorySagaLog log;
  std::vector<std::pair<std::uint32_t, std::string>> attempts;
  saga::SagaRunner* runner = nullptr;
  saga::SagaRunner real(scheduler, log, time::Prng(1), [&](const saga::SagaCommand& c) {
    attempts.emplace_back(c.attempt, std::string(c.idempotency_key));
    if (c.attempt == 2) {
      saga::StepResult answer = saga::StepResult::success(c);
      asio::post(io, [&, answer] { static_cast<void>(runner->on_result(answer)); });
    }
  });
  runner = &real;
  saga::SagaDefinition one_step{.name = "One"};
  saga::StepDefinition step = saga::testing::step("only", "doIt", "undoIt");
  step.timeout = 20ms;
  step.retry.initial_backoff = 1ms;
  one_step.steps.push_back(step);
  ASSERT_TRUE(real.register_definition(one_step).ok());
  const time::Instant started = scheduler.now();
  ASSERT_TRUE(real.start("One", "s-1").ok());
  io.run();
  EXPECT_EQ(real.find("s-1")->state(), saga::SagaState::kCompleted);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].second, attempts[1].second);
  EXPECT_GE(scheduler.now() - started, 20ms);
}

}  // namespace
}  // namespace sluice::native
