// The SQLite journal behind --data_dir: a broker rebuilt from it after its process is
// gone serves what was committed, and nothing that was not.
#include "native/broker_server/sqlite_broker_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/in_memory_broker.h"
#include "core/time/virtual_time.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;
using broker::BrokerMessage;
using broker::InMemoryBroker;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Life: one run of the broker process: its clock, broker and journal.
struct Life {
  explicit Life(const std::string& path) {
    auto opened = SqliteBrokerJournal::open(path, time);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    journal = *std::move(opened);
    auto result = journal->restore(broker);
    EXPECT_TRUE(result.ok()) << result.status().message();
    if (result.ok()) restored = *result;
  }
  ~Life() { broker.set_journal(nullptr); }

  std::vector<BrokerMessage> receive(std::string_view queue) {
    std::optional<Result<std::vector<BrokerMessage>>> answer;
    broker.receive(queue, {.max_messages = 10, .wait = 0s}, [&](Result<std::vector<BrokerMessage>> r) { answer = r; });
    time.run_for(0s);
    EXPECT_TRUE(answer && answer->ok());
    return answer && answer->ok() ? **answer : std::vector<BrokerMessage>{};
  }

  void commit() { ASSERT_TRUE(journal->commit().ok()); }

  time::VirtualTime time;
  InMemoryBroker broker{time, time::Prng(5)};
  std::unique_ptr<SqliteBrokerJournal> journal;
  SqliteBrokerJournal::Restored restored;
};

std::vector<std::string> bodies(const std::vector<BrokerMessage>& messages) {
  std::vector<std::string> out;
  for (const BrokerMessage& m : messages) out.push_back(m.message.body);
  return out;
}

class SqliteBrokerJournalTest : public ::testing::Test {
 protected:
  SqliteBrokerJournalTest() {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  std::string path_;
};

TEST_F(SqliteBrokerJournalTest, ARestartServesWhatWasCommitted) {
  const broker::MessageAttributes attributes{{"kind", {"String", "created", ""}},
                                             {"blob", {"Binary", "", std::string("\0\1\xff", 3)}}};
  std::string in_flight_id;
  std::vector<std::string> fifo_ids;
  {
    Life first(path_);
    ASSERT_TRUE(first.broker.create_queue("orders", {.visibility_timeout = 45s}).ok());
    ASSERT_TRUE(first.broker.create_queue("late-dlq", {}).ok());  // younger than its source
    ASSERT_TRUE(first.broker
                    .set_queue_attributes("orders",
                                          {.visibility_timeout = 45s, .redrive = broker::RedrivePolicy{"late-dlq", 3}})
                    .ok());
    ASSERT_TRUE(first.broker.create_queue("jobs.fifo", {.fifo = true}).ok());
    ASSERT_TRUE(first.broker.declare_exchange("events", broker::ExchangeType::kFanout).ok());
    ASSERT_TRUE(first.broker.bind_queue("orders", "events", "", {}).ok());
    in_flight_id = first.broker.send("orders", {.body = "one", .attributes = attributes})->message_id;
    ASSERT_TRUE(first.broker.send("orders", {.body = "two"}).ok());
    for (const char* body : {"f1", "f2"}) {
      fifo_ids.push_back(
          first.broker.send("jobs.fifo", {.body = body, .group_id = "g", .deduplication_id = body})->message_id);
    }
    EXPECT_THAT(bodies(first.receive("orders")), ElementsAre("one", "two"));
    first.commit();
  }  // the process is gone

  Life second(path_);
  EXPECT_EQ(second.restored.queues, 3u);
  EXPECT_EQ(second.restored.messages, 4u);
  EXPECT_EQ(second.restored.deduplications, 2u);
  EXPECT_EQ(second.restored.exchanges, 1u);
  EXPECT_EQ(second.restored.bindings, 1u);
  EXPECT_EQ(second.broker.queue_config("orders")->redrive, (broker::RedrivePolicy{"late-dlq", 3}));
  EXPECT_EQ(second.broker.queue_config("orders")->visibility_timeout, 45s);

  // What was in flight is visible again, with its receive count, id and attributes.
  const std::vector<BrokerMessage> orders = second.receive("orders");
  ASSERT_THAT(bodies(orders), ElementsAre("one", "two"));
  EXPECT_EQ(orders[0].message.message_id, in_flight_id);
  EXPECT_EQ(orders[0].message.attributes, attributes);
  EXPECT_EQ(orders[0].message.receive_count, 2u);

  // FIFO: order, ids and the deduplication window survive.
  const std::vector<BrokerMessage> jobs = second.receive("jobs.fifo");
  ASSERT_THAT(bodies(jobs), ElementsAre("f1", "f2"));
  EXPECT_EQ(jobs[1].message.message_id, fifo_ids[1]);
  Result<broker::BrokerSendResult> again =
      second.broker.send("jobs.fifo", {.body = "f1", .group_id = "g", .deduplication_id = "f1"});
  EXPECT_TRUE(again->deduplicated);
  EXPECT_EQ(again->message_id, fifo_ids[0]);

  // The binding routes again.
  EXPECT_THAT(*second.broker.publish("events", "", {}, {.body = "three"}, false), ElementsAre("orders"));
}

TEST_F(SqliteBrokerJournalTest, WhatWasNotCommittedIsGoneAsAfterACrash) {
  {
    Life first(path_);
    ASSERT_TRUE(first.broker.create_queue("orders", {}).ok());
    ASSERT_TRUE(first.broker.send("orders", {.body = "kept"}).ok());
    first.commit();
    ASSERT_TRUE(first.broker.send("orders", {.body = "lost"}).ok());
    EXPECT_TRUE(first.journal->has_uncommitted());
  }
  Life second(path_);
  EXPECT_THAT(bodies(second.receive("orders")), ElementsAre("kept"));
}

TEST_F(SqliteBrokerJournalTest, DeletesPurgesExpiriesAndDeletedQueuesStayGone) {
  {
    Life first(path_);
    ASSERT_TRUE(first.broker.create_queue("orders", {}).ok());
    ASSERT_TRUE(first.broker.create_queue("scratch", {}).ok());
    ASSERT_TRUE(first.broker.create_queue("emptied", {}).ok());
    ASSERT_TRUE(first.broker.create_queue("short", {.retention = 60s}).ok());
    for (const char* body : {"a", "b"}) ASSERT_TRUE(first.broker.send("orders", {.body = body}).ok());
    ASSERT_TRUE(first.broker.send("scratch", {.body = "s"}).ok());
    ASSERT_TRUE(first.broker.send("emptied", {.body = "e"}).ok());
    ASSERT_TRUE(first.broker.send("short", {.body = "old"}).ok());
    const std::vector<BrokerMessage> received = first.receive("orders");
    ASSERT_EQ(received.size(), 2u);
    ASSERT_TRUE(first.broker.delete_message("orders", received[0].message.receipt_handle).ok());
    ASSERT_TRUE(first.broker.delete_queue("scratch").ok());
    ASSERT_TRUE(first.broker.purge("emptied").ok());
    first.time.run_for(61s);  // "old" expires
    first.commit();
  }
  Life second(path_);
  EXPECT_THAT(second.broker.list_queues(""), ElementsAre("emptied", "orders", "short"));
  EXPECT_THAT(bodies(second.receive("orders")), ElementsAre("b"));
  EXPECT_THAT(second.receive("emptied"), IsEmpty());
  EXPECT_THAT(second.receive("short"), IsEmpty());
}

TEST_F(SqliteBrokerJournalTest, DelaysAndRetentionCountInRealTimeAcrossARestart) {
  {
    Life first(path_);
    ASSERT_TRUE(first.broker.create_queue("orders", {}).ok());
    ASSERT_TRUE(first.broker.send("orders", {.body = "later", .delay = 60s}).ok());
    first.commit();
  }
  // The new process's clock starts again from zero; the delay still ends 60 s after
  // the send in real time (this test restarts within a second of it).
  Life second(path_);
  second.time.run_for(58s);
  EXPECT_THAT(second.receive("orders"), IsEmpty());
  second.time.run_for(2s);
  EXPECT_THAT(bodies(second.receive("orders")), ElementsAre("later"));
}

TEST_F(SqliteBrokerJournalTest, AFailedWriteFailsThisAndEveryLaterCommit) {
  Life life(path_);
  ASSERT_TRUE(life.broker.create_queue("orders", {}).ok());
  life.commit();
  // Another connection takes the table away: the next write cannot succeed.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "DROP TABLE messages", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(life.broker.send("orders", {.body = "x"}).ok());  // in memory; the journal fails
  const Status first = life.journal->commit();
  EXPECT_FALSE(first.ok());
  EXPECT_THAT(first.message(), ::testing::HasSubstr("messages"));
  EXPECT_EQ(life.journal->commit().message(), first.message());
}

}  // namespace
}  // namespace sluice::native
