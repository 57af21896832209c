// A saga survives a crash after any log append: a new runner on the records that were
// durable resumes it, and with barriers on the participants every effect happens
// exactly once and the saga finishes (or compensates) exactly once.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "core/saga/barrier.h"
#include "core/saga/saga_runner.h"
#include "core/time/virtual_time.h"
#include "tests/core/saga/saga_test_support.h"

namespace sluice::saga {
namespace {

using namespace std::chrono_literals;

// CrashingLog: every append is durable at once (the strictest case); the append after
// `appends_allowed` is the crash, and nothing afterwards reaches the disk or the
// participants.
class CrashingLog final : public SagaLog {
 public:
  CrashingLog(std::vector<SagaRecord>& disk, std::size_t appends_allowed)
      : disk_(disk), appends_allowed_(appends_allowed) {}

  Status append(SagaRecord&& record) override {
    if (crashed_ || appends_allowed_ == 0) {
      crashed_ = true;
      return Status(StatusCode::kUnavailable, "the process died");
    }
    --appends_allowed_;
    disk_.push_back(std::move(record));
    return Status();
  }
  Status sync() override { return crashed_ ? Status(StatusCode::kUnavailable, "the process died") : Status(); }
  Status load(const Visitor& visit) const override {
    for (const SagaRecord& r : disk_) visit(r);
    return Status();
  }
  Status erase(std::span<const std::string>) override { return Status(); }

  bool crashed() const { return crashed_; }

 private:
  std::vector<SagaRecord>& disk_;
  std::size_t appends_allowed_;
  bool crashed_ = false;
};

struct Scenario {
  const char* name;
  bool decline_card;
  bool order_closed;
  SagaState final_state;
  std::map<std::string, int> effects;
};

// CountingWorld: the participants behind an in-memory barrier, counting effects.
struct CountingWorld {
  explicit CountingWorld(const Scenario& scenario) {
    participants.decline_card = scenario.decline_card;
    participants.order_closed = scenario.order_closed;
  }

  InMemoryBarrier barrier;
  std::map<std::string, int> executed;
  testing::OrderParticipants participants{barrier, [this](const std::string& target) {
                                            ++executed[target];
                                            return Status();
                                          }};
};

std::size_t appends_without_crash(const Scenario& scenario) {
  CountingWorld world(scenario);
  InMemorySagaLog log;
  testing::OrchestratorProcess process(world.participants, log);
  EXPECT_TRUE(process.runner.start("CreateOrderSaga", "order-1").ok());
  process.run_to_quiet();
  EXPECT_EQ(process.runner.find("order-1")->state(), scenario.final_state);
  EXPECT_EQ(world.executed, scenario.effects);
  return log.records().size();
}

class RecoveryTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(RecoveryTest, FinishesExactlyOnceWhateverAppendTheProcessDiesAfter) {
  const Scenario& scenario = GetParam();
  const std::size_t total = appends_without_crash(scenario);
  ASSERT_GT(total, 5u);
  for (std::size_t durable = 1; durable < total; ++durable) {
    SCOPED_TRACE("crash after append " + std::to_string(durable) + " of " + std::to_string(total));
    CountingWorld world(scenario);
    std::vector<SagaRecord> disk;
    {
      CrashingLog log(disk, durable);
      testing::OrchestratorProcess first(world.participants, log);
      static_cast<void>(first.runner.start("CreateOrderSaga", "order-1"));
      for (int i = 0; i < 10'000 && !log.crashed() && first.time.run_next();) ++i;
      ASSERT_TRUE(log.crashed());
      first.self = nullptr;  // answers still on their way are lost with the process
    }
    ASSERT_EQ(disk.size(), durable);

    InMemorySagaLog log(disk);
    testing::OrchestratorProcess second(world.participants, log);
    Result<std::size_t> resumed = second.runner.recover();
    ASSERT_TRUE(resumed.ok()) << resumed.status().message();
    EXPECT_EQ(*resumed, 1u);
    second.run_to_quiet();

    const SagaInstance* saga = second.runner.find("order-1");
    ASSERT_NE(saga, nullptr);
    EXPECT_EQ(saga->state(), scenario.final_state);
    EXPECT_EQ(world.executed, scenario.effects);
    int finals = 0;
    for (const SagaRecord& r : log.records()) finals += r.type == RecordType::kStateChanged && is_final(r.state);
    EXPECT_EQ(finals, 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    OrderSaga, RecoveryTest,
    ::testing::Values(
        Scenario{"completes",
                 false,
                 false,
                 SagaState::kCompleted,
                 {{"reserveStock", 1}, {"charge", 1}, {"confirmOrder", 1}}},
        Scenario{"payment_declined", true, false, SagaState::kCompensated, {{"reserveStock", 1}, {"releaseStock", 1}}},
        Scenario{"pivot_refused",
                 false,
                 true,
                 SagaState::kCompensated,
                 {{"reserveStock", 1}, {"charge", 1}, {"refund", 1}, {"releaseStock", 1}}}),
    [](const ::testing::TestParamInfo<Scenario>& info) { return std::string(info.param.name); });

TEST(RecoverTest, RefusesALogThatDoesNotFitTheDefinitionsAndStartsNothing) {
  time::VirtualTime time;
  std::vector<SagaRecord> records;
  records.push_back({.type = RecordType::kStarted, .saga_id = "a", .definition = "Unknown"});
  InMemorySagaLog unknown_type(records);
  SagaRunner runner(time, unknown_type, time::Prng(1), [](const SagaCommand&) {});
  Result<std::size_t> resumed = runner.recover();
  EXPECT_EQ(resumed.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(runner.size(), 0u);

  InMemorySagaLog orphan({SagaRecord{.type = RecordType::kAttemptStarted, .saga_id = "b", .attempt = 1}});
  SagaRunner second(time, orphan, time::Prng(1), [](const SagaCommand&) {});
  EXPECT_EQ(second.recover().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::saga

namespace sluice::saga {
namespace {

// An attempt in flight at a crash may have been applied by its participant. If the
// re-issued attempt is then refused (an overloaded participant sheds it before its
// idempotency check) and the step gives up, the step must still be compensated: a
// refund for a charge the saga never heard about. Found by the simulator's
// conservation-of-money invariant.
struct StateRecorder final : observe::EventSink {
  void on_event(const observe::Event& e) override {
    if (e.what != "saga.state_changed") return;
    last = std::string(std::get<std::string_view>(*e.attribute("state")));
  }
  std::string last;
};

TEST(RecoverTest, AStepReissuedAfterACrashIsCompensatedWhenItGivesUp) {
  SagaDefinition definition{.name = "Charge"};
  StepDefinition charge{.name = "charge", .action = "charge", .compensation = "refund"};
  charge.retry.max_attempts = 2;
  charge.retry.initial_backoff = std::chrono::milliseconds(10);
  definition.steps = {charge};

  time::VirtualTime time;
  std::vector<std::string> commands;
  std::vector<SagaRecord> disk;
  {
    InMemorySagaLog log;
    SagaRunner runner(time, log, time::Prng(1), [&](const SagaCommand& c) { commands.emplace_back(c.target); });
    ASSERT_TRUE(runner.register_definition(definition).ok());
    ASSERT_TRUE(runner.start("Charge", "s-1").ok());
    disk = log.records();  // the crash: attempt 1 is out, its answer never came
  }
  ASSERT_EQ(commands, std::vector<std::string>{"charge"});

  // Twice: the second restart must still know, from the log alone, that the outcome is unknown.
  {
    InMemorySagaLog log(disk);
    SagaRunner runner(time, log, time::Prng(2), [&](const SagaCommand& c) { commands.emplace_back(c.target); });
    ASSERT_TRUE(runner.register_definition(definition).ok());
    ASSERT_EQ(*runner.recover(), 1u);
    disk = log.records();  // crashed again before any answer
  }
  StateRecorder states;
  InMemorySagaLog log(disk);
  SagaRunner* self = nullptr;
  SagaRunner runner(
      time, log, time::Prng(3),
      [&](const SagaCommand& c) {
        commands.emplace_back(c.target);
        // Every charge is shed from now on; refunds work.
        (void)self->on_result(c.target == "charge" ? StepResult::failure(c, "unavailable", "shed", true)
                                                   : StepResult::success(c));
      },
      &states);
  self = &runner;
  ASSERT_TRUE(runner.register_definition(definition).ok());
  ASSERT_EQ(*runner.recover(), 1u);
  time.run_for(std::chrono::seconds(5));
  EXPECT_EQ(commands, (std::vector<std::string>{"charge", "charge", "charge", "charge", "refund"}));
  EXPECT_EQ(states.last, "COMPENSATED");
}

}  // namespace
}  // namespace sluice::saga
