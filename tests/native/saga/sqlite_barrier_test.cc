#include "native/saga/sqlite_barrier.h"

#include <gtest/gtest.h>

#include "tests/core/saga/barrier_conformance.h"
#include "tests/native/saga/sqlite_test_dir.h"

namespace sluice::native {
namespace {

using saga::BarrierOutcome;
using saga::BarrierResult;
using saga::BarrierStore;
using saga::Operation;
using saga::testing::BarrierConformance;

std::shared_ptr<SqliteBarrier> open_barrier(const std::string& path) {
  Result<std::unique_ptr<SqliteBarrier>> barrier = SqliteBarrier::open(path);
  EXPECT_TRUE(barrier.ok()) << barrier.status().message();
  return std::shared_ptr<SqliteBarrier>(*std::move(barrier));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, BarrierConformance,
                         ::testing::Values(saga::testing::BarrierBackend{
                             .name = "sqlite",
                             .open = [] { return open_barrier(testing::fresh_db_path("barrier")); },
                             // Another connection, as another process or thread of the participant would have.
                             .another_connection =
                                 [](const std::shared_ptr<BarrierStore>& first) {
                                   const char* path =
                                       sqlite3_db_filename(static_cast<SqliteBarrier&>(*first).db().handle(), "main");
                                   return std::shared_ptr<BarrierStore>(open_barrier(path));
                                 },
                             .race_rounds = 200}));

int balance(SqliteDb& db) {
  auto select = *db.prepare("SELECT amount FROM balance");
  return *select.step() ? static_cast<int>(select.column_int(0)) : -1;
}

TEST(SqliteBarrierTest, TheBusinessWriteCommitsOrRollsBackWithTheBarrierRows) {
  auto barrier = open_barrier(testing::fresh_db_path("barrier"));
  SqliteDb& db = barrier->db();
  ASSERT_TRUE(db.exec("CREATE TABLE balance (amount INTEGER); INSERT INTO balance VALUES (100)").ok());
  const saga::BarrierKey key{"order-1", "charge_payment"};
  // The write happens, then the business call fails: both it and the barrier row go.
  Result<BarrierResult> failed = run_barrier(*barrier, key, Operation::kAction, [&]() -> Result<std::string> {
    SLUICE_RETURN_IF_ERROR(db.exec("UPDATE balance SET amount = amount - 30"));
    return Status::invalid_argument("card_declined");
  });
  EXPECT_EQ(failed.status().message(), "card_declined");
  EXPECT_EQ(balance(db), 100);
  auto charge = [&]() -> Result<std::string> {
    SLUICE_RETURN_IF_ERROR(db.exec("UPDATE balance SET amount = amount - 30"));
    return std::string(R"({"paymentId":"p-1"})");
  };
  EXPECT_EQ(run_barrier(*barrier, key, Operation::kAction, charge)->outcome, BarrierOutcome::kExecuted);
  Result<BarrierResult> duplicate = run_barrier(*barrier, key, Operation::kAction, charge);
  EXPECT_EQ(duplicate->outcome, BarrierOutcome::kDuplicate);
  EXPECT_EQ(duplicate->output, R"({"paymentId":"p-1"})");
  EXPECT_EQ(balance(db), 70);
}

}  // namespace
}  // namespace sluice::native
