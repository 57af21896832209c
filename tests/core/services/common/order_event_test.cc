#include "core/services/common/order_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace sluice::services {
namespace {

using nlohmann::json;

json valid() {
  return {{"eventType", "OrderCreated"},
          {"orderId", "ord_1"},
          {"idempotencyKey", "order-created-ord_1"},
          {"userId", "usr_456"},
          {"items", {{{"productId", "SKU-123"}, {"quantity", 2}}}},
          {"total", 99.99},
          {"card", "4242"},
          {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
          {"futureField", {1, 2, 3}}};
}

std::string reason(const json& event) {
  const Result<OrderEvent> decoded = decode_order_event(event.dump());
  return decoded.ok() ? "" : std::string(decoded.status().reason()) + ": " + decoded.status().message();
}

TEST(OrderEventTest, DecodesEveryField) {
  const Result<OrderEvent> event = decode_order_event(valid().dump());
  ASSERT_TRUE(event.ok()) << event.status().message();
  EXPECT_EQ(event->event_type, "OrderCreated");
  EXPECT_EQ(event->order_id, "ord_1");
  EXPECT_EQ(event->idempotency_key, "order-created-ord_1");
  EXPECT_EQ(event->user_id, "usr_456");
  ASSERT_EQ(event->items.size(), 1u);
  EXPECT_EQ(event->items[0].product_id, "SKU-123");
  EXPECT_EQ(event->items[0].quantity, 2);
  EXPECT_DOUBLE_EQ(event->total.value(), 99.99);
  EXPECT_EQ(event->body["futureField"].size(), 3u);  // unknown fields are kept, not refused
}

TEST(OrderEventTest, RefusesWrongTypesWithTheFieldNamed) {
  json wrong = valid();
  wrong["eventType"] = 5;  // the poison message that used to abort analytics
  EXPECT_EQ(reason(wrong), "invalid_field: event.eventType must be a string; got 5");
  wrong = valid();
  wrong["orderId"] = nullptr;
  EXPECT_EQ(reason(wrong), "invalid_field: event.orderId must be a string; got null");
  wrong = valid();
  wrong["total"] = "99.99";
  EXPECT_EQ(reason(wrong), "invalid_field: event.total must be a number; got \"99.99\"");
  wrong = valid();
  wrong["total"] = -1;
  EXPECT_EQ(reason(wrong), "invalid_field: event.total must be >= 0; got -1");
  wrong = valid();
  wrong["items"] = "SKU-123";
  EXPECT_EQ(reason(wrong), "invalid_field: event.items must be an array");
  wrong = valid();
  wrong["items"][0]["quantity"] = 2.5;
  EXPECT_EQ(reason(wrong), "invalid_field: items[0].quantity must be a whole number from 1 to 1000000; got 2.5");
  wrong = valid();
  wrong["items"][0]["quantity"] = 1e300;
  EXPECT_EQ(reason(wrong).substr(0, 14), "invalid_field:");
  wrong = valid();
  wrong["items"][0].erase("productId");
  EXPECT_EQ(reason(wrong), "missing_field: items[0] needs productId and quantity");
  wrong = valid();
  wrong["userId"] = std::string(2000, 'u');
  EXPECT_EQ(reason(wrong),
            "invalid_field: event.userId must be at most 1024 bytes; got \"" + std::string(40, 'u') + "\"");
}

TEST(OrderEventTest, RefusesMissingOrEmptyRequiredFields) {
  for (const char* field : {"eventType", "orderId", "idempotencyKey"}) {
    json missing = valid();
    missing.erase(field);
    EXPECT_EQ(reason(missing), std::string("missing_field: the event has no ") + field);
    json empty = valid();
    empty[field] = "";
    EXPECT_EQ(reason(empty), std::string("invalid_field: event.") + field + " must not be empty; got \"\"");
  }
}

TEST(OrderEventTest, RefusesWhatIsNotAnObjectOrNotJson) {
  EXPECT_EQ(decode_order_event("[1, 2]").status().reason(), "not_an_object");
  EXPECT_EQ(decode_order_event("null").status().reason(), "not_an_object");
  EXPECT_EQ(decode_order_event("not json").status().reason(), "not_json");
  EXPECT_EQ(decode_order_event(R"({"eventType": "A", "eventType": "B"})").status().reason(), "duplicate_key");
  EXPECT_EQ(decode_order_event(std::string(100'000, '[')).status().reason(), "too_deep");
  EXPECT_EQ(decode_order_event(std::string(1 << 20, ' ')).status().reason(), "too_large");
}

}  // namespace
}  // namespace sluice::services
