#include "core/broker/fifo_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::EventRecorder;
using ::testing::IsEmpty;

class FifoQueueTest : public ::testing::Test {
 protected:
  FifoQueue& make(QueueConfig config = {.fifo = true}, std::string name = "orders.fifo") {
    config.fifo = true;
    queues_.push_back(std::make_unique<FifoQueue>(name, config, time_, time::Prng(seed_++), &events_));
    return *queues_.back();
  }

  FifoSendResult send(FifoQueue& queue, std::string body, std::string group, std::string dedup = "") {
    if (dedup.empty()) dedup = body;
    Result<FifoSendResult> result = queue.send({.body = body, .group_id = group, .deduplication_id = dedup});
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : FifoSendResult{};
  }

  // Bodies of what a receive of up to `max` returns; keeps the messages for deletion.
  std::vector<std::string> receive(FifoQueue& queue, std::uint32_t max = 10,
                                   std::optional<time::Duration> visibility = {}) {
    Result<std::vector<FifoReceivedMessage>> batch =
        queue.receive_now({.max_messages = max, .visibility_timeout = visibility});
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    std::vector<std::string> bodies;
    for (const FifoReceivedMessage& m : *batch) {
      bodies.push_back(m.message.body);
      held_[m.message.body] = m.message.receipt_handle;
    }
    return bodies;
  }

  void remove(FifoQueue& queue, const std::string& body) {
    EXPECT_EQ(*queue.delete_message(held_.at(body)), DeleteResult::kDeleted) << body;
  }

  time::VirtualTime time_;
  EventRecorder events_;
  std::uint64_t seed_ = 1;
  std::vector<std::unique_ptr<FifoQueue>> queues_;
  std::map<std::string, std::string> held_;
};

TEST_F(FifoQueueTest, AGroupsMessagesArriveInOrderWithRisingSequenceNumbers) {
  FifoQueue& queue = make();
  const FifoSendResult a = send(queue, "a", "ord_1");
  const FifoSendResult b = send(queue, "b", "ord_1");
  send(queue, "c", "ord_1");
  EXPECT_LT(a.sequence_number, b.sequence_number);
  EXPECT_EQ(a.sequence_number.size(), 20u);
  Result<std::vector<FifoReceivedMessage>> batch = queue.receive_now({.max_messages = 10});
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_EQ((*batch)[0].message.body, "a");
  EXPECT_EQ((*batch)[0].group_id, "ord_1");
  EXPECT_EQ((*batch)[0].sequence_number, a.sequence_number);
  EXPECT_EQ((*batch)[2].message.body, "c");
}

TEST_F(FifoQueueTest, AGroupWithMessagesInFlightIsHeldBackOthersAreNot) {
  FifoQueue& queue = make();
  send(queue, "a1", "g1");
  send(queue, "a2", "g1");
  send(queue, "b1", "g2");
  EXPECT_THAT(receive(queue, 1), ElementsAre("a1"));
  EXPECT_THAT(receive(queue, 10), ElementsAre("b1"));  // a2 waits: a1 is in flight
  EXPECT_THAT(receive(queue, 10), IsEmpty());
  remove(queue, "a1");
  EXPECT_THAT(receive(queue, 10), ElementsAre("a2"));
}

TEST_F(FifoQueueTest, ReceivesTakeAWholeRunOfOneGroupThenTheNext) {
  FifoQueue& queue = make();
  send(queue, "a1", "g1");
  send(queue, "b1", "g2");
  send(queue, "a2", "g1");
  send(queue, "b2", "g2");
  EXPECT_THAT(receive(queue, 10), ElementsAre("a1", "a2", "b1", "b2"));
}

TEST_F(FifoQueueTest, AnExpiredVisibilityTimeoutKeepsTheGroupsOrder) {
  FifoQueue& queue = make({.visibility_timeout = 5s});
  send(queue, "first", "g");
  send(queue, "second", "g");
  EXPECT_THAT(receive(queue, 1), ElementsAre("first"));
  time_.run_for(5s);  // not deleted: it goes back to the front of its group
  Result<std::vector<FifoReceivedMessage>> again = queue.receive_now({.max_messages = 1});
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].message.body, "first");
  EXPECT_EQ((*again)[0].message.receive_count, 2u);
  ASSERT_EQ(*queue.delete_message((*again)[0].message.receipt_handle), DeleteResult::kDeleted);
  EXPECT_THAT(receive(queue, 10), ElementsAre("second"));
}

TEST_F(FifoQueueTest, ADeduplicationIdIsHonouredForFiveMinutes) {
  FifoQueue& queue = make();
  const FifoSendResult first = send(queue, "OrderCreated", "ord_abc123", "order-created-ord_abc123");
  time_.run_for(4min);
  Result<FifoSendResult> again =
      queue.send({.body = "OrderCreated", .group_id = "ord_abc123", .deduplication_id = "order-created-ord_abc123"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deduplicated);
  EXPECT_EQ(again->message_id, first.message_id);
  EXPECT_EQ(again->sequence_number, first.sequence_number);
  EXPECT_EQ(queue.stats().visible, 1u);
  EXPECT_EQ(events_.lines.back(), "queue.deduplicated message_id=" + first.message_id);

  time_.run_for(1min);  // the window has passed
  EXPECT_FALSE(send(queue, "OrderCreated", "ord_abc123", "order-created-ord_abc123").deduplicated);
  EXPECT_EQ(queue.stats().visible, 2u);
}

TEST_F(FifoQueueTest, ContentBasedDeduplicationUsesTheBodyHashTheCallerGives) {
  FifoQueue& queue = make({.content_based_deduplication = true});
  std::array<std::uint8_t, 32> hash{};
  hash[0] = 0xab;
  ASSERT_TRUE(queue.send({.body = "x", .group_id = "g", .content_sha256 = hash}).ok());
  EXPECT_TRUE(queue.send({.body = "x", .group_id = "g", .content_sha256 = hash})->deduplicated);
  hash[1] = 1;
  EXPECT_FALSE(queue.send({.body = "y", .group_id = "g", .content_sha256 = hash})->deduplicated);
  EXPECT_EQ(queue.send({.body = "z", .group_id = "g"}).status().message(),
            "content-based deduplication needs the body's SHA-256 (content_sha256) or a MessageDeduplicationId");
}

TEST_F(FifoQueueTest, FifoRulesAreSqsErrors) {
  FifoQueue& queue = make();
  EXPECT_EQ(queue.send({.body = "x", .deduplication_id = "d"}).status().reason(), "MissingParameter");
  EXPECT_EQ(queue.send({.body = "x", .group_id = "g"}).status().message(),
            "the queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
            "explicitly");
  EXPECT_EQ(queue.send({.body = "x", .group_id = "g", .deduplication_id = "d", .delay = 5s}).status().message(),
            "DelaySeconds cannot be set per message on a FIFO queue; set the queue's DelaySeconds");
  EXPECT_EQ(queue.send({.body = "x", .group_id = "has space", .deduplication_id = "d"}).status().message(),
            "MessageGroupId may hold only letters, digits and punctuation; got \"has space\"");
  EXPECT_EQ(queue.send({.body = "x", .group_id = std::string(129, 'g'), .deduplication_id = "d"}).status().reason(),
            sqs_error::kInvalidParameterValue);
  EXPECT_EQ(queue.stats().sent, 0u);
}

TEST_F(FifoQueueTest, TheQueuesDelayAppliesAndKeepsOrder) {
  FifoQueue& queue = make({.delay = 10s});
  send(queue, "a", "g");
  time_.run_for(1s);
  send(queue, "b", "g");
  EXPECT_THAT(receive(queue), IsEmpty());
  time_.run_for(9s);
  EXPECT_THAT(receive(queue), ElementsAre("a"));
  remove(queue, "a");
  time_.run_for(1s);
  EXPECT_THAT(receive(queue), ElementsAre("b"));
}

TEST_F(FifoQueueTest, APoisonMessageGoesToAFifoDeadLetterQueue) {
  FifoQueue& dead_letters = make({}, "orders-dlq.fifo");
  FifoQueue& queue = make({.visibility_timeout = 1s, .redrive = RedrivePolicy{"orders-dlq.fifo", 1}});
  queue.set_dead_letter_queue(&dead_letters);
  const FifoSendResult poison = send(queue, "poison", "g");
  send(queue, "next", "g");
  EXPECT_THAT(receive(queue, 1), ElementsAre("poison"));
  time_.run_for(1s);
  EXPECT_THAT(receive(queue, 10), ElementsAre("next"));  // poison moved on; the group goes on
  EXPECT_EQ(queue.stats().dead_lettered, 1u);
  Result<std::vector<FifoReceivedMessage>> dead = dead_letters.receive_now({});
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].message.message_id, poison.message_id);
  EXPECT_EQ((*dead)[0].group_id, "g");
}

TEST_F(FifoQueueTest, ALongPollWaitsForItsGroupToBeReleased) {
  FifoQueue& queue = make();
  send(queue, "a", "g");
  send(queue, "b", "g");
  EXPECT_THAT(receive(queue, 1), ElementsAre("a"));
  std::vector<std::string> got;
  queue.receive({.wait = 20s}, [&](Result<std::vector<FifoReceivedMessage>> batch) {
    for (const auto& m : *batch)
      got.push_back(m.message.body + "@" + std::to_string(time_.now().time_since_epoch() / 1s));
  });
  time_.run_for(3s);
  EXPECT_THAT(got, IsEmpty());  // b is visible, but its group is held by a
  remove(queue, "a");
  time_.run_for(0s);
  EXPECT_THAT(got, ElementsAre("b@3"));
}

TEST_F(FifoQueueTest, StaleAndForeignHandlesAreToldApart) {
  FifoQueue& queue = make({.visibility_timeout = 1s});
  send(queue, "a", "g");
  const auto first = *queue.receive_now({});
  time_.run_for(1s);
  const auto second = *queue.receive_now({});
  EXPECT_EQ(*queue.delete_message(first[0].message.receipt_handle), DeleteResult::kStaleHandle);
  EXPECT_EQ(queue.delete_message("nonsense").status().reason(), sqs_error::kReceiptHandleIsInvalid);
  EXPECT_EQ(*queue.delete_message(second[0].message.receipt_handle), DeleteResult::kDeleted);
}

}  // namespace
}  // namespace sluice::broker
