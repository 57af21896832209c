// What the notification and analytics services do with each order event, and the
// trace context a consumer reads from a message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "native/services/analytics/event_counts.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/notification/notifier.h"

namespace sluice::native {
namespace {

using nlohmann::json;

services::OrderEvent event(std::string type, std::string order, double total = 10) {
  std::string key = type == "OrderConfirmed" ? "order-confirmed-" : type == "OrderCreated" ? "order-created-" : "x-";
  return *services::decode_order_event(json{
      {"eventType", type}, {"orderId", order}, {"userId", "usr_456"}, {"total", total}, {"idempotencyKey", key + order}}
                                           .dump());
}

class NotifierTest : public ::testing::Test {
 protected:
  NotifierTest() {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl";
    std::filesystem::remove(path_);
  }
  std::string path_;
};

TEST_F(NotifierTest, SendsEachEventOnceEvenAcrossARestart) {
  {
    auto notifier = *Notifier::open(path_);
    EXPECT_EQ(*notifier->notify(event("OrderConfirmed", "ord_1"), "4bf92f3577b34da6a3ce929d0e0e4736"),
              NotifyOutcome::kSent);
    EXPECT_EQ(*notifier->notify(event("OrderConfirmed", "ord_1"), ""), NotifyOutcome::kDuplicate);
  }
  {
    std::ofstream torn(path_, std::ios::app);
    torn << R"({"idempotencyKey": "order-conf)";  // a crash in the middle of a line
  }
  auto restarted = *Notifier::open(path_);
  EXPECT_EQ(*restarted->notify(event("OrderConfirmed", "ord_1"), ""), NotifyOutcome::kDuplicate);
  EXPECT_EQ(*restarted->notify(event("OrderCreated", "ord_2"), ""), NotifyOutcome::kSent);
  const std::vector<json> lines = [&] {
    std::vector<json> parsed;
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded()) parsed.push_back(j);
    }
    return parsed;
  }();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["template"], "order_confirmed");
  EXPECT_EQ(lines[0]["to"], "usr_456");
  EXPECT_EQ(lines[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(lines[1]["template"], "order_received");
}

TEST_F(NotifierTest, IgnoresOtherEvents) {
  auto notifier = *Notifier::open(path_);
  EXPECT_EQ(*notifier->notify(event("StockReserved", "ord_1"), ""), NotifyOutcome::kIgnored);
  EXPECT_EQ(notifier->sent(), 0u);
}

TEST(EventCountsTest, CountsEachEventOnceWithRedMetricsAndRevenue) {
  prometheus::Registry registry;
  EventCounts counts(registry);
  const auto now = std::chrono::steady_clock::now();
  EXPECT_TRUE(counts.record(event("OrderCreated", "ord_1"), now));
  EXPECT_TRUE(counts.record(event("OrderConfirmed", "ord_1", 99.99), now));
  EXPECT_FALSE(counts.record(event("OrderConfirmed", "ord_1", 99.99), now));  // a copy
  const json summary = counts.summary();
  EXPECT_EQ(summary["events"], (json{{"OrderConfirmed", 1}, {"OrderCreated", 1}}));
  EXPECT_EQ(summary["duplicates"], 1);
  EXPECT_DOUBLE_EQ(summary["confirmedRevenue"].get<double>(), 99.99);
  std::map<std::string, double> totals;
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) {
      if (family.name == "order_events_total") totals[metric.label[0].value] = metric.counter.value;
    }
  }
  EXPECT_EQ(totals, (std::map<std::string, double>{{"OrderConfirmed", 1}, {"OrderCreated", 1}}));
}

// A consumer continues the producer's trace from the message attributes, validated;
// the body's fields stand in only when the producer set no attributes.
TEST(TraceOfMessageTest, ReadsTheAttributesBeforeTheBody) {
  const std::string producer = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const json body = {{"traceparent", "00-12345678901234567890123456789012-1234567890123456-01"},
                     {"tracestate", "body=1"}};
  const auto attribute = [](std::string value) { return json{{"DataType", "String"}, {"StringValue", value}}; };
  const json message = {
      {"MessageAttributes", {{"traceparent", attribute(producer)}, {"tracestate", attribute("rojo=1, congo=2")}}}};
  const std::optional<observe::TraceContext> trace = trace_of_message(message, body);
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->traceparent(), producer);
  EXPECT_EQ(trace->tracestate, "rojo=1,congo=2");

  const std::optional<observe::TraceContext> from_body = trace_of_message(json::object(), body);
  ASSERT_TRUE(from_body.has_value());
  EXPECT_EQ(from_body->trace_id_hex(), "12345678901234567890123456789012");
  EXPECT_EQ(from_body->tracestate, "body=1");
}

TEST(TraceOfMessageTest, AnInvalidContextIsNoneAndAnInvalidTracestateIsDropped) {
  const auto attribute = [](json value) { return json{{"DataType", "String"}, {"StringValue", value}}; };
  const std::string producer = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  EXPECT_FALSE(trace_of_message({{"MessageAttributes", {{"traceparent", attribute("ff-" + producer.substr(3))}}}},
                                json::object())
                   .has_value());
  EXPECT_FALSE(trace_of_message({{"MessageAttributes", {{"traceparent", attribute(42)}}}}, json::object()).has_value());
  EXPECT_FALSE(trace_of_message({{"MessageAttributes", "garbage"}}, json::array()).has_value());
  const std::optional<observe::TraceContext> trace = trace_of_message(
      {{"MessageAttributes", {{"traceparent", attribute(producer)}, {"tracestate", attribute("FOO=1")}}}},
      json::object());
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->tracestate, "");
}

}  // namespace
}  // namespace sluice::native
