#include "native/saga/sqlite_saga_log.h"

#include <gtest/gtest.h>

#include "core/saga/saga_runner.h"
#include "native/sqlite/sqlite_db.h"
#include "tests/core/saga/saga_test_support.h"
#include "tests/native/saga/sqlite_test_dir.h"

namespace sluice::native {
namespace {

using saga::RecordType;
using saga::SagaRecord;

std::vector<SagaRecord> load_all(const saga::SagaLog& log) {
  std::vector<SagaRecord> out;
  EXPECT_TRUE(log.load([&](SagaRecord r) { out.push_back(std::move(r)); }).ok());
  return out;
}

TEST(SqliteSagaLogTest, RecordsAreDurableOnlyOnceSyncedAndOneSyncIsOneCommit) {
  const std::string path = testing::fresh_db_path("log");
  {
    auto log = *SqliteSagaLog::open(path);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(log->append({.type = RecordType::kStarted,
                               .saga_id = "s" + std::to_string(i),
                               .definition = "D",
                               .data = {{"i", i}}})
                      .ok());
    }
    ASSERT_TRUE(log->sync().ok());
    EXPECT_EQ(log->commits(), 1u);
    ASSERT_TRUE(log->append({.type = RecordType::kStarted, .saga_id = "lost", .definition = "D"}).ok());
    // Closed without sync: the last record was never durable.
  }
  auto reopened = *SqliteSagaLog::open(path);
  std::vector<SagaRecord> records = load_all(*reopened);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[3].saga_id, "s3");
  EXPECT_EQ(records[3].data["i"], 3);
  EXPECT_EQ(reopened->sync().ok(), true);
  EXPECT_EQ(reopened->commits(), 0u);  // nothing pending, no commit
}

TEST(SqliteSagaLogTest, CompactsBelowTheOldestLiveSagaInTheNextCommit) {
  auto log = *SqliteSagaLog::open(testing::fresh_db_path("log"));
  for (const char* id : {"a", "b", "c", "a", "b", "c"}) {
    ASSERT_TRUE(log->append({.type = RecordType::kStarted, .saga_id = id, .definition = "D"}).ok());
  }
  ASSERT_TRUE(log->sync().ok());
  const std::vector<std::string> b_and_c = {"b", "c"};
  ASSERT_TRUE(log->erase(b_and_c).ok());
  ASSERT_TRUE(log->sync().ok());
  EXPECT_EQ(*log->rows(), 6);  // "a" is live and oldest: nothing below it to drop
  const std::vector<std::string> a = {"a"};
  ASSERT_TRUE(log->erase(a).ok());
  ASSERT_TRUE(log->append({.type = RecordType::kStarted, .saga_id = "d", .definition = "D"}).ok());
  ASSERT_TRUE(log->sync().ok());  // one commit: d's record in, a, b and c out
  EXPECT_EQ(log->commits(), 2u);
  std::vector<SagaRecord> left = load_all(*log);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].saga_id, "d");
}

TEST(SqliteSagaLogTest, AReopenedLogKnowsWhichSagasItHolds) {
  const std::string path = testing::fresh_db_path("log");
  {
    auto log = *SqliteSagaLog::open(path);
    for (const char* id : {"a", "b"}) {
      ASSERT_TRUE(log->append({.type = RecordType::kStarted, .saga_id = id, .definition = "D"}).ok());
    }
    ASSERT_TRUE(log->sync().ok());
  }
  auto reopened = *SqliteSagaLog::open(path);
  const std::vector<std::string> a = {"a"};
  ASSERT_TRUE(reopened->erase(a).ok());
  ASSERT_TRUE(reopened->sync().ok());
  std::vector<SagaRecord> left = load_all(*reopened);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].saga_id, "b");
}

TEST(SqliteSagaLogTest, UsesWalWithFullSync) {
  const std::string path = testing::fresh_db_path("log");
  auto log = *SqliteSagaLog::open(path);
  auto db = *SqliteDb::open(path);
  auto mode = *db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(*mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
}

TEST(SqliteSagaLogTest, ACorruptRowIsAnErrorNamingTheRow) {
  const std::string path = testing::fresh_db_path("log");
  auto log = *SqliteSagaLog::open(path);
  auto db = *SqliteDb::open(path);
  ASSERT_TRUE(db.exec("INSERT INTO saga_log (saga_id, record) VALUES ('x', '{\"type\": \"boom\"}')").ok());
  Status loaded = log->load([](SagaRecord) {});
  EXPECT_EQ(loaded.message(), "saga log row 1: saga record: \"type\" has an unknown value \"boom\"");
}

TEST(SqliteSagaLogTest, ARunnerOnAReopenedLogResumesTheSagaWithTheSameKey) {
  const std::string path = testing::fresh_db_path("log");
  std::string key_before;
  {
    auto log = *SqliteSagaLog::open(path);
    saga::testing::RunnerHarness first(*log);
    ASSERT_TRUE(first.runner.register_definition(saga::testing::create_order_saga()).ok());
    ASSERT_TRUE(first.runner.start("CreateOrderSaga", "order-1", {{"userId", "u"}}).ok());
    ASSERT_TRUE(first.runner.on_result(first.take().front().succeed({{"reservationId", "r"}})).ok());
    key_before = first.take().front().idempotency_key;
  }
  auto log = *SqliteSagaLog::open(path);
  saga::testing::RunnerHarness second(*log);
  ASSERT_TRUE(second.runner.register_definition(saga::testing::create_order_saga()).ok());
  Result<std::size_t> resumed = second.runner.recover();
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(*resumed, 1u);
  std::vector<saga::testing::SentCommand> sent = second.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].idempotency_key, key_before);
  EXPECT_EQ(sent[0].attempt, 1u);
  EXPECT_EQ(sent[0].input["reservationId"], "r");
}

TEST(SqliteSagaLogTest, AnUnwritableDatabaseIsAClearError) {
  Result<std::unique_ptr<SqliteSagaLog>> log = SqliteSagaLog::open("/nonexistent-dir/sagas.db");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/nonexistent-dir/sagas.db"), std::string::npos);
}

}  // namespace
}  // namespace sluice::native
