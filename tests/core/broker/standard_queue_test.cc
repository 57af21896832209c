#include "core/broker/standard_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/time/virtual_time.h"
#include "tests/testing/event_recorder.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::EventRecorder;

class StandardQueueTest : public ::testing::Test {
 protected:
  StandardQueue& make(QueueConfig config = {}, std::string name = "orders") {
    queues_.push_back(std::make_unique<StandardQueue>(name, config, time_, time::Prng(seed_++), &events_));
    return *queues_.back();
  }

  // Receives now and expects exactly one message.
  ReceivedMessage receive_one(StandardQueue& queue, ReceiveRequest request = {}) {
    Result<std::vector<ReceivedMessage>> batch = queue.receive_now(request);
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    EXPECT_EQ(batch->size(), 1u);
    return batch->empty() ? ReceivedMessage{} : (*batch)[0];
  }

  std::size_t count_visible(StandardQueue& queue) { return queue.stats().visible; }

  time::VirtualTime time_;
  EventRecorder events_;
  std::uint64_t seed_ = 1;
  std::vector<std::unique_ptr<StandardQueue>> queues_;
};

TEST_F(StandardQueueTest, SendReceiveDelete) {
  StandardQueue& queue = make();
  time_.run_for(5s);
  const Result<std::string> id =
      queue.send({.body = "OrderCreated", .attributes = {{"type", {"String", "order", ""}}}});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(std::regex_match(*id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << *id;

  time_.run_for(1s);
  const ReceivedMessage message = receive_one(queue);
  EXPECT_EQ(message.message_id, *id);
  EXPECT_EQ(message.body, "OrderCreated");
  EXPECT_EQ(message.attributes.at("type").string_value, "order");
  EXPECT_EQ(message.receive_count, 1u);
  EXPECT_EQ(message.sent_at, time::Instant(5s));
  EXPECT_EQ(message.first_received_at, time::Instant(6s));

  EXPECT_EQ(*queue.delete_message(message.receipt_handle), DeleteResult::kDeleted);
  EXPECT_EQ(*queue.delete_message(message.receipt_handle), DeleteResult::kAlreadyDeleted);
  EXPECT_TRUE(queue.receive_now({})->empty());
  EXPECT_EQ(events_.with_prefix("queue."),
            (std::vector<std::string>{"queue.sent message_id=" + *id, "queue.delivered message_id=" + *id,
                                      "queue.deleted message_id=" + *id}));
}

TEST_F(StandardQueueTest, AnUndeletedMessageReturnsAfterItsVisibilityTimeoutWithANewHandle) {
  StandardQueue& queue = make({.visibility_timeout = 30s});
  ASSERT_TRUE(queue.send({.body = "m"}).ok());
  const ReceivedMessage first = receive_one(queue);
  time_.run_for(30s - 1ns);
  EXPECT_TRUE(queue.receive_now({})->empty());  // still invisible
  time_.run_for(1ns);
  EXPECT_EQ(events_.lines.back(), "queue.visible_again message_id=" + first.message_id);
  const ReceivedMessage second = receive_one(queue);
  EXPECT_EQ(second.receive_count, 2u);
  EXPECT_EQ(second.first_received_at, first.first_received_at);
  EXPECT_NE(second.receipt_handle, first.receipt_handle);

  // The old handle is stale: it deletes nothing, and says so.
  EXPECT_EQ(*queue.delete_message(first.receipt_handle), DeleteResult::kStaleHandle);
  EXPECT_EQ(queue.stats().in_flight, 1u);
  EXPECT_EQ(*queue.delete_message(second.receipt_handle), DeleteResult::kDeleted);
}

TEST_F(StandardQueueTest, TheLatestHandleDeletesEvenAfterTheVisibilityTimeout) {
  StandardQueue& queue = make({.visibility_timeout = 10s});
  ASSERT_TRUE(queue.send({.body = "m"}).ok());
  const ReceivedMessage message = receive_one(queue);
  time_.run_for(15s);  // visible again, not received since
  EXPECT_EQ(*queue.delete_message(message.receipt_handle), DeleteResult::kDeleted);
  EXPECT_EQ(queue.stats().visible, 0u);
}

TEST_F(StandardQueueTest, ReceiptHandlesThatAreNotThisQueuesAreInvalid) {
  StandardQueue& queue = make();
  StandardQueue& other = make({}, "payments");
  ASSERT_TRUE(other.send({.body = "m"}).ok());
  const ReceivedMessage foreign = receive_one(other);
  for (const std::string& handle :
       {std::string("garbage"), std::string(""), foreign.receipt_handle, std::string("0-1-1-1-1")}) {
    const Result<DeleteResult> result = queue.delete_message(handle);
    EXPECT_EQ(result.status().reason(), sqs_error::kReceiptHandleIsInvalid) << handle;
    EXPECT_EQ(queue.change_visibility(handle, 5s).reason(), sqs_error::kReceiptHandleIsInvalid) << handle;
  }
}

TEST_F(StandardQueueTest, ChangeVisibilityExtendsShortensAndReleases) {
  StandardQueue& queue = make({.visibility_timeout = 30s});
  ASSERT_TRUE(queue.send({.body = "m"}).ok());
  ReceivedMessage message = receive_one(queue, {.visibility_timeout = 5s});  // per-receive timeout
  ASSERT_TRUE(queue.change_visibility(message.receipt_handle, 60s).ok());    // counted from now
  time_.run_for(59s);
  EXPECT_TRUE(queue.receive_now({})->empty());
  time_.run_for(1s);
  message = receive_one(queue);
  ASSERT_TRUE(queue.change_visibility(message.receipt_handle, 0s).ok());  // give it back at once
  const ReceivedMessage again = receive_one(queue);
  EXPECT_EQ(again.receive_count, 3u);
  EXPECT_EQ(queue.change_visibility(message.receipt_handle, 5s).reason(), sqs_error::kMessageNotInflight);
  EXPECT_EQ(queue.change_visibility(again.receipt_handle, 13h).reason(), sqs_error::kInvalidParameterValue);
}

TEST_F(StandardQueueTest, DelaysPerQueueAndPerMessage) {
  StandardQueue& queue = make({.delay = 10s});
  ASSERT_TRUE(queue.send({.body = "queue delay"}).ok());
  ASSERT_TRUE(queue.send({.body = "own delay", .delay = 2s}).ok());
  ASSERT_TRUE(queue.send({.body = "no delay", .delay = 0s}).ok());
  EXPECT_EQ(queue.stats().delayed, 2u);
  EXPECT_EQ(receive_one(queue).body, "no delay");
  time_.run_for(2s);
  EXPECT_EQ(receive_one(queue).body, "own delay");
  time_.run_for(8s);
  EXPECT_EQ(receive_one(queue).body, "queue delay");
  EXPECT_EQ(queue.send({.body = "x", .delay = 16min}).status().reason(), sqs_error::kInvalidParameterValue);
}

TEST_F(StandardQueueTest, ALongPollIsAnsweredWhenAMessageArrivesNotBefore) {
  StandardQueue& queue = make();
  std::vector<std::string> answers;
  auto record = [&](std::string who) {
    return [&, who](Result<std::vector<ReceivedMessage>> batch) {
      answers.push_back(who + "@" + std::to_string(time_.now().time_since_epoch() / 1s) + ":" +
                        (batch->empty() ? "empty" : (*batch)[0].body));
    };
  };
  queue.receive({.wait = 20s}, record("a"));
  queue.receive({.wait = 20s}, record("b"));
  EXPECT_EQ(queue.stats().waiting_receives, 2u);
  time_.run_for(5s);
  ASSERT_TRUE(queue.send({.body = "first"}).ok());
  EXPECT_TRUE(answers.empty());  // not inside send()
  time_.run_for(0s);
  EXPECT_THAT(answers, ElementsAre("a@5:first"));  // first come, first served
  time_.run_for(15s);
  EXPECT_THAT(answers, ElementsAre("a@5:first", "b@20:empty"));  // b's wait ended with nothing
}

TEST_F(StandardQueueTest, ALongPollWakesWhenADelayEndsOrAVisibilityTimeoutExpires) {
  StandardQueue& queue = make({.visibility_timeout = 7s});
  ASSERT_TRUE(queue.send({.body = "delayed", .delay = 3s}).ok());
  std::optional<time::Instant> answered;
  queue.receive({.wait = 20s}, [&](Result<std::vector<ReceivedMessage>> batch) {
    answered = time_.now();
    EXPECT_EQ((*batch)[0].body, "delayed");
  });
  time_.run_for(10s);
  EXPECT_EQ(answered, time::Instant(3s));  // when the delay ended

  answered.reset();
  queue.receive({.wait = 20s}, [&](Result<std::vector<ReceivedMessage>> batch) {
    answered = time_.now();
    EXPECT_EQ((*batch)[0].receive_count, 2u);
  });
  time_.run_for(20s);
  EXPECT_EQ(answered, time::Instant(10s));  // 3 s + the 7 s visibility timeout
}

TEST_F(StandardQueueTest, ReceivesUpToTenAndRejectsBadRequests) {
  StandardQueue& queue = make();
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(queue.send({.body = "m" + std::to_string(i)}).ok());
  EXPECT_EQ(queue.receive_now({.max_messages = 10})->size(), 10u);
  EXPECT_EQ(queue.receive_now({.max_messages = 10})->size(), 5u);
  EXPECT_EQ(queue.receive_now({.max_messages = 11}).status().message(),
            "MaxNumberOfMessages must be from 1 to 10; got 11");
  EXPECT_EQ(queue.receive_now({.max_messages = 0}).status().reason(), sqs_error::kInvalidParameterValue);
  std::optional<Status> status;
  queue.receive({.wait = 21s}, [&](Result<std::vector<ReceivedMessage>> r) { status = r.status(); });
  time_.run_for(0s);
  EXPECT_EQ(status->message(), "WaitTimeSeconds must be from 0 to 20; got 21s");
}

TEST_F(StandardQueueTest, MessagesExpireAfterTheRetentionPeriodEvenInFlight) {
  StandardQueue& queue = make({.visibility_timeout = 12h, .retention = 60s});
  ASSERT_TRUE(queue.send({.body = "old"}).ok());
  receive_one(queue);
  time_.run_for(30s);
  ASSERT_TRUE(queue.send({.body = "newer"}).ok());
  time_.run_for(30s);  // the first is 60 s old
  EXPECT_EQ(queue.stats().expired, 1u);
  EXPECT_EQ(queue.stats().in_flight, 0u);
  EXPECT_EQ(receive_one(queue).body, "newer");
}

TEST_F(StandardQueueTest, BodiesAndAttributesFollowSqsRules) {
  StandardQueue& queue = make({.max_message_bytes = 1024});
  EXPECT_EQ(queue.send({.body = ""}).status().reason(), "MissingParameter");
  EXPECT_EQ(queue.send({.body = std::string(1025, 'x')}).status().message(),
            "the message is 1025 bytes; the queue's MaximumMessageSize is 1024");
  // Attributes count towards the size.
  EXPECT_FALSE(
      queue.send({.body = std::string(1000, 'x'), .attributes = {{"k", {"String", std::string(30, 'v'), ""}}}}).ok());
  EXPECT_EQ(queue.send({.body = std::string("bad \x01 control")}).status().reason(), "InvalidMessageContents");
  EXPECT_EQ(queue.send({.body = std::string("\xff\xfe")}).status().reason(), "InvalidMessageContents");
  EXPECT_TRUE(queue.send({.body = "caf\xc3\xa9 \xf0\x9f\x93\xa6"}).ok());  // UTF-8 is fine
  EXPECT_EQ(queue.send({.body = "x", .attributes = {{"k", {"Date", "today", ""}}}}).status().message(),
            "attribute \"k\" has data type \"Date\"; it must be String, Number or Binary (optionally with a .suffix)");
  EXPECT_TRUE(queue.send({.body = "x", .attributes = {{"k", {"Number.int", "42", ""}}}}).ok());
  EXPECT_EQ(queue.stats().sent, 2u);  // only the valid ones
}

TEST_F(StandardQueueTest, AMessageReceivedTooOftenGoesToTheDeadLetterQueueWithItsIdentity) {
  StandardQueue& dead_letters = make({}, "orders-dlq");
  StandardQueue& queue = make({.visibility_timeout = 1s, .redrive = RedrivePolicy{"orders-dlq", 2}});
  queue.set_dead_letter_queue(&dead_letters);
  time_.run_for(3s);
  const std::string id = *queue.send({.body = "poison"});
  receive_one(queue);
  time_.run_for(1s);
  receive_one(queue);  // the second receive: the last one allowed
  time_.run_for(1s);
  EXPECT_TRUE(queue.receive_now({})->empty());  // the third goes to the DLQ instead
  EXPECT_EQ(queue.stats().dead_lettered, 1u);
  EXPECT_EQ(events_.with_prefix("queue.dead_lettered").back(), "queue.dead_lettered message_id=" + id);

  const ReceivedMessage dead = receive_one(dead_letters);
  EXPECT_EQ(dead.message_id, id);
  EXPECT_EQ(dead.body, "poison");
  EXPECT_EQ(dead.sent_at, time::Instant(3s));  // the original send time
  EXPECT_EQ(dead.receive_count, 1u);

  // Redrive back to the source once the consumer is fixed.
  ASSERT_TRUE(dead_letters.change_visibility(dead.receipt_handle, 0s).ok());
  EXPECT_EQ(dead_letters.redrive_to(queue, 10), 1u);
  EXPECT_EQ(receive_one(queue).message_id, id);
}

TEST_F(StandardQueueTest, PurgeDeletesEverything) {
  StandardQueue& queue = make();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.send({.body = "m"}).ok());
  receive_one(queue);
  queue.purge();
  EXPECT_EQ(queue.stats().visible + queue.stats().in_flight, 0u);
  EXPECT_EQ(events_.lines.back(), "queue.purged messages=5");
}

TEST_F(StandardQueueTest, EveryLimitIsAClearOverLimitError) {
  StandardQueue& queue = make({.max_messages = 3, .max_in_flight = 2, .max_waiting_receives = 1});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.send({.body = "m"}).ok());
  EXPECT_EQ(queue.send({.body = "m"}).status().message(), "queue orders holds its maximum of 3 messages");
  EXPECT_EQ(queue.receive_now({.max_messages = 10})->size(), 2u);  // stops at the in-flight limit
  EXPECT_EQ(queue.receive_now({}).status().reason(), sqs_error::kOverLimit);

  StandardQueue& empty = make({.max_waiting_receives = 1}, "empty");
  empty.receive({.wait = 5s}, [](auto) {});
  std::optional<Status> second;
  empty.receive({.wait = 5s}, [&](Result<std::vector<ReceivedMessage>> r) { second = r.status(); });
  time_.run_for(0s);
  EXPECT_EQ(second->reason(), sqs_error::kOverLimit);
}

TEST_F(StandardQueueTest, ManyMessagesThroughAVisibilityTimeoutKeepEveryOneAccountedFor) {
  StandardQueue& queue = make({.visibility_timeout = 2s});
  std::uint64_t deleted = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(queue.send({.body = "m"}).ok());
    // Receive everything visible; delete every other message, let the rest time out.
    for (;;) {
      Result<std::vector<ReceivedMessage>> batch = queue.receive_now({.max_messages = 10});
      if (batch->empty()) break;
      for (std::size_t k = 0; k < batch->size(); k += 2)
        deleted += *queue.delete_message((*batch)[k].receipt_handle) == DeleteResult::kDeleted;
    }
    time_.run_for(1s);
  }
  time_.run_for(10s);
  const QueueStats stats = queue.stats();
  EXPECT_EQ(stats.sent, 10'000u);
  EXPECT_EQ(stats.deleted, deleted);
  EXPECT_EQ(stats.visible + stats.in_flight + stats.delayed, stats.sent - deleted);
}

}  // namespace
}  // namespace sluice::broker
