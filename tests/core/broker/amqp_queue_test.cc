#include "core/broker/amqp_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time/virtual_time.h"

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class AmqpQueueTest : public ::testing::Test {
 protected:
  AmqpQueue& make(AmqpQueueConfig config = {}) {
    got_.clear();
    dead_.clear();
    tags_.clear();
    queue_ = std::make_unique<AmqpQueue>("q", config, time_);
    queue_->set_dead_letter_sink(
        [this](AmqpMessage m, std::string_view reason) { dead_.push_back(m.body + ":" + std::string(reason)); });
    return *queue_;
  }

  // A consumer that records "consumer:body" and keeps the delivery for settling.
  void consume(std::string tag, std::uint32_t prefetch) {
    ASSERT_TRUE(queue_
                    ->consume(tag, prefetch,
                              [this](const AmqpDelivery& d) {
                                got_.push_back(d.consumer + ":" + d.body + (d.redelivered ? "(again)" : ""));
                                tags_[d.body] = d.delivery_tag;
                              })
                    .ok());
  }

  void publish(std::string body, std::uint8_t priority = 0, std::optional<time::Duration> expiration = {}) {
    ASSERT_EQ(queue_->publish({.body = body, .priority = priority, .expiration = expiration}), PublishOutcome::kQueued);
  }

  time::VirtualTime time_;
  std::unique_ptr<AmqpQueue> queue_;
  std::vector<std::string> got_;
  std::vector<std::string> dead_;
  std::map<std::string, std::uint64_t> tags_;
};

TEST_F(AmqpQueueTest, ConsumersTakeTurnsWithinTheirPrefetch) {
  AmqpQueue& queue = make();
  consume("a", 1);
  consume("b", 1);
  for (const char* body : {"m1", "m2", "m3", "m4"}) publish(body);
  EXPECT_THAT(got_, IsEmpty());  // never inside publish()
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:m1", "b:m2"));  // one each: prefetch 1
  EXPECT_EQ(queue.ready(), 2u);
  ASSERT_TRUE(queue.ack(tags_["m1"]).ok());
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:m1", "b:m2", "a:m3"));
  EXPECT_EQ(queue.unacknowledged(), 2u);
}

TEST_F(AmqpQueueTest, NackRequeuesAtTheFrontOrDeadLettersAsRejected) {
  AmqpQueue& queue = make();
  consume("a", 1);
  publish("m1");
  publish("m2");
  time_.run_for(0s);
  ASSERT_TRUE(queue.nack(tags_["m1"], /*requeue=*/true).ok());
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:m1", "a:m1(again)"));  // before m2, marked redelivered
  ASSERT_TRUE(queue.nack(tags_["m1"], /*requeue=*/false).ok());
  time_.run_for(0s);
  EXPECT_THAT(dead_, ElementsAre("m1:rejected"));
  EXPECT_THAT(got_, ElementsAre("a:m1", "a:m1(again)", "a:m2"));
}

TEST_F(AmqpQueueTest, AckMultipleSettlesEveryEarlierDeliveryOfTheConsumer) {
  AmqpQueue& queue = make();
  consume("a", 0);
  for (const char* body : {"m1", "m2", "m3"}) publish(body);
  time_.run_for(0s);
  ASSERT_TRUE(queue.ack(tags_["m2"], /*multiple=*/true).ok());
  EXPECT_EQ(queue.unacknowledged(), 1u);
  EXPECT_EQ(queue.ack(tags_["m1"]).reason(), amqp_error::kPreconditionFailed);  // already settled
}

TEST_F(AmqpQueueTest, CancellingAConsumerRequeuesWhatItHadNotAcknowledgedInOrder) {
  AmqpQueue& queue = make();
  consume("a", 0);
  for (const char* body : {"m1", "m2", "m3"}) publish(body);
  time_.run_for(0s);
  ASSERT_TRUE(queue.ack(tags_["m2"]).ok());
  ASSERT_TRUE(queue.cancel("a").ok());
  EXPECT_EQ(queue.ready(), 2u);
  consume("b", 0);
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:m1", "a:m2", "a:m3", "b:m1(again)", "b:m3(again)"));
}

TEST_F(AmqpQueueTest, HigherPrioritiesGoFirst) {
  make({.max_priority = 5});
  publish("low", 1);
  publish("high", 5);
  publish("mid", 3);
  publish("above max", 9);  // counts as 5, after "high"
  consume("a", 0);
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:high", "a:above max", "a:mid", "a:low"));
}

TEST_F(AmqpQueueTest, MaxLengthDropsTheHeadOrRejectsThePublish) {
  AmqpQueue& dropping = make({.max_length = 2});
  publish("m1");
  publish("m2");
  publish("m3");
  EXPECT_EQ(dropping.ready(), 2u);
  EXPECT_THAT(dead_, ElementsAre("m1:maxlen"));

  AmqpQueue& rejecting = make({.max_length = 1, .overflow = Overflow::kRejectPublish});
  publish("m1");
  EXPECT_EQ(rejecting.publish({.body = "m2"}), PublishOutcome::kRejectedOverflow);
  EXPECT_EQ(rejecting.ready(), 1u);
}

TEST_F(AmqpQueueTest, MessagesExpireAfterTheQueueTtlOrTheirOwnAtTheHead) {
  make({.message_ttl = 10s});
  publish("queue ttl");
  time_.run_for(10s - 1ns);
  EXPECT_THAT(dead_, IsEmpty());
  time_.run_for(1ns);  // no consumer needed: the timer expires it
  EXPECT_THAT(dead_, ElementsAre("queue ttl:expired"));

  make();
  publish("no ttl");
  publish("short", 0, 1s);  // behind a message without TTL: expires only at the head
  time_.run_for(5s);
  EXPECT_THAT(dead_, IsEmpty());
  consume("a", 1);
  time_.run_for(0s);
  EXPECT_THAT(got_, ElementsAre("a:no ttl"));
  ASSERT_TRUE(queue_->ack(tags_["no ttl"]).ok());
  time_.run_for(0s);
  EXPECT_THAT(dead_, ElementsAre("short:expired"));  // reached the head, long expired
  EXPECT_THAT(got_, ElementsAre("a:no ttl"));
}

TEST_F(AmqpQueueTest, ConsumerTagsAreUniqueAndUnknownOnesAreErrors) {
  AmqpQueue& queue = make({.max_consumers = 1});
  consume("a", 0);
  EXPECT_EQ(queue.consume("a", 0, [](const AmqpDelivery&) {}).reason(), amqp_error::kPreconditionFailed);
  EXPECT_EQ(queue.consume("b", 0, [](const AmqpDelivery&) {}).reason(), amqp_error::kResourceLocked);
  EXPECT_EQ(queue.cancel("zzz").reason(), amqp_error::kNotFound);
  EXPECT_EQ(queue.nack(999, true).reason(), amqp_error::kPreconditionFailed);
}

}  // namespace
}  // namespace sluice::broker
