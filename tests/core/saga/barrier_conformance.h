// barrier_conformance.h: the barrier cases every BarrierStore must pass (DTM's
// semantics), instantiated for the in-memory store here and for SQLite in
// tests/native/saga.
#ifndef SLUICE_TESTS_CORE_SAGA_BARRIER_CONFORMANCE_H_
#define SLUICE_TESTS_CORE_SAGA_BARRIER_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/saga/barrier.h"

namespace sluice::saga::testing {

// BarrierBackend: how a test gets a store, and another connection to the same rows
// (the same object for in-memory stores).
struct BarrierBackend {
  std::string name;
  std::function<std::shared_ptr<BarrierStore>()> open;
  std::function<std::shared_ptr<BarrierStore>(const std::shared_ptr<BarrierStore>&)> another_connection;
  int race_rounds = 300;
};

class BarrierConformance : public ::testing::TestWithParam<BarrierBackend> {
 protected:
  BarrierConformance() : store(GetParam().open()), barrier(*store) {}

  Result<BarrierResult> call(Operation operation, const std::string& output = "ok") {
    return run_barrier(barrier, key, operation, [&, output]() -> Result<std::string> {
      ++(operation == Operation::kAction ? actions : compensations);
      return output;
    });
  }
  BarrierOutcome outcome(Operation operation) { return call(operation)->outcome; }

  std::shared_ptr<BarrierStore> store;
  BarrierStore& barrier;
  BarrierKey key{"order-1", "charge_payment"};
  int actions = 0;
  int compensations = 0;
};

TEST_P(BarrierConformance, AnActionRunsOnceAndADuplicateAnswersWhatTheFirstDid) {
  Result<BarrierResult> first = call(Operation::kAction, R"({"paymentId":"p-1"})");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, BarrierOutcome::kExecuted);
  Result<BarrierResult> again = call(Operation::kAction, "different");
  EXPECT_EQ(again->outcome, BarrierOutcome::kDuplicate);
  EXPECT_EQ(again->output, R"({"paymentId":"p-1"})");
  EXPECT_EQ(actions, 1);
}

TEST_P(BarrierConformance, ACompensationAfterItsActionRunsOnce) {
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kExecuted);
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kExecuted);
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kDuplicate);
  EXPECT_EQ(compensations, 1);
}

TEST_P(BarrierConformance, ACompensationWithoutItsActionIsANullCompensation) {
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kNullCompensation);
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kDuplicate);
  EXPECT_EQ(compensations, 0);
}

TEST_P(BarrierConformance, AnActionArrivingAfterItsCompensationIsHangingAndDoesNothing) {
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kNullCompensation);
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kHanging);
  EXPECT_EQ(actions, 0);
}

TEST_P(BarrierConformance, AFailedBusinessCallRecordsNothingSoARetryRunsIt) {
  Result<BarrierResult> failed = run_barrier(
      barrier, key, Operation::kAction, []() -> Result<std::string> { return Status::invalid_argument("db down"); });
  EXPECT_EQ(failed.status().message(), "db down");
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kExecuted);
  // The same for a compensation: its rows go, the action's row stays.
  Result<BarrierResult> failed_undo = run_barrier(
      barrier, key, Operation::kCompensation, []() -> Result<std::string> { return Status::invalid_argument("no"); });
  EXPECT_FALSE(failed_undo.ok());
  EXPECT_EQ(outcome(Operation::kCompensation), BarrierOutcome::kExecuted);
}

TEST_P(BarrierConformance, KeysAreIndependentPerSagaAndStep) {
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kExecuted);
  key = {"order-2", "charge_payment"};
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kExecuted);
  key = {"order-2", "reserve_stock"};
  EXPECT_EQ(outcome(Operation::kAction), BarrierOutcome::kExecuted);
  EXPECT_EQ(actions, 3);
  EXPECT_FALSE(run_barrier(barrier, {"", "x"}, Operation::kAction, [] { return Result<std::string>(""); }).ok());
}

// The race DTM's barrier exists for: an action and its compensation arrive at once.
// Either the action runs and then the compensation undoes it, or the compensation is
// null and the action hangs; never an action left in place with its undo skipped.
TEST_P(BarrierConformance, AnActionAndItsCompensationRacingNeverLeaveTheActionApplied) {
  int action_first = 0;
  int compensation_first = 0;
  const int rounds = GetParam().race_rounds;
  std::shared_ptr<BarrierStore> other = GetParam().another_connection(store);
  for (int round = 0; round < rounds; ++round) {
    const std::string saga = "order-" + std::to_string(round);
    std::atomic<int> balance = 0;
    std::atomic<bool> go = false;
    BarrierOutcome action_outcome{};
    BarrierOutcome compensation_outcome{};
    std::thread action([&] {
      while (!go) {
      }
      action_outcome = run_barrier(*store, {saga, "charge"}, Operation::kAction, [&]() -> Result<std::string> {
                         ++balance;
                         return std::string();
                       })->outcome;
    });
    std::thread compensation([&] {
      while (!go) {
      }
      compensation_outcome =
          run_barrier(*other, {saga, "charge"}, Operation::kCompensation, [&]() -> Result<std::string> {
            --balance;
            return std::string();
          })->outcome;
    });
    go = true;
    action.join();
    compensation.join();
    EXPECT_EQ(balance, 0);
    if (action_outcome == BarrierOutcome::kExecuted) {
      EXPECT_EQ(compensation_outcome, BarrierOutcome::kExecuted);
      ++action_first;
    } else {
      EXPECT_EQ(action_outcome, BarrierOutcome::kHanging);
      EXPECT_EQ(compensation_outcome, BarrierOutcome::kNullCompensation);
      ++compensation_first;
    }
  }
  EXPECT_EQ(action_first + compensation_first, rounds);
}

}  // namespace sluice::saga::testing

#endif  // SLUICE_TESTS_CORE_SAGA_BARRIER_CONFORMANCE_H_
