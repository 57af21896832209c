#include "core/broker/queue_config.h"

#include <gtest/gtest.h>

namespace sluice::broker {
namespace {

using namespace std::chrono_literals;

TEST(QueueNameTest, FollowsSqsRules) {
  EXPECT_TRUE(validate_queue_name("order-events_1", false).ok());
  EXPECT_TRUE(validate_queue_name("order-events.fifo", true).ok());
  EXPECT_TRUE(validate_queue_name(std::string(80, 'a'), false).ok());
  auto error = [](std::string_view name, bool fifo) {
    const Status status = validate_queue_name(name, fifo);
    EXPECT_EQ(status.reason(), sqs_error::kInvalidParameterValue);
    return status.message();
  };
  EXPECT_EQ(error("", false), "invalid queue name \"\": it must be 1 to 80 characters long");
  EXPECT_EQ(error(std::string(81, 'a'), false).substr(0, 20), "invalid queue name \"");
  EXPECT_EQ(error("orders!", false), "invalid queue name \"orders!\": only letters, digits, '-' and '_' are allowed");
  EXPECT_EQ(error("orders", true), "invalid queue name \"orders\": a FIFO queue's name must end in .fifo");
  EXPECT_EQ(error("orders.fifo", false),
            "invalid queue name \"orders.fifo\": only a FIFO queue's name may end in .fifo");
  EXPECT_EQ(error(".fifo", true), "invalid queue name \".fifo\": it needs characters before .fifo");
}

TEST(QueueConfigTest, EachAttributeHasSqsRangeAndCode) {
  auto error = [](auto change) {
    QueueConfig config;
    change(config);
    const Status status = config.validate();
    EXPECT_EQ(status.reason(), sqs_error::kInvalidAttributeValue);
    return status.message();
  };
  EXPECT_TRUE(QueueConfig().validate().ok());
  EXPECT_EQ(error([](auto& c) { c.visibility_timeout = 13h; }),
            "VisibilityTimeout must be from 0 to 12 hours; got 13h");
  EXPECT_EQ(error([](auto& c) { c.delay = 16min; }), "DelaySeconds must be from 0 to 15 minutes; got 16m");
  EXPECT_EQ(error([](auto& c) { c.retention = 59s; }),
            "MessageRetentionPeriod must be from 60 seconds to 14 days; got 59s");
  EXPECT_EQ(error([](auto& c) { c.receive_wait = 21s; }),
            "ReceiveMessageWaitTimeSeconds must be from 0 to 20 seconds; got 21s");
  EXPECT_EQ(error([](auto& c) { c.max_message_bytes = 512; }),
            "MaximumMessageSize must be from 1024 to 1048576 bytes; got 512");
  EXPECT_EQ(error([](auto& c) {
              c.redrive = RedrivePolicy{"dlq", 0};
            }),
            "RedrivePolicy maxReceiveCount must be from 1 to 1000; got 0");
  EXPECT_EQ(error([](auto& c) { c.content_based_deduplication = true; }),
            "ContentBasedDeduplication applies only to FIFO queues");
}

}  // namespace
}  // namespace sluice::broker
