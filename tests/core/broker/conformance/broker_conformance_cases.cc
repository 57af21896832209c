// The conformance cases, run by each backend's test binary (broker_conformance.h).
// Virtual time for every timeout, delay and retention the backend keeps itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/core/broker/conformance/broker_conformance.h"

namespace sluice::broker {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

void BrokerConformanceTest::SetUp() {
  broker_ = GetParam().make(time_);
  ASSERT_NE(broker_, nullptr) << "the backend could not be made";
}

void BrokerConformanceTest::TearDown() {
  if (broker_ && GetParam().cleanup) GetParam().cleanup(*broker_);
}

void BrokerConformanceTest::create(std::string_view name, QueueConfig config) {
  const Status status = broker_->create_queue(name, config);
  ASSERT_TRUE(status.ok()) << name << ": " << status.message();
}

std::vector<BrokerMessage> BrokerConformanceTest::receive(std::string_view queue, std::uint32_t max) {
  std::optional<Result<std::vector<BrokerMessage>>> answer;
  broker_->receive(queue, {.max_messages = max, .wait = 0s}, [&](Result<std::vector<BrokerMessage>> r) { answer = r; });
  time_.run_for(0s);
  EXPECT_TRUE(answer.has_value());
  if (!answer || !answer->ok()) return {};
  return **answer;
}

std::vector<std::string> BrokerConformanceTest::bodies(const std::vector<BrokerMessage>& messages) {
  std::vector<std::string> out;
  for (const BrokerMessage& m : messages) out.push_back(m.message.body);
  return out;
}

bool BrokerConformanceTest::eventually(const std::function<bool()>& done) {
  time_.run_for(0s);
  if (done()) return true;
  if (!GetParam().pump) return false;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    GetParam().pump(*broker_, 20ms);
    time_.run_for(0s);
    if (done()) return true;
  }
  return false;
}

void BrokerConformanceTest::wait_on_server_clock(time::Duration d) {
  time_.run_for(d);
  // The server's timers run on its own clock: give them the same time.
  if (GetParam().server_clock) std::this_thread::sleep_for(d);
}

namespace {

TEST_P(BrokerConformanceTest, UnknownQueuesAreQueueDoesNotExist) {
  EXPECT_EQ(broker_->send("nope", {.body = "x"}).status().reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->delete_message("nope", "h").status().reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->purge("nope").reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->queue_stats("nope").status().reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->queue_config("nope").status().reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->delete_queue("nope").reason(), sqs_error::kQueueDoesNotExist);
  std::optional<Status> status;
  broker_->receive("nope", {}, [&](Result<std::vector<BrokerMessage>> r) { status = r.status(); });
  time_.run_for(0s);
  EXPECT_EQ(status->reason(), sqs_error::kQueueDoesNotExist);
}

TEST_P(BrokerConformanceTest, CreateQueueIsIdempotentAndRefusesOtherAttributes) {
  create("orders", {.visibility_timeout = 60s});
  EXPECT_TRUE(broker_->create_queue("orders", {.visibility_timeout = 60s}).ok());
  EXPECT_EQ(*broker_->queue_config("orders"), (QueueConfig{.visibility_timeout = 60s}));
  EXPECT_EQ(broker_->create_queue("orders", {.visibility_timeout = 30s}).reason(), sqs_error::kQueueNameExists);
  EXPECT_EQ(broker_->create_queue("bad name", {}).reason(), sqs_error::kInvalidParameterValue);
  EXPECT_EQ(broker_->create_queue("orders.fifo", {}).reason(), sqs_error::kInvalidParameterValue);
  create("orders-dlq");
  create("payments");
  EXPECT_THAT(broker_->list_queues("orders"), ElementsAre("orders", "orders-dlq"));
}

TEST_P(BrokerConformanceTest, SetQueueAttributesChangesWhatLaterOperationsDo) {
  create("orders", {.visibility_timeout = 30s});
  create("orders-dlq");
  ASSERT_TRUE(broker_->send("orders", {.body = "x"}).ok());
  QueueConfig changed = *broker_->queue_config("orders");
  changed.visibility_timeout = 5s;
  changed.redrive = RedrivePolicy{"orders-dlq", 1};
  SKIP_IF_UNSUPPORTED(broker_->set_queue_attributes("orders", changed));
  EXPECT_EQ(broker_->queue_config("orders")->visibility_timeout, 5s);
  EXPECT_EQ(bodies(receive("orders")), std::vector<std::string>{"x"});
  time_.run_for(5s);  // the new timeout: visible again, and over maxReceiveCount 1
  EXPECT_TRUE(receive("orders").empty());
  EXPECT_EQ(bodies(receive("orders-dlq")), std::vector<std::string>{"x"});

  QueueConfig to_fifo = changed;
  to_fifo.fifo = true;
  EXPECT_EQ(broker_->set_queue_attributes("orders", to_fifo).reason(), sqs_error::kInvalidAttributeValue);
  QueueConfig self_redrive = changed;
  self_redrive.redrive = RedrivePolicy{"orders", 1};
  EXPECT_EQ(broker_->set_queue_attributes("orders", self_redrive).reason(), sqs_error::kInvalidParameterValue);
  EXPECT_EQ(broker_->set_queue_attributes("nope", changed).reason(), sqs_error::kQueueDoesNotExist);
  EXPECT_EQ(broker_->queue_config("orders")->visibility_timeout, 5s);  // the refusals changed nothing
}

TEST_P(BrokerConformanceTest, SendReceiveDeleteAndRedeliveryAfterTheVisibilityTimeout) {
  create("orders", {.visibility_timeout = 30s});
  const Result<BrokerSendResult> sent = broker_->send("orders", {.body = "OrderCreated"});
  ASSERT_TRUE(sent.ok());
  std::vector<BrokerMessage> first = receive("orders");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].message.message_id, sent->message_id);
  time_.run_for(30s);  // not deleted: delivered again
  std::vector<BrokerMessage> second = receive("orders");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].message.receive_count, 2u);
  EXPECT_EQ(*broker_->delete_message("orders", first[0].message.receipt_handle), DeleteResult::kStaleHandle);
  EXPECT_EQ(*broker_->delete_message("orders", second[0].message.receipt_handle), DeleteResult::kDeleted);
  EXPECT_THAT(receive("orders"), IsEmpty());
}

TEST_P(BrokerConformanceTest, ALongPollIsAnsweredWhenAMessageIsSent) {
  create("orders");
  std::vector<std::string> got;
  broker_->receive("orders", {.wait = 20s}, [&](Result<std::vector<BrokerMessage>> r) {
    for (const auto& m : *r) got.push_back(m.message.body);
  });
  time_.run_for(4s);
  ASSERT_TRUE(broker_->send("orders", {.body = "late"}).ok());
  time_.run_for(0s);
  EXPECT_THAT(got, ElementsAre("late"));
}

TEST_P(BrokerConformanceTest, FifoQueuesKeepGroupOrderAndDeduplicate) {
  SKIP_IF_UNSUPPORTED(broker_->create_queue("orders.fifo", {.fifo = true}));
  for (const char* body : {"created", "paid", "shipped"}) {
    ASSERT_TRUE(broker_->send("orders.fifo", {.body = body, .group_id = "ord_1", .deduplication_id = body}).ok());
  }
  const Result<BrokerSendResult> again =
      broker_->send("orders.fifo", {.body = "created", .group_id = "ord_1", .deduplication_id = "created"});
  EXPECT_TRUE(again->deduplicated);
  const std::vector<BrokerMessage> messages = receive("orders.fifo");
  EXPECT_THAT(bodies(messages), ElementsAre("created", "paid", "shipped"));
  EXPECT_EQ(messages[0].group_id, "ord_1");
  EXPECT_EQ(broker_->send("orders.fifo", {.body = "x"}).status().reason(), "MissingParameter");
}

TEST_P(BrokerConformanceTest, StandardQueuesRefuseFifoFields) {
  create("orders");
  EXPECT_EQ(broker_->send("orders", {.body = "x", .group_id = "g"}).status().reason(),
            sqs_error::kInvalidParameterValue);
}

TEST_P(BrokerConformanceTest, ARedrivePolicyNamesAnExistingDeadLetterQueueOfTheSameKind) {
  EXPECT_EQ(broker_->create_queue("orders", {.redrive = RedrivePolicy{"orders-dlq", 1}}).reason(),
            sqs_error::kInvalidParameterValue);  // no such DLQ yet
  create("orders-dlq");
  create("orders", {.visibility_timeout = 1s, .redrive = RedrivePolicy{"orders-dlq", 1}});
  ASSERT_TRUE(broker_->send("orders", {.body = "poison"}).ok());
  EXPECT_EQ(receive("orders").size(), 1u);
  time_.run_for(1s);
  EXPECT_THAT(receive("orders"), IsEmpty());  // past maxReceiveCount: dead-lettered
  EXPECT_THAT(bodies(receive("orders-dlq")), ElementsAre("poison"));
}

TEST_P(BrokerConformanceTest, AFifoQueuesDeadLetterQueueIsAFifoQueue) {
  create("orders-dlq");
  SKIP_IF_UNSUPPORTED(broker_->create_queue("events.fifo", {.fifo = true}));
  EXPECT_EQ(broker_->create_queue("other.fifo", {.fifo = true, .redrive = RedrivePolicy{"orders-dlq", 1}}).reason(),
            sqs_error::kInvalidParameterValue);  // a standard DLQ for a FIFO queue
}

TEST_P(BrokerConformanceTest, AFanoutExchangeFeedsEveryBoundQueue) {
  // The example system's shape: order events fanned out to notification and analytics.
  create("notification-events");
  create("analytics-events");
  ASSERT_TRUE(broker_->declare_exchange("order-events", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("notification-events", "order-events", "").ok());
  ASSERT_TRUE(broker_->bind_queue("analytics-events", "order-events", "").ok());
  const Result<std::vector<std::string>> routed =
      broker_->publish("order-events", "OrderCreated", {}, {.body = R"({"eventType":"OrderCreated"})"});
  ASSERT_TRUE(routed.ok());
  EXPECT_THAT(*routed, ElementsAre("analytics-events", "notification-events"));
  EXPECT_THAT(bodies(receive("notification-events")), ElementsAre(R"({"eventType":"OrderCreated"})"));
  EXPECT_EQ(receive("analytics-events").size(), 1u);
}

TEST_P(BrokerConformanceTest, ATopicExchangeRoutesByKeyAndSaysWhenNothingMatches) {
  create("cancellations");
  ASSERT_TRUE(broker_->declare_exchange("orders", ExchangeType::kTopic).ok());
  ASSERT_TRUE(broker_->bind_queue("cancellations", "orders", "order.cancelled.#").ok());
  EXPECT_THAT(*broker_->publish("orders", "order.cancelled.eu", {}, {.body = "c"}), ElementsAre("cancellations"));
  EXPECT_THAT(*broker_->publish("orders", "order.created", {}, {.body = "x"}), IsEmpty());  // unroutable
  EXPECT_THAT(bodies(receive("cancellations")), ElementsAre("c"));
  EXPECT_EQ(broker_->publish("nope", "k", {}, {.body = "x"}).status().reason(), amqp_error::kNotFound);
  EXPECT_EQ(broker_->bind_queue("nope", "orders", "k").reason(), sqs_error::kQueueDoesNotExist);
}

TEST_P(BrokerConformanceTest, APublishReachesEveryTargetOrNone) {
  create("plain");
  SKIP_IF_UNSUPPORTED(broker_->create_queue("ordered.fifo", {.fifo = true}));
  ASSERT_TRUE(broker_->declare_exchange("all", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("plain", "all", "").ok());
  ASSERT_TRUE(broker_->bind_queue("ordered.fifo", "all", "").ok());
  // The FIFO queue needs a group: it refuses, so the plain queue gets nothing either.
  const Result<std::vector<std::string>> refused = broker_->publish("all", "", {}, {.body = "x"});
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), ::testing::StartsWith("queue ordered.fifo refuses the message: "));
  EXPECT_THAT(receive("plain"), IsEmpty());
}

TEST_P(BrokerConformanceTest, TraceContextTravelsWithAPublishedMessage) {
  // Sent as the broker's /v1 publish and the event bus send it: headers for AMQP
  // consumers, message attributes for SQS ones. Neither is changed on the way.
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::string tracestate = "rojo=00f067aa0ba902b7,tenant@vendor=t61rcWkgMzE";
  create("audit");
  ASSERT_TRUE(broker_->declare_amqp_queue("work", {}).ok());
  ASSERT_TRUE(broker_->declare_exchange("orders", ExchangeType::kTopic).ok());
  ASSERT_TRUE(broker_->bind_queue("audit", "orders", "order.#").ok());
  ASSERT_TRUE(broker_->bind_queue("work", "orders", "order.#").ok());
  std::vector<AmqpDelivery> delivered;
  ASSERT_TRUE(broker_->consume("work", "worker-1", 10, [&](const AmqpDelivery& d) { delivered.push_back(d); }).ok());
  BrokerSendRequest request{.body = "created"};
  request.attributes = {{"traceparent", {.data_type = "String", .string_value = traceparent}},
                        {"tracestate", {.data_type = "String", .string_value = tracestate}}};
  const Headers headers = {{"traceparent", traceparent}, {"tracestate", tracestate}};
  EXPECT_THAT(*broker_->publish("orders", "order.created", headers, request), ElementsAre("audit", "work"));
  const std::vector<BrokerMessage> audited = receive("audit");
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].message.attributes.at("traceparent").string_value, traceparent);
  EXPECT_EQ(audited[0].message.attributes.at("tracestate").string_value, tracestate);
  ASSERT_TRUE(eventually([&] { return !delivered.empty(); }));
  EXPECT_EQ(delivered[0].headers.at("traceparent"), traceparent);
  EXPECT_EQ(delivered[0].headers.at("tracestate"), tracestate);
  EXPECT_TRUE(broker_->ack("work", delivered[0].delivery_tag).ok());
}

TEST_P(BrokerConformanceTest, DeletingAQueueRemovesItsBindingsAndItsRoleAsDeadLetterQueue) {
  create("dlq");
  create("source", {.visibility_timeout = 1s, .redrive = RedrivePolicy{"dlq", 1}});
  ASSERT_TRUE(broker_->declare_exchange("x", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("dlq", "x", "").ok());
  SKIP_IF_UNSUPPORTED(broker_->delete_queue("dlq"));
  EXPECT_THAT(*broker_->publish("x", "", {}, {.body = "m"}), IsEmpty());
  ASSERT_TRUE(broker_->send("source", {.body = "poison"}).ok());
  EXPECT_EQ(receive("source").size(), 1u);
  time_.run_for(1s);
  EXPECT_EQ(receive("source").size(), 1u);  // no DLQ any more: delivered again
}

// ---- AMQP queues

TEST_P(BrokerConformanceTest, AmqpQueuesPushToConsumersThroughAnExchange) {
  ASSERT_TRUE(broker_->declare_amqp_queue("work", {}).ok());
  ASSERT_TRUE(broker_->declare_exchange("tasks", ExchangeType::kDirect).ok());
  ASSERT_TRUE(broker_->bind_queue("work", "tasks", "resize").ok());
  std::vector<std::string> got;
  std::uint64_t tag = 0;
  ASSERT_TRUE(broker_
                  ->consume("work", "worker-1", 10,
                            [&](const AmqpDelivery& d) {
                              got.push_back(d.body + "@" + d.routing_key);
                              tag = d.delivery_tag;
                            })
                  .ok());
  EXPECT_THAT(*broker_->publish("tasks", "resize", {}, {.body = "image-1"}), ElementsAre("work"));
  EXPECT_TRUE(eventually([&] { return !got.empty(); }));
  EXPECT_THAT(got, ElementsAre("image-1@resize"));
  EXPECT_TRUE(broker_->ack("work", tag).ok());
  EXPECT_EQ(broker_->ack("work", tag).reason(), amqp_error::kPreconditionFailed);  // settled already
  EXPECT_EQ(broker_->consume("nope", "c", 1, [](const AmqpDelivery&) {}).reason(), sqs_error::kQueueDoesNotExist);
}

TEST_P(BrokerConformanceTest, DeadLettersGoThroughTheDeadLetterExchangeWithTheirReason) {
  create("dead");
  ASSERT_TRUE(broker_->declare_exchange("dlx", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("dead", "dlx", "").ok());
  ASSERT_TRUE(broker_->declare_amqp_queue("work", {.config = {.message_ttl = 1s}, .dead_letter_exchange = "dlx"}).ok());
  ASSERT_TRUE(broker_->declare_exchange("tasks", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("work", "tasks", "").ok());
  std::optional<std::uint64_t> tag;
  ASSERT_TRUE(broker_->consume("work", "w", 1, [&](const AmqpDelivery& d) { tag = d.delivery_tag; }).ok());
  ASSERT_TRUE(broker_->publish("tasks", "", {}, {.body = "poison"}).ok());
  ASSERT_TRUE(broker_->publish("tasks", "", {}, {.body = "left behind"}).ok());
  ASSERT_TRUE(eventually([&] { return tag.has_value(); }));
  ASSERT_TRUE(broker_->nack("work", *tag, /*requeue=*/false).ok());  // poison: rejected
  ASSERT_TRUE(broker_->cancel("work", "w").ok());
  wait_on_server_clock(1s);  // "left behind" waited its TTL: expired
  std::vector<std::string> reasons;
  EXPECT_TRUE(eventually([&] {
    for (const BrokerMessage& m : receive("dead")) {
      reasons.push_back(m.message.body + ":" + m.message.attributes.at("x-death-reason").string_value + ":" +
                        m.message.attributes.at("x-death-queue").string_value);
    }
    return reasons.size() >= 2;
  }));
  EXPECT_THAT(reasons, ElementsAre("poison:rejected:work", "left behind:expired:work"));
}

TEST_P(BrokerConformanceTest, AMandatoryMessageWithNoRouteIsReturned) {
  ASSERT_TRUE(broker_->declare_exchange("orders", ExchangeType::kDirect).ok());
  EXPECT_THAT(*broker_->publish("orders", "nowhere", {}, {.body = "x"}), IsEmpty());
  EXPECT_EQ(broker_->publish("orders", "nowhere", {}, {.body = "x"}, /*mandatory=*/true).status().reason(),
            amqp_error::kNoRoute);
}

TEST_P(BrokerConformanceTest, SqsAndAmqpQueuesShareOneNamespace) {
  create("jobs");
  EXPECT_EQ(broker_->declare_amqp_queue("jobs", {}).reason(), amqp_error::kPreconditionFailed);
  ASSERT_TRUE(broker_->declare_amqp_queue("tasks", {}).ok());
  EXPECT_TRUE(broker_->declare_amqp_queue("tasks", {}).ok());  // the same declaration again
  EXPECT_EQ(broker_->declare_amqp_queue("tasks", {.config = {.max_priority = 3}}).reason(),
            amqp_error::kPreconditionFailed);
  EXPECT_EQ(broker_->create_queue("tasks", {}).reason(), sqs_error::kQueueNameExists);
}

TEST_P(BrokerConformanceTest, AFullRejectPublishQueueRefusesTheWholePublish) {
  if (!GetParam().all_or_none_publish) {
    GTEST_SKIP() << "unsupported on this backend: a publish a reject-publish queue refuses still reaches the "
                    "other queues (it is nacked, and the error says so)";
  }
  create("audit");
  ASSERT_TRUE(
      broker_->declare_amqp_queue("bounded", {.config = {.max_length = 1, .overflow = Overflow::kRejectPublish}}).ok());
  ASSERT_TRUE(broker_->declare_exchange("all", ExchangeType::kFanout).ok());
  ASSERT_TRUE(broker_->bind_queue("audit", "all", "").ok());
  ASSERT_TRUE(broker_->bind_queue("bounded", "all", "").ok());
  ASSERT_TRUE(broker_->publish("all", "", {}, {.body = "first"}).ok());
  EXPECT_EQ(broker_->publish("all", "", {}, {.body = "second"}).status().reason(), amqp_error::kResourceLocked);
  EXPECT_EQ(receive("audit").size(), 1u);  // only the first: the second went nowhere
}

TEST_P(BrokerConformanceTest, ADelayedMessageWaitsOnAStandardQueue) {
  create("jobs");
  SKIP_IF_UNSUPPORTED(broker_->send("jobs", {.body = "later", .delay = 30s}).status());
  EXPECT_THAT(receive("jobs"), IsEmpty());  // delayed
  time_.run_for(30s);
  EXPECT_THAT(bodies(receive("jobs")), ElementsAre("later"));
}

TEST_P(BrokerConformanceTest, VisibilityChangesAndPurgeOnAStandardQueue) {
  create("jobs");
  ASSERT_TRUE(broker_->send("jobs", {.body = "later"}).ok());
  const std::vector<BrokerMessage> got = receive("jobs");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(broker_->change_visibility("jobs", got[0].message.receipt_handle, 0s).ok());
  time_.run_for(0s);
  EXPECT_THAT(bodies(receive("jobs")), ElementsAre("later"));  // visible again at once
  EXPECT_EQ(broker_->change_visibility("jobs", "not-a-handle", 0s).reason(), sqs_error::kReceiptHandleIsInvalid);
  ASSERT_TRUE(broker_->send("jobs", {.body = "more"}).ok());
  ASSERT_TRUE(broker_->purge("jobs").ok());
  time_.run_for(0s);
  EXPECT_EQ(broker_->queue_stats("jobs")->visible, 0u);
}

TEST_P(BrokerConformanceTest, AHeadersExchangeFeedsAPriorityQueueHighestFirst) {
  ASSERT_TRUE(broker_->declare_amqp_queue("urgent-eu", {.config = {.max_priority = 5}}).ok());
  ASSERT_TRUE(broker_->declare_exchange("by-headers", ExchangeType::kHeaders).ok());
  ASSERT_TRUE(broker_->bind_queue("urgent-eu", "by-headers", "", {{"x-match", "any"}, {"region", "eu"}}).ok());
  EXPECT_THAT(*broker_->publish("by-headers", "", {{"region", "us"}}, {.body = "elsewhere"}), IsEmpty());
  for (auto [body, priority] : {std::pair{"low", 1}, {"high", 5}, {"mid", 3}}) {
    ASSERT_TRUE(broker_
                    ->publish("by-headers", "", {{"region", "eu"}},
                              {.body = body, .priority = static_cast<std::uint8_t>(priority)})
                    .ok());
  }
  std::vector<std::string> order;
  ASSERT_TRUE(broker_->consume("urgent-eu", "c", 10, [&](const AmqpDelivery& d) { order.push_back(d.body); }).ok());
  EXPECT_TRUE(eventually([&] { return order.size() >= 3; }));
  EXPECT_THAT(order, ElementsAre("high", "mid", "low"));
}

// ---- Logs

TEST_P(BrokerConformanceTest, TopicsKeepAKeysRecordsInOrderInOnePartition) {
  SKIP_IF_UNSUPPORTED(broker_->create_topic("orders", {.partitions = 3}));
  EXPECT_TRUE(broker_->create_topic("orders", {.partitions = 3}).ok());  // the same again
  EXPECT_EQ(broker_->create_topic("orders", {.partitions = 4}).reason(), kafka_error::kTopicAlreadyExists);
  std::uint32_t partition = 0;
  for (const char* value : {"created", "paid", "shipped"}) {
    const Result<AppendResult> at = broker_->append("orders", {.key = "ord_1", .value = value});
    ASSERT_TRUE(at.ok());
    partition = at->partition;
  }
  EXPECT_EQ(partition, kafka_partition_for_key("ord_1", 3));
  std::vector<std::string> values;
  for (const LogRecord& r : *broker_->fetch("orders", partition, 0, 10)) values.push_back(r.value);
  EXPECT_THAT(values, ElementsAre("created", "paid", "shipped"));
  EXPECT_EQ(broker_->append("nope", {.value = "x"}).status().reason(), kafka_error::kUnknownTopicOrPartition);
}

TEST_P(BrokerConformanceTest, AConsumerReplaysFromAPointInTime) {
  SKIP_IF_UNSUPPORTED(broker_->create_topic("events", {}));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(broker_->append("events", {.value = "e" + std::to_string(i)}).ok());
    time_.run_for(1s);
  }
  const std::int64_t from = *broker_->offset_for_time("events", 0, time::Instant(1500ms));
  std::vector<std::string> replayed;
  for (const LogRecord& r : *broker_->fetch("events", 0, from, 10)) replayed.push_back(r.value);
  EXPECT_THAT(replayed, ElementsAre("e2", "e3"));
}

TEST_P(BrokerConformanceTest, AConsumerGroupSharesPartitionsAndKeepsCommits) {
  SKIP_IF_UNSUPPORTED(broker_->create_topic("orders", {.partitions = 4}));
  ASSERT_TRUE(broker_->join_group("orders", "analytics", "c1").ok());
  const std::uint64_t generation = *broker_->join_group("orders", "analytics", "c2");
  std::vector<std::uint32_t> all = *broker_->assignment("orders", "analytics", "c1");
  const std::vector<std::uint32_t> c2 = *broker_->assignment("orders", "analytics", "c2");
  all.insert(all.end(), c2.begin(), c2.end());
  std::sort(all.begin(), all.end());
  EXPECT_THAT(all, ElementsAre(0u, 1u, 2u, 3u));  // every partition, each once
  ASSERT_TRUE(broker_->commit("orders", "analytics", "c2", generation, c2[0], 7).ok());
  ASSERT_TRUE(broker_->leave_group("orders", "analytics", "c1").ok());
  EXPECT_EQ(broker_->commit("orders", "analytics", "c2", generation, c2[0], 8).reason(),
            kafka_error::kIllegalGeneration);  // the group moved on when c1 left
  EXPECT_EQ(*broker_->committed("orders", "analytics", c2[0]), 7);
  EXPECT_EQ(broker_->heartbeat("orders", "nobody", "c9").reason(), kafka_error::kUnknownMemberId);
}

TEST_P(BrokerConformanceTest, AMemberThatStopsHeartbeatingLosesItsPartitions) {
  SKIP_IF_UNSUPPORTED(broker_->create_topic("orders", {.partitions = 2}));
  ASSERT_TRUE(broker_->join_group("orders", "billing", "alive").ok());
  ASSERT_TRUE(broker_->join_group("orders", "billing", "silent").ok());
  EXPECT_EQ(broker_->assignment("orders", "billing", "alive")->size(), 1u);
  for (int i = 0; i < 5; ++i) {  // well past any session timeout, with "alive" heart-beating
    time_.run_for(5s);
    ASSERT_TRUE(broker_->heartbeat("orders", "billing", "alive").ok());
  }
  EXPECT_THAT(*broker_->assignment("orders", "billing", "alive"), ElementsAre(0u, 1u));
  EXPECT_EQ(broker_->heartbeat("orders", "billing", "silent").reason(), kafka_error::kUnknownMemberId);
}

TEST_P(BrokerConformanceTest, AnIdempotentProducerIsNotDuplicatedByRetries) {
  SKIP_IF_UNSUPPORTED(broker_->create_topic("payments", {}));
  const AppendRequest first{.value = "charge", .producer = ProducerSequence{.producer_id = 9, .sequence = 0}};
  const Result<AppendResult> stored = broker_->append("payments", first);
  ASSERT_TRUE(stored.ok());
  const Result<AppendResult> retried = broker_->append("payments", first);  // the ack was lost; sent again
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->duplicate);
  EXPECT_EQ(retried->offset, stored->offset);
  EXPECT_EQ(broker_->append("payments", {.value = "gap", .producer = ProducerSequence{.producer_id = 9, .sequence = 5}})
                .status()
                .reason(),
            kafka_error::kOutOfOrderSequenceNumber);
  EXPECT_EQ(broker_->fetch("payments", 0, 0, 10)->size(), 1u);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BrokerConformanceTest);

}  // namespace
}  // namespace sluice::broker
