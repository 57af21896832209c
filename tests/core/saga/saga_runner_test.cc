#include "core/saga/saga_runner.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/core/saga/saga_test_support.h"

namespace sluice::saga {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::RunnerHarness;
using testing::SentCommand;

class SagaRunnerTest : public ::testing::Test {
 protected:
  SagaRunnerTest() { EXPECT_TRUE(h.runner.register_definition(testing::create_order_saga()).ok()); }

  // one: the single command sent since the last call.
  SentCommand one() {
    std::vector<SentCommand> sent = h.take();
    EXPECT_EQ(sent.size(), 1u);
    return sent.empty() ? SentCommand{} : sent.front();
  }
  SagaState state(const std::string& id) { return h.runner.find(id)->state(); }

  // run_to_the_notify_step: "order-1" of the article's saga plus a retriable "notify"
  // after the pivot, with every step before it done.
  void run_to_the_notify_step() {
    SagaDefinition d = testing::create_order_saga();
    d.name = "WithNotify";
    d.steps.push_back(testing::step("notify", "sendEmail", "", StepKind::kRetriable));
    ASSERT_TRUE(h.runner.register_definition(d).ok());
    ASSERT_TRUE(h.runner.start("WithNotify", "order-1").ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  }

  InMemorySagaLog log;
  RunnerHarness h{log};
};

TEST_F(SagaRunnerTest, RunsStepsInOrderMergingOutputsIntoData) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1", {{"userId", "u1"}, {"total", 50}}).ok());
  SentCommand reserve = one();
  EXPECT_EQ(reserve.target, "reserveStock");
  EXPECT_EQ(reserve.idempotency_key, "order-1:reserve_stock:action");
  EXPECT_EQ(reserve.input["userId"], "u1");
  EXPECT_EQ(reserve.deadline, h.time.now() + 1s);
  ASSERT_TRUE(h.runner.on_result(reserve.succeed({{"reservationId", "r-7"}})).ok());

  SentCommand charge = one();
  EXPECT_EQ(charge.target, "charge");
  EXPECT_EQ(charge.input["reservationId"], "r-7");
  ASSERT_TRUE(h.runner.on_result(charge.succeed({{"paymentId", "p-9"}, {"total", 51}})).ok());

  SentCommand confirm = one();
  EXPECT_EQ(confirm.target, "confirmOrder");
  ASSERT_TRUE(h.runner.on_result(confirm.succeed()).ok());

  const SagaInstance& saga = *h.runner.find("order-1");
  EXPECT_EQ(saga.state(), SagaState::kCompleted);
  EXPECT_EQ(saga.data(), json({{"userId", "u1"}, {"total", 51}, {"reservationId", "r-7"}, {"paymentId", "p-9"}}));
  ASSERT_EQ(saga.timeline().size(), 3u);
  EXPECT_EQ(saga.timeline()[2].outcome, AttemptOutcome::kSucceeded);
  EXPECT_EQ(h.runner.unfinished(), 0u);
  EXPECT_EQ(h.events.count("saga.state_changed"), 1);
  EXPECT_EQ(h.events.events.back().state, "COMPLETED");
  // The end sends no command, and is synced all the same.
  EXPECT_EQ(log.synced_records(), log.records().size());
}

TEST_F(SagaRunnerTest, WritesEachAttemptToTheLogAndSyncsItBeforeTheCommandLeaves) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  SentCommand reserve = one();
  // started + attempt_started were in the log, and synced, when the command went out.
  EXPECT_EQ(reserve.records_when_sent, 2u);
  EXPECT_GE(reserve.syncs_when_sent, 1u);
  EXPECT_EQ(log.records().back().type, RecordType::kAttemptStarted);
}

TEST_F(SagaRunnerTest, RetriesAFailedStepAfterExponentialBackoffOnVirtualTime) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("unavailable")).ok());
  EXPECT_TRUE(h.take().empty());
  h.time.run_for(99ms);
  EXPECT_TRUE(h.take().empty());
  h.time.run_for(1ms);
  SentCommand second = one();
  EXPECT_EQ(second.attempt, 2u);
  EXPECT_EQ(second.idempotency_key, "order-1:reserve_stock:action");  // the same key on every attempt
  ASSERT_TRUE(h.runner.on_result(second.fail("unavailable")).ok());
  h.time.run_for(199ms);
  EXPECT_TRUE(h.take().empty());
  h.time.run_for(1ms);
  EXPECT_EQ(one().attempt, 3u);
}

TEST_F(SagaRunnerTest, AStepThatOnlyFailedRetryablyIsCompensatedWhenItGivesUp) {
  // "unavailable" does not prove the reservation was not made (a copy of the request,
  // or an earlier one, may have landed), so giving up compensates it; a barrier makes
  // that a no-op if it was not.
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    if (attempt > 1) h.time.run_for(1s);  // the backoff
    ASSERT_TRUE(h.runner.on_result(one().fail("unavailable")).ok());
  }
  SentCommand release = one();
  EXPECT_EQ(release.target, "releaseStock");
  const Status answered = h.runner.on_result(release.succeed());
  ASSERT_TRUE(answered.ok()) << answered.message();
  EXPECT_EQ(state("order-1"), SagaState::kCompensated);
  EXPECT_NE(h.runner.find("order-1")->reason().find("failed after 3 attempt(s): unavailable"), std::string::npos);
}

TEST_F(SagaRunnerTest, AStepWhoseRequestsNeverLeftCompensatesNothing) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    StepResult rejected = one().fail("breaker_open");
    rejected.not_applied = true;  // the caller's breaker refused it: nothing was sent
    ASSERT_TRUE(h.runner.on_result(rejected).ok());
    h.time.run_for(1s);
  }
  EXPECT_EQ(state("order-1"), SagaState::kCompensated);
  EXPECT_TRUE(h.take().empty());
}

TEST_F(SagaRunnerTest, NonRetryableErrorsEndTheStepAtOnce) {
  SagaDefinition d = testing::create_order_saga();
  d.name = "Declines";
  d.steps[1].retry.non_retryable_errors = {"card_declined"};
  ASSERT_TRUE(h.runner.register_definition(d).ok());
  ASSERT_TRUE(h.runner.start("Declines", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("card_declined")).ok());
  // No retry: the saga compensates the reservation straight away.
  SentCommand release = one();
  EXPECT_EQ(release.target, "releaseStock");
  EXPECT_EQ(release.idempotency_key, "order-1:reserve_stock:compensation");
  // A participant can also refuse retries itself.
  ASSERT_TRUE(h.runner.start("Declines", "order-2").ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("invalid_items", /*retryable=*/false)).ok());
  EXPECT_EQ(state("order-2"), SagaState::kCompensated);
}

TEST_F(SagaRunnerTest, CompensatesCompletedStepsInReverseOrderOfCompletion) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1", {{"orderId", "o1"}}).ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed({{"reservationId", "r"}})).ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed({{"paymentId", "p"}})).ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("order_closed", false)).ok());  // the pivot fails outright
  EXPECT_EQ(state("order-1"), SagaState::kCompensating);
  SentCommand refund = one();
  EXPECT_EQ(refund.target, "refund");
  EXPECT_EQ(refund.input["paymentId"], "p");  // compensations see the outputs of completed steps
  ASSERT_TRUE(h.runner.on_result(refund.succeed()).ok());
  SentCommand release = one();
  EXPECT_EQ(release.target, "releaseStock");
  ASSERT_TRUE(h.runner.on_result(release.succeed()).ok());
  EXPECT_EQ(state("order-1"), SagaState::kCompensated);
  EXPECT_NE(h.runner.find("order-1")->reason().find("confirm_order"), std::string::npos);
}

TEST_F(SagaRunnerTest, RetriesACompensationUntilItSucceeds) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("x", false)).ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("unavailable")).ok());
  h.time.run_for(100ms);
  SentCommand again = one();
  EXPECT_EQ(again.operation, Operation::kCompensation);
  EXPECT_EQ(again.attempt, 2u);
  ASSERT_TRUE(h.runner.on_result(again.succeed()).ok());
  EXPECT_EQ(state("order-1"), SagaState::kCompensated);
}

TEST_F(SagaRunnerTest, ACompensationThatKeepsFailingNeedsAttentionWithTheReasonAsAnEvent) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("x", false)).ok());
  for (int attempt = 1; attempt <= 4; ++attempt) {  // compensation_retry allows 4
    ASSERT_TRUE(h.runner.on_result(one().fail("warehouse_down")).ok());
    h.time.run_next();  // the retry wait
  }
  const SagaInstance& saga = *h.runner.find("order-1");
  EXPECT_EQ(saga.state(), SagaState::kFailedNeedsAttention);
  EXPECT_NE(saga.reason().find("compensation of step \"reserve_stock\" failed after 4 attempt(s): warehouse_down"),
            std::string::npos);
  EXPECT_EQ(h.events.count("saga.needs_attention"), 1);
  EXPECT_EQ(h.runner.unfinished(), 0u);
}

TEST_F(SagaRunnerTest, ATimedOutAttemptFailsAsTimeoutAndItsLateAnswerIsIgnored) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  SentCommand first = one();
  h.time.run_for(1s);  // the step's timeout
  EXPECT_EQ(h.runner.find("order-1")->timeline()[0].outcome, AttemptOutcome::kTimedOut);
  Status late = h.runner.on_result(first.succeed());
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.events.count("saga.result_ignored"), 1);
  h.time.run_for(100ms);
  SentCommand second = one();
  EXPECT_EQ(second.attempt, 2u);
  ASSERT_TRUE(h.runner.on_result(second.succeed()).ok());
  EXPECT_EQ(one().target, "charge");
}

TEST_F(SagaRunnerTest, AStepWhoseOutcomeIsUnknownIsCompensatedToo) {
  SagaDefinition d = testing::create_order_saga();
  d.name = "OneTry";
  d.steps[1].retry.max_attempts = 1;
  ASSERT_TRUE(h.runner.register_definition(d).ok());
  ASSERT_TRUE(h.runner.start("OneTry", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  EXPECT_EQ(one().target, "charge");
  h.time.run_for(1s);  // the charge times out: it may have happened
  SentCommand refund = one();
  EXPECT_EQ(refund.target, "refund");
  ASSERT_TRUE(h.runner.on_result(refund.succeed()).ok());
  EXPECT_EQ(one().target, "releaseStock");
}

TEST_F(SagaRunnerTest, AfterThePivotRetriableStepsAreRetriedPastMaxAttemptsAndNeverCompensated) {
  run_to_the_notify_step();
  for (std::uint32_t attempt = 1; attempt <= 6; ++attempt) {  // max_attempts is 3
    SentCommand notify = one();
    EXPECT_EQ(notify.attempt, attempt);
    ASSERT_TRUE(h.runner.on_result(notify.fail("smtp_down")).ok());
    h.time.run_next();  // the retry wait
  }
  EXPECT_EQ(state("order-1"), SagaState::kRunning);
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  EXPECT_EQ(state("order-1"), SagaState::kCompleted);
}

TEST_F(SagaRunnerTest, ANonRetryableFailureAfterThePivotNeedsAttentionAndUndoesNothing) {
  run_to_the_notify_step();
  ASSERT_TRUE(h.runner.on_result(one().fail("no_such_address", false)).ok());
  EXPECT_EQ(state("order-1"), SagaState::kFailedNeedsAttention);
  EXPECT_NE(h.runner.find("order-1")->reason().find("after the pivot"), std::string::npos);
  EXPECT_TRUE(h.take().empty());  // no compensation went out
}

TEST_F(SagaRunnerTest, APivotWhoseOutcomeIsUnknownNeedsAttention) {
  SagaDefinition d = testing::create_order_saga();
  d.name = "ShyPivot";
  d.steps[2].retry.max_attempts = 1;
  ASSERT_TRUE(h.runner.register_definition(d).ok());
  ASSERT_TRUE(h.runner.start("ShyPivot", "order-1").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  EXPECT_EQ(one().target, "confirmOrder");
  h.time.run_for(1s);
  EXPECT_EQ(state("order-1"), SagaState::kFailedNeedsAttention);
  EXPECT_TRUE(h.take().empty());
}

class ParallelSagaTest : public SagaRunnerTest {
 protected:
  ParallelSagaTest() {
    SagaDefinition d;
    d.name = "Trip";
    d.steps.push_back(testing::step("book_flight", "bookFlight", "cancelFlight"));
    d.steps.push_back(testing::step("book_hotel", "bookHotel", "cancelHotel"));
    d.steps.push_back(testing::step("book_car", "bookCar", "cancelCar"));
    d.steps.push_back(testing::step("pay", "pay", "", StepKind::kPivot));
    for (int i = 1; i <= 2; ++i) d.steps[i].parallel_group = "bookings";
    d.steps[3].retry.max_attempts = 1;
    EXPECT_TRUE(h.runner.register_definition(d).ok());
  }
};

TEST_F(ParallelSagaTest, RunsAGroupTogetherAndMovesOnWhenAllSucceed) {
  ASSERT_TRUE(h.runner.start("Trip", "trip-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  std::vector<SentCommand> group = h.take();
  ASSERT_EQ(group.size(), 2u);
  EXPECT_EQ(group[0].target, "bookHotel");
  EXPECT_EQ(group[1].target, "bookCar");
  ASSERT_TRUE(h.runner.on_result(group[1].succeed({{"car", "c"}})).ok());
  EXPECT_TRUE(h.take().empty());  // waits for the hotel
  ASSERT_TRUE(h.runner.on_result(group[0].succeed({{"hotel", "h"}})).ok());
  SentCommand pay = one();
  EXPECT_EQ(pay.target, "pay");
  EXPECT_EQ(pay.input, json({{"car", "c"}, {"hotel", "h"}}));
}

TEST_F(ParallelSagaTest, CompensatesOnlyTheMembersThatCompletedInReverseOrderOfCompletion) {
  ASSERT_TRUE(h.runner.start("Trip", "trip-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());  // flight
  std::vector<SentCommand> group = h.take();
  ASSERT_TRUE(h.runner.on_result(group[0].fail("no_rooms", false)).ok());
  EXPECT_EQ(state("trip-1"), SagaState::kRunning);  // the car is still answering
  EXPECT_TRUE(h.take().empty());
  ASSERT_TRUE(h.runner.on_result(group[1].succeed()).ok());
  EXPECT_EQ(state("trip-1"), SagaState::kCompensating);
  SentCommand first = one();
  EXPECT_EQ(first.target, "cancelCar");  // completed last, undone first
  ASSERT_TRUE(h.runner.on_result(first.succeed()).ok());
  SentCommand second = one();
  EXPECT_EQ(second.target, "cancelFlight");
  ASSERT_TRUE(h.runner.on_result(second.succeed()).ok());
  EXPECT_EQ(state("trip-1"), SagaState::kCompensated);
}

TEST_F(ParallelSagaTest, AMemberWaitingToRetryStopsWhenAnotherGivesUp) {
  ASSERT_TRUE(h.runner.start("Trip", "trip-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  std::vector<SentCommand> group = h.take();
  ASSERT_TRUE(h.runner.on_result(group[1].fail("busy")).ok());  // the car will retry in 100ms
  ASSERT_TRUE(h.runner.on_result(group[0].fail("no_rooms", false)).ok());
  // The car's "busy" proves nothing, so it is undone too; the refused hotel is not.
  std::vector<std::string> undone;
  for (int turn = 0; turn < 3; ++turn) {
    for (SentCommand& command : h.take()) {
      undone.push_back(command.target);
      ASSERT_TRUE(h.runner.on_result(command.succeed()).ok());
    }
  }
  std::sort(undone.begin(), undone.end());
  EXPECT_EQ(undone, (std::vector<std::string>{"cancelCar", "cancelFlight"}));
  h.time.run_for(1s);
  EXPECT_TRUE(h.take().empty());  // no car retry
}

TEST_F(SagaRunnerTest, BadInputIsAClearErrorAndChangesNothing) {
  EXPECT_EQ(h.runner.start("NoSuchSaga", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(h.runner.start("CreateOrderSaga", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.runner.start("CreateOrderSaga", "x", json::array({1})).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(log.records().empty());
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "x").ok());
  EXPECT_EQ(h.runner.start("CreateOrderSaga", "x").code(), StatusCode::kFailedPrecondition);
  SentCommand reserve = one();
  EXPECT_EQ(h.runner.on_result(reserve.succeed(json::array({1, 2}))).code(), StatusCode::kInvalidArgument);
  StepResult unknown = reserve.succeed();
  unknown.saga_id = "nope";
  EXPECT_EQ(h.runner.on_result(unknown).code(), StatusCode::kNotFound);
  StepResult wrong_step = reserve.succeed();
  wrong_step.step = 9;
  EXPECT_EQ(h.runner.on_result(wrong_step).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.runner.find("x")->step(0).action.phase, Phase::kRunning);  // still waiting for a real answer
  EXPECT_EQ(h.runner.register_definition(testing::create_order_saga()).code(), StatusCode::kInvalidArgument);
}

TEST_F(SagaRunnerTest, ATimelineRecordsEveryAttempt) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "order-1").ok());
  ASSERT_TRUE(h.runner.on_result(one().fail("busy")).ok());
  h.time.run_for(100ms);
  h.time.run_for(1s);  // the second attempt times out
  h.time.run_for(200ms);
  ASSERT_TRUE(h.runner.on_result(h.take().back().succeed()).ok());
  const std::vector<AttemptEntry>& timeline = h.runner.find("order-1")->timeline();
  ASSERT_EQ(timeline.size(), 4u);
  EXPECT_EQ(timeline[0].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ(timeline[0].error_kind, "busy");
  EXPECT_EQ(timeline[1].outcome, AttemptOutcome::kTimedOut);
  EXPECT_EQ(timeline[1].ended - timeline[1].started, 1s);
  EXPECT_EQ(timeline[2].outcome, AttemptOutcome::kSucceeded);
  EXPECT_EQ(timeline[3].outcome, AttemptOutcome::kRunning);
  EXPECT_EQ(timeline[3].step, 1u);
}

TEST_F(SagaRunnerTest, WithoutAutoFlushCommandsWaitForOneSyncThatCoversManySagas) {
  InMemorySagaLog batch_log;
  RunnerHarness batched(batch_log, {.auto_flush = false});
  ASSERT_TRUE(batched.runner.register_definition(testing::create_order_saga()).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(batched.runner.start("CreateOrderSaga", "o" + std::to_string(i)).ok());
  EXPECT_TRUE(batched.sent.empty());
  ASSERT_TRUE(batched.runner.flush().ok());
  EXPECT_EQ(batched.sent.size(), 10u);
  EXPECT_EQ(batch_log.syncs(), 1u);
}

TEST_F(SagaRunnerTest, WithoutAutoFlushTheDriverHearsWhenAFlushIsNeededIncludingFromTimers) {
  InMemorySagaLog batch_log;
  int asked = 0;
  RunnerHarness batched(batch_log, {.auto_flush = false, .flush_needed = [&asked] { ++asked; }});
  ASSERT_TRUE(batched.runner.register_definition(testing::create_order_saga()).ok());
  ASSERT_TRUE(batched.runner.start("CreateOrderSaga", "o1").ok());
  EXPECT_GE(asked, 1);
  EXPECT_TRUE(batched.sent.empty());  // asked for, not done: the driver flushes
  ASSERT_TRUE(batched.runner.flush().ok());
  ASSERT_EQ(batched.sent.size(), 1u);
  // A failed attempt waits for its retry; the retry, started by the runner's own timer,
  // asks for a flush too.
  ASSERT_TRUE(batched.runner.on_result(batched.take()[0].fail("busy")).ok());
  ASSERT_TRUE(batched.runner.flush().ok());
  asked = 0;
  ASSERT_TRUE(batched.time.run_next());  // the retry's backoff ends
  EXPECT_GE(asked, 1);
  EXPECT_TRUE(batched.sent.empty());
  ASSERT_TRUE(batched.runner.flush().ok());
  ASSERT_EQ(batched.sent.size(), 1u);
  EXPECT_EQ(batched.sent[0].attempt, 2u);
}

// A log whose sync fails once told to, like a full disk.
class FailingLog final : public SagaLog {
 public:
  Status append(SagaRecord&& record) override { return inner.append(std::move(record)); }
  Status sync() override { return fail ? Status(StatusCode::kUnavailable, "disk full") : inner.sync(); }
  Status load(const Visitor& visit) const override { return inner.load(visit); }
  Status erase(std::span<const std::string> ids) override { return inner.erase(ids); }

  InMemorySagaLog inner;
  bool fail = false;
};

TEST(SagaRunnerLogFailureTest, AFailingLogStopsTheRunnerAndNoCommandLeaves) {
  FailingLog log;
  RunnerHarness h(log);
  ASSERT_TRUE(h.runner.register_definition(testing::create_order_saga()).ok());
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "a").ok());
  std::vector<SentCommand> sent = h.take();
  ASSERT_EQ(sent.size(), 1u);
  log.fail = true;
  Status failed = h.runner.on_result(sent[0].succeed());
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("disk full"), std::string::npos);
  EXPECT_TRUE(h.take().empty());  // the charge was never sent: its record is not durable
  log.fail = false;
  EXPECT_EQ(h.runner.start("CreateOrderSaga", "b").message(), failed.message());  // stopped for good
  h.time.run_for(std::chrono::minutes(1));
  EXPECT_TRUE(h.take().empty());
  EXPECT_EQ(h.events.count("saga.log_failed"), 1);
}

TEST_F(SagaRunnerTest, ForgetsFinishedSagasInMemoryAndInTheLog) {
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "done").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.runner.on_result(one().succeed()).ok());
  ASSERT_TRUE(h.runner.start("CreateOrderSaga", "busy").ok());
  Result<std::size_t> forgotten = h.runner.forget_finished();
  ASSERT_TRUE(forgotten.ok());
  EXPECT_EQ(*forgotten, 1u);
  EXPECT_EQ(h.runner.find("done"), nullptr);
  EXPECT_NE(h.runner.find("busy"), nullptr);
  for (const SagaRecord& record : log.records()) EXPECT_EQ(record.saga_id, "busy");
}

}  // namespace
}  // namespace sluice::saga
