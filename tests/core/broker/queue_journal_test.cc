// The broker's journal hears every change to SQS queues, and a broker restored from
// what it heard serves the same messages, receive counts, FIFO order and deduplication.
#include "core/broker/queue_journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/in_memory_broker.h"
#include "core/broker/sqs_rules.h"
#include "core/time/virtual_time.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// MirrorJournal: a model durable store. It keeps what a restart needs, and a log line
// per call (messages named by body) to assert on.
class MirrorJournal final : public QueueJournal {
 public:
  struct Message {
    std::string queue, id, body;
    MessageAttributes attributes;
    time::Instant sent_at, visible_at, first_received_at;
    std::uint32_t receive_count;
    std::string group_id;
    std::uint64_t sequence;
  };
  struct Deduplication {
    std::string queue, key, message_id;
    std::uint64_t sequence;
    time::Instant expires;
  };

  void queue_configured(std::string_view queue, const QueueConfig& config) override {
    log.push_back("configured " + std::string(queue));
    const auto it = std::find_if(queues.begin(), queues.end(), [&](const auto& q) { return q.first == queue; });
    if (it == queues.end()) {
      queues.emplace_back(queue, config);
    } else {
      it->second = config;
    }
  }
  void queue_deleted(std::string_view queue) override {
    log.push_back("deleted " + std::string(queue));
    std::erase_if(queues, [&](const auto& q) { return q.first == queue; });
    std::erase_if(messages, [&](const Message& m) { return m.queue == queue; });
  }
  void exchange_declared(std::string_view exchange, ExchangeType) override {
    log.push_back("exchange " + std::string(exchange));
  }
  void queue_bound(std::string_view queue, std::string_view exchange, std::string_view key, const Headers&) override {
    log.push_back("bound " + std::string(queue) + " " + std::string(exchange) + " " + std::string(key));
  }
  void message_stored(std::string_view queue, const JournaledMessage& m) override {
    log.push_back("stored " + std::string(queue) + " " + std::string(m.body) + " " + std::to_string(m.receive_count));
    messages.push_back(Message{std::string(queue), std::string(m.message_id), std::string(m.body),
                               m.attributes ? *m.attributes : MessageAttributes{}, m.sent_at, m.visible_at,
                               m.first_received_at, m.receive_count, std::string(m.group_id), m.sequence});
  }
  void message_received(std::string_view queue, std::string_view id, std::uint32_t count,
                        time::Instant first) override {
    Message& m = find(queue, id);
    log.push_back("received " + std::string(queue) + " " + m.body + " " + std::to_string(count));
    m.receive_count = count;
    m.first_received_at = first;
  }
  void message_removed(std::string_view queue, std::string_view id) override {
    log.push_back("removed " + std::string(queue) + " " + find(queue, id).body);
    std::erase_if(messages, [&](const Message& m) { return m.queue == queue && m.id == id; });
  }
  void queue_purged(std::string_view queue) override {
    log.push_back("purged " + std::string(queue));
    std::erase_if(messages, [&](const Message& m) { return m.queue == queue; });
  }
  void deduplication_recorded(std::string_view queue, std::string_view key, std::string_view id, std::uint64_t sequence,
                              time::Instant expires) override {
    log.push_back("deduplication " + std::string(queue) + " " + std::string(key));
    deduplications.push_back({std::string(queue), std::string(key), std::string(id), sequence, expires});
  }

  // restore_into: what a restart does with the store: queues (dead-letter targets
  // first, by setting redrive policies after every queue exists), then messages in the
  // order they were stored, then deduplication entries.
  void restore_into(InMemoryBroker& broker) const {
    for (const auto& [name, config] : queues) {
      QueueConfig without_redrive = config;
      without_redrive.redrive.reset();
      ASSERT_TRUE(broker.create_queue(name, without_redrive).ok()) << name;
    }
    for (const auto& [name, config] : queues) {
      if (config.redrive) {
        ASSERT_TRUE(broker.set_queue_attributes(name, config).ok()) << name;
      }
    }
    for (const Message& m : messages) {
      ASSERT_TRUE(
          broker
              .restore_message(m.queue, {m.id, m.body, m.attributes.empty() ? nullptr : &m.attributes, m.sent_at,
                                         m.visible_at, m.receive_count, m.first_received_at, m.group_id, m.sequence})
              .ok())
          << m.body;
    }
    for (const Deduplication& d : deduplications) {
      ASSERT_TRUE(broker.restore_deduplication(d.queue, d.key, d.message_id, d.sequence, d.expires).ok());
    }
  }

  std::vector<std::string> log;
  std::vector<std::pair<std::string, QueueConfig>> queues;
  std::vector<Message> messages;
  std::vector<Deduplication> deduplications;

 private:
  Message& find(std::string_view queue, std::string_view id) {
    const auto it = std::find_if(messages.begin(), messages.end(),
                                 [&](const Message& m) { return m.queue == queue && m.id == id; });
    EXPECT_NE(it, messages.end()) << "the journal never heard of " << id << " in " << queue;
    return *it;
  }
};

class QueueJournalTest : public ::testing::Test {
 protected:
  QueueJournalTest() { broker_.set_journal(&journal_); }

  std::vector<BrokerMessage> receive(InMemoryBroker& broker, std::string_view queue) {
    std::optional<Result<std::vector<BrokerMessage>>> answer;
    broker.receive(queue, {.max_messages = 10, .wait = 0s}, [&](Result<std::vector<BrokerMessage>> r) { answer = r; });
    time_.run_for(0s);
    EXPECT_TRUE(answer && answer->ok());
    return answer && answer->ok() ? **answer : std::vector<BrokerMessage>{};
  }

  // restart: the first broker stops being heard (it is gone, as after a crash; its
  // timers still run on the shared timeline) and a new one is rebuilt from the journal.
  std::unique_ptr<InMemoryBroker> restart() {
    broker_.set_journal(nullptr);
    auto restarted = std::make_unique<InMemoryBroker>(time_, time::Prng(99));
    journal_.restore_into(*restarted);
    restarted->set_journal(&journal_);
    return restarted;
  }

  static std::vector<std::string> bodies(const std::vector<BrokerMessage>& messages) {
    std::vector<std::string> out;
    for (const BrokerMessage& m : messages) out.push_back(m.message.body);
    return out;
  }

  time::VirtualTime time_;
  MirrorJournal journal_;
  InMemoryBroker broker_{time_, time::Prng(3)};
};

TEST_F(QueueJournalTest, HearsEveryChangeToSqsQueuesExchangesAndBindings) {
  ASSERT_TRUE(broker_.create_queue("orders-dlq", {}).ok());
  ASSERT_TRUE(broker_.create_queue("orders", {.redrive = RedrivePolicy{"orders-dlq", 1}}).ok());
  ASSERT_TRUE(broker_.declare_exchange("events", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_.bind_queue("orders", "events", "", {}).ok());
  ASSERT_TRUE(broker_.declare_amqp_queue("audit", {}).ok());
  ASSERT_TRUE(broker_.bind_queue("audit", "events", "", {}).ok());  // AMQP queues are not journaled

  ASSERT_TRUE(broker_.send("orders", {.body = "a"}).ok());
  EXPECT_THAT(bodies(receive(broker_, "orders")), ElementsAre("a"));
  time_.run_for(31s);                                  // its visibility ends: not journaled
  EXPECT_THAT(receive(broker_, "orders"), IsEmpty());  // past maxReceiveCount: to the DLQ
  ASSERT_TRUE(broker_.publish("events", "", {}, {.body = "b"}, false).ok());
  const std::vector<BrokerMessage> b = receive(broker_, "orders");
  ASSERT_EQ(b.size(), 1u);
  ASSERT_TRUE(broker_.delete_message("orders", b[0].message.receipt_handle).ok());
  ASSERT_TRUE(broker_.purge("orders-dlq").ok());
  ASSERT_TRUE(broker_.set_queue_attributes("orders", {.visibility_timeout = 5s}).ok());
  ASSERT_TRUE(broker_.delete_queue("orders").ok());

  EXPECT_THAT(journal_.log,
              ElementsAre("configured orders-dlq", "configured orders", "exchange events", "bound orders events ",
                          "stored orders a 0", "received orders a 1", "removed orders a", "stored orders-dlq a 0",
                          "stored orders b 0", "received orders b 1", "removed orders b", "purged orders-dlq",
                          "configured orders", "deleted orders"));
}

TEST_F(QueueJournalTest, HearsExpiryAndFifoDeduplication) {
  ASSERT_TRUE(broker_.create_queue("short", {.retention = 60s}).ok());
  ASSERT_TRUE(broker_.send("short", {.body = "old"}).ok());
  ASSERT_TRUE(broker_.create_queue("jobs.fifo", {.fifo = true}).ok());
  ASSERT_TRUE(broker_.send("jobs.fifo", {.body = "j", .group_id = "g", .deduplication_id = "d1"}).ok());
  ASSERT_TRUE(broker_.send("jobs.fifo", {.body = "j", .group_id = "g", .deduplication_id = "d1"})->deduplicated);
  time_.run_for(61s);
  EXPECT_THAT(journal_.log, ElementsAre("configured short", "stored short old 0", "configured jobs.fifo",
                                        "stored jobs.fifo j 0", "deduplication jobs.fifo d1", "removed short old"));
}

TEST_F(QueueJournalTest, ARestoredBrokerServesWhatTheFirstOneHeld) {
  ASSERT_TRUE(broker_.create_queue("orders", {}).ok());
  ASSERT_TRUE(broker_.create_queue("orders.fifo", {.fifo = true}).ok());
  const MessageAttributes attributes{{"kind", {"String", "created", ""}}};
  const std::string in_flight_id = broker_.send("orders", {.body = "s1", .attributes = attributes})->message_id;
  ASSERT_TRUE(broker_.send("orders", {.body = "s2", .delay = 60s}).ok());
  const time::Instant sent_at = time_.now();
  for (const auto& [body, group] : {std::pair{"f1", "g1"}, {"f2", "g1"}, {"f3", "g2"}}) {
    ASSERT_TRUE(broker_.send("orders.fifo", {.body = body, .group_id = group, .deduplication_id = body}).ok());
  }
  time_.run_for(1s);
  EXPECT_THAT(bodies(receive(broker_, "orders")), ElementsAre("s1"));
  const std::vector<BrokerMessage> first = receive(broker_, "orders.fifo");
  EXPECT_THAT(bodies(first), ElementsAre("f1", "f2", "f3"));
  const std::string last_sequence = first.back().sequence_number;

  // A restart: a new broker on the same timeline, rebuilt from the journal alone.
  time_.run_for(2s);
  const std::unique_ptr<InMemoryBroker> restarted_broker = restart();
  InMemoryBroker& restarted = *restarted_broker;

  // In-flight messages are visible at once, their receive counts kept.
  const std::vector<BrokerMessage> standard = receive(restarted, "orders");
  ASSERT_EQ(standard.size(), 1u);
  EXPECT_EQ(standard[0].message.message_id, in_flight_id);
  EXPECT_EQ(standard[0].message.body, "s1");
  EXPECT_EQ(standard[0].message.attributes, attributes);
  EXPECT_EQ(standard[0].message.receive_count, 2u);
  EXPECT_EQ(standard[0].message.sent_at, sent_at);
  EXPECT_EQ(standard[0].message.first_received_at, sent_at + 1s);
  ASSERT_TRUE(restarted.delete_message("orders", standard[0].message.receipt_handle).ok());
  // The delayed one keeps its delay: visible 60 s after it was sent, not after the restart.
  time_.run_for(56s);
  EXPECT_THAT(receive(restarted, "orders"), IsEmpty());
  time_.run_for(1s);
  EXPECT_THAT(bodies(receive(restarted, "orders")), ElementsAre("s2"));

  // FIFO: each group in order, the same sequence numbers, deduplication still on.
  const std::vector<BrokerMessage> fifo = receive(restarted, "orders.fifo");
  EXPECT_THAT(bodies(fifo), ElementsAre("f1", "f2", "f3"));
  for (std::size_t i = 0; i < fifo.size(); ++i) {
    EXPECT_EQ(fifo[i].sequence_number, first[i].sequence_number);
    EXPECT_EQ(fifo[i].message.message_id, first[i].message.message_id);
  }
  Result<BrokerSendResult> again =
      restarted.send("orders.fifo", {.body = "f2", .group_id = "g1", .deduplication_id = "f2"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deduplicated);
  EXPECT_EQ(again->message_id, first[1].message.message_id);
  Result<BrokerSendResult> later =
      restarted.send("orders.fifo", {.body = "f4", .group_id = "g1", .deduplication_id = "f4"});
  EXPECT_GT(later->sequence_number, last_sequence);
}

TEST_F(QueueJournalTest, RestoredMessagesKeepTheirRetentionAndWindowsTheirExpiry) {
  ASSERT_TRUE(broker_.create_queue("short", {.retention = 60s}).ok());
  ASSERT_TRUE(broker_.create_queue("jobs.fifo", {.fifo = true}).ok());
  ASSERT_TRUE(broker_.send("short", {.body = "old"}).ok());
  ASSERT_TRUE(broker_.send("jobs.fifo", {.body = "j", .group_id = "g", .deduplication_id = "d"}).ok());
  time_.run_for(50s);
  const std::unique_ptr<InMemoryBroker> restarted_broker = restart();
  InMemoryBroker& restarted = *restarted_broker;
  time_.run_for(11s);  // 61 s after it was sent
  EXPECT_EQ(journal_.log.back(), "removed short old");
  EXPECT_EQ(restarted.queue_stats("short")->visible, 0u);
  time_.run_for(4min);  // the deduplication window (5 min from the send) is over
  EXPECT_FALSE(restarted.send("jobs.fifo", {.body = "j", .group_id = "g", .deduplication_id = "d"})->deduplicated);
}

TEST_F(QueueJournalTest, RestoringRefusesWhatIsNotOursAndChangesNothing) {
  ASSERT_TRUE(broker_.create_queue("orders", {}).ok());
  ASSERT_TRUE(broker_.create_queue("jobs.fifo", {.fifo = true}).ok());
  EXPECT_FALSE(broker_.restore_message("orders", {.message_id = "not-a-uuid", .body = "x"}).ok());
  EXPECT_FALSE(broker_.restore_message("jobs.fifo", {.message_id = "0123abcd-0000-4000-8000-000000000001", .body = "x"})
                   .ok());  // a FIFO message needs its group
  EXPECT_EQ(broker_.restore_message("nope", {}).reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_FALSE(broker_.restore_deduplication("orders", "k", "id", 1, time_.now() + 1s).ok());
  EXPECT_EQ(broker_.queue_stats("orders")->visible, 0u);
  EXPECT_EQ(broker_.queue_stats("jobs.fifo")->visible, 0u);
}

TEST(MessageIdTest, ParseIsTheInverseOfText) {
  time::Prng prng(11);
  for (int i = 0; i < 1000; ++i) {
    const std::string text = make_message_id(prng).text();
    const std::optional<MessageId> parsed = MessageId::parse(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(parsed->text(), text);
  }
  for (const char* bad : {"", "0123abcd-0000-4000-8000-00000000000", "0123ABCD-0000-4000-8000-000000000001",
                          "0123abcd-0000-3000-8000-000000000001", "0123abcd-0000-4000-c000-000000000001",
                          "0123abcd_0000-4000-8000-000000000001", "0123abcd-0000-4000-8000-00000000000g"}) {
    EXPECT_FALSE(MessageId::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sluice::broker
