// The article's choreographed order flow on the in-memory broker: payment, inventory
// and order services react to each other's events; a tracker shows each saga.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/broker/in_memory_broker.h"
#include "core/saga/event_bus.h"
#include "core/saga/saga_tracker.h"
#include "core/time/virtual_time.h"
#include "tests/core/saga/saga_test_support.h"

namespace sluice::saga {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Events = std::vector<SagaEvent>;

SagaEvent next(const SagaEvent& cause, std::string type, json payload = json::object()) {
  return {.type = std::move(type),
          .correlation_id = cause.correlation_id,
          .traceparent = cause.traceparent,
          .tracestate = cause.tracestate,
          .payload = std::move(payload)};
}

class ChoreographyTest : public ::testing::Test {
 protected:
  ChoreographyTest() {
    EXPECT_TRUE(bus.declare().ok());
    const broker::QueueConfig quick{.visibility_timeout = 5s};
    EXPECT_TRUE(bus.subscribe("payment", {"OrderCreated", "StockReservationFailed"}, quick).ok());
    EXPECT_TRUE(bus.subscribe("inventory", {"PaymentCharged", "PaymentFailed"}, quick).ok());
    EXPECT_TRUE(bus.subscribe("order", {"StockReserved", "PaymentFailed", "PaymentRefunded"}, quick).ok());
    std::vector<std::string> all;
    for (const FlowRule& rule : article_order_flow().rules) all.push_back(rule.event_type);
    EXPECT_TRUE(bus.subscribe("tracker", all, quick).ok());
  }

  Result<Events> payment(const SagaEvent& e) {
    if (payment_down) return Status(StatusCode::kUnavailable, "payment database down");
    if (e.type == "OrderCreated") {
      const std::string card = e.payload.value("card", "");
      if (card.ends_with("0000")) return Events{next(e, "PaymentFailed", {{"reason", "card declined"}})};
      ++charges[e.correlation_id];
      return Events{next(e, "PaymentCharged", {{"paymentId", "p-" + e.correlation_id}})};
    }
    ++refunds[e.correlation_id];  // StockReservationFailed
    return Events{next(e, "PaymentRefunded")};
  }

  Result<Events> inventory(const SagaEvent& e) {
    if (e.type == "PaymentCharged") {
      if (stock < 1) return Events{next(e, "StockReservationFailed", {{"reason", "out of stock"}})};
      --stock;
      reserved[e.correlation_id] = true;
      return Events{next(e, "StockReserved")};
    }
    if (reserved[e.correlation_id]) ++stock;  // PaymentFailed: release what was reserved, if anything
    reserved[e.correlation_id] = false;
    return Events{next(e, "StockReleased")};
  }

  Result<Events> order(const SagaEvent& e) {
    order_saw_trace[e.correlation_id] = e.traceparent + " " + e.tracestate;
    if (e.type == "StockReserved") {
      orders[e.correlation_id] = "CONFIRMED";
      return Events{next(e, "OrderConfirmed")};
    }
    orders[e.correlation_id] = "CANCELLED";
    return Events{next(e, "OrderCancelled")};
  }

  void create(const std::string& id, const std::string& card) {
    orders[id] = "PENDING";
    ASSERT_TRUE(bus.publish({.type = "OrderCreated",
                             .correlation_id = id,
                             .traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                             .tracestate = "rojo=00f067aa0ba902b7",
                             .payload = {{"card", card}, {"total", 10}}})
                    .ok());
  }

  // settle: every service polls until nothing is left to do.
  void settle(time::Duration for_at_most = 1min) {
    const time::Instant until = time.now() + for_at_most;
    while (time.now() < until) {
      poll("payment", [this](const SagaEvent& e) { return payment(e); });
      poll("inventory", [this](const SagaEvent& e) { return inventory(e); });
      poll("order", [this](const SagaEvent& e) { return order(e); });
      poll_tracker();
      time.run_for(100ms);
    }
  }
  void poll_tracker() {
    poll("tracker", [this](const SagaEvent& e) -> Result<Events> {
      SLUICE_RETURN_IF_ERROR(tracker.observe(e));
      return Events{};
    });
  }
  void poll(const std::string& service, EventBus::Reaction react) {
    bus.poll(service, {.max_messages = 10, .wait = 0s}, std::move(react), [](Result<std::size_t>) {});
  }

  time::VirtualTime time;
  testing::EventLog events;
  broker::InMemoryBroker broker{time, time::Prng(3)};
  EventBus bus{broker, "saga-events", &events};
  SagaTracker tracker{article_order_flow(), time, &events};
  int stock = 5;
  bool payment_down = false;
  std::map<std::string, int> charges, refunds;
  std::map<std::string, bool> reserved;
  std::map<std::string, std::string> orders;
  std::map<std::string, std::string> order_saw_trace;  // "traceparent tracestate" of its last event
};

std::vector<std::string> types(const TrackedSaga& saga) {
  std::vector<std::string> out;
  for (const TrackedEvent& e : saga.timeline) out.push_back(e.type);
  return out;
}

TEST_F(ChoreographyTest, AnOrderFlowsThroughPaymentAndInventoryToConfirmed) {
  create("order-1", "4242424242424242");
  settle();
  EXPECT_EQ(orders["order-1"], "CONFIRMED");
  EXPECT_EQ(stock, 4);
  const TrackedSaga* saga = tracker.find("order-1");
  ASSERT_NE(saga, nullptr);
  EXPECT_EQ(saga->state, SagaState::kCompleted);
  EXPECT_EQ(types(*saga),
            (std::vector<std::string>{"OrderCreated", "PaymentCharged", "StockReserved", "OrderConfirmed"}));
  EXPECT_EQ(saga->data["paymentId"], "p-order-1");
  EXPECT_EQ(saga->completed_steps, (std::set<std::string>{"inventory", "payment"}));
}

TEST_F(ChoreographyTest, AFailedPaymentReleasesStockAndCancelsTheOrder) {
  create("order-2", "4000000000000000");
  settle();
  EXPECT_EQ(orders["order-2"], "CANCELLED");
  EXPECT_EQ(stock, 5);
  const TrackedSaga* saga = tracker.find("order-2");
  EXPECT_EQ(saga->state, SagaState::kCompensated);
  EXPECT_EQ(saga->reason, "step \"payment\" failed (PaymentFailed): card declined");
  EXPECT_EQ(saga->compensated_steps, (std::set<std::string>{"inventory"}));
}

TEST_F(ChoreographyTest, NoStockRefundsThePaymentAndCancels) {
  stock = 0;
  create("order-3", "4242424242424242");
  settle();
  EXPECT_EQ(charges["order-3"], 1);
  EXPECT_EQ(refunds["order-3"], 1);
  EXPECT_EQ(orders["order-3"], "CANCELLED");
  EXPECT_EQ(tracker.find("order-3")->state, SagaState::kCompensated);
  EXPECT_EQ(tracker.find("order-3")->compensated_steps, (std::set<std::string>{"payment"}));
}

TEST_F(ChoreographyTest, ACopyOfAnEventIsProcessedOnce) {
  create("order-1", "4242424242424242");
  create("order-1", "4242424242424242");  // the order service republished after a crash
  settle();
  EXPECT_EQ(charges["order-1"], 1);
  EXPECT_EQ(stock, 4);
  EXPECT_EQ(tracker.find("order-1")->timeline.size(), 4u);
  EXPECT_GE(events.count("saga.event_duplicate"), 1);
}

TEST_F(ChoreographyTest, AFailedReactionIsRedeliveredAfterTheVisibilityTimeout) {
  payment_down = true;
  create("order-1", "4242424242424242");
  settle(2s);
  EXPECT_EQ(tracker.find("order-1")->state, SagaState::kRunning);
  EXPECT_GE(events.count("saga.reaction_failed"), 1);
  payment_down = false;
  settle();  // the message comes back after 5 s
  EXPECT_EQ(tracker.find("order-1")->state, SagaState::kCompleted);
  EXPECT_EQ(charges["order-1"], 1);
}

TEST_F(ChoreographyTest, ASilentParticipantShowsAsAStalledSaga) {
  create("order-1", "4242424242424242");
  // Only payment and the tracker work; inventory never answers.
  for (int i = 0; i < 10; ++i) {
    poll("payment", [this](const SagaEvent& e) { return payment(e); });
    poll_tracker();
    time.run_for(100ms);
  }
  EXPECT_TRUE(tracker.stalled(30s).empty());
  time.run_for(31s);
  ASSERT_EQ(tracker.stalled(30s).size(), 1u);
  EXPECT_EQ(tracker.stalled(30s)[0]->correlation_id, "order-1");
}

TEST_F(ChoreographyTest, AMalformedMessageStaysInTheQueueAndIsReported) {
  broker::BrokerSendRequest junk;
  junk.body = "{not json";
  ASSERT_TRUE(broker.publish("saga-events", "OrderCreated", {}, junk, false).ok());
  settle(1s);
  EXPECT_GE(events.count("saga.event_malformed"), 1);
  Result<broker::QueueStats> stats = broker.queue_stats("payment-events");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->visible + stats->in_flight, 1u);
}

TEST(SagaEventTest, RoundTripsAndRejectsBadEnvelopes) {
  const SagaEvent event{.type = "OrderCreated", .correlation_id = "o-1", .payload = {{"total", 5}}};
  Result<SagaEvent> back = decode_event(encode_event(event));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->idempotency_key, "o-1:OrderCreated");
  EXPECT_EQ(back->payload["total"], 5);
  EXPECT_NE(decode_event("{").status().message().find("malformed JSON"), std::string::npos);
  EXPECT_EQ(decode_event(R"({"type": "Order Created", "correlation_id": "o"})").status().message(),
            "saga event: \"type\" must be letters, digits, '_' or '-'; got \"Order Created\"");
  EXPECT_EQ(decode_event(R"({"type": "A"})").status().message(), "saga event: \"correlation_id\" is missing");
  EXPECT_EQ(decode_event(R"({"type": "A", "correlation_id": "o", "payload": []})").status().message(),
            "saga event: \"payload\" must be an object");
  EXPECT_EQ(decode_event(R"({"type": "A", "correlation_id": "o", "extra": 1})").status().message(),
            "saga event: unknown field \"extra\"");
}

TEST(SagaTrackerTest, RejectsUnknownEventsAndInvalidFlows) {
  time::VirtualTime time;
  SagaTracker tracker(article_order_flow(), time);
  EXPECT_EQ(tracker.observe({.type = "Nope", .correlation_id = "o"}).message(),
            "flow \"OrderFlow\" has no event \"Nope\"");
  EXPECT_EQ(tracker.size(), 0u);
  ChoreographyFlow flow = article_order_flow();
  flow.rules.pop_back();  // no event cancels
  EXPECT_NE(flow.validate().message().find("start, complete and cancel"), std::string::npos);
  flow = article_order_flow();
  flow.rules[1].step.clear();
  EXPECT_NE(flow.validate().message().find("needs a step"), std::string::npos);
}

TEST(RecentKeysTest, RemembersTheLastKeysOnly) {
  RecentKeys seen(2);
  EXPECT_TRUE(seen.insert("a"));
  EXPECT_FALSE(seen.insert("a"));
  EXPECT_TRUE(seen.insert("b"));
  EXPECT_TRUE(seen.insert("c"));  // "a" is forgotten
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen.contains("a"));
  EXPECT_TRUE(seen.insert("a"));
  EXPECT_FALSE(seen.insert("c"));
}

TEST(SagaTrackerTest, EventsAfterTheEndAreKeptButDoNotChangeTheState) {
  time::VirtualTime time;
  SagaTracker tracker(article_order_flow(), time);
  ASSERT_TRUE(tracker.observe({.type = "OrderCancelled", .correlation_id = "o"}).ok());  // seen first
  ASSERT_TRUE(tracker.observe({.type = "PaymentFailed", .correlation_id = "o"}).ok());
  EXPECT_EQ(tracker.find("o")->state, SagaState::kCompensated);
  EXPECT_EQ(tracker.find("o")->timeline.size(), 2u);
}

TEST_F(ChoreographyTest, TheTraceAndItsTracestateGoThroughEveryHop) {
  create("o-1", "4242424242424242");
  settle();
  EXPECT_EQ(orders["o-1"], "CONFIRMED");
  // OrderCreated -> payment -> inventory -> order: three hops through message attributes.
  EXPECT_EQ(order_saw_trace["o-1"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 rojo=00f067aa0ba902b7");
}

// A message published by someone else: its attributes are read as trace headers,
// validated, and win over the body.
class ChoreographyTraceTest : public ChoreographyTest {
 protected:
  // seen: the trace context the order service's reaction gets for a StockReserved
  // message with this body trace and these attributes.
  std::string seen(const std::string& body_traceparent, const broker::MessageAttributes& attributes) {
    const std::string id = "o-" + std::to_string(++published);
    broker::BrokerSendRequest request;
    request.body = encode_event({.type = "StockReserved", .correlation_id = id, .traceparent = body_traceparent});
    request.attributes = attributes;
    EXPECT_TRUE(broker.publish("saga-events", "StockReserved", {}, request, false).ok());
    settle(1s);
    EXPECT_EQ(orders[id], "CONFIRMED");
    return order_saw_trace[id];
  }
  static broker::MessageAttributeValue text(std::string value) {
    return {.data_type = "String", .string_value = std::move(value)};
  }
  const std::string kBody = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::string kAttribute = "00-12345678901234567890123456789012-1234567890123456-01";
  int published = 0;
};

TEST_F(ChoreographyTraceTest, TheAttributesWinOverTheBody) {
  EXPECT_EQ(seen(kBody, {{"traceparent", text(kAttribute)}, {"tracestate", text("foo=1, bar=2")}}),
            kAttribute + " foo=1,bar=2");
}

TEST_F(ChoreographyTraceTest, AnInvalidTracestateIsDroppedAndTheTraceparentKept) {
  EXPECT_EQ(seen(kBody, {{"traceparent", text(kAttribute)}, {"tracestate", text("FOO=1")}}), kAttribute + " ");
}

TEST_F(ChoreographyTraceTest, AnInvalidTraceparentTakesItsTracestateWithIt) {
  EXPECT_EQ(seen(kBody, {{"traceparent", text("00-zz")}, {"tracestate", text("foo=1")}}), " ");
}

TEST_F(ChoreographyTraceTest, WithoutAttributesTheBodysContextIsValidated) {
  EXPECT_EQ(seen(kBody, {}), kBody + " ");
  EXPECT_EQ(seen("ff-" + kBody.substr(3), {}), " ");
}

}  // namespace
}  // namespace sluice::saga
