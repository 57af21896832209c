// order_event.h: OrderEvent, the example system's order events (OrderCreated,
// PaymentCharged, StockFailed, ... on the "orders" exchange) read from a message body
// once, at the consumer's door, with every field's type and range checked. Consumers
// read these fields, never the raw JSON, so a poison message cannot make one throw.
//
//   Result<OrderEvent> event = decode_order_event(message.body);
//   if (!event.ok()) reject(event.status().reason());  // "not_json", "missing_field", ...
//   else handle(*event);
//
// Required: eventType, orderId and idempotencyKey, non-empty strings. Optional, and
// checked when present: userId, card, reason, paymentId, correlationId, traceparent,
// tracestate, timestamp, status (strings), total (a finite number >= 0) and items (at
// most kMaxItems objects {productId: string, quantity: whole number 1..kMaxQuantity}).
// Unknown fields are allowed: producers may add what this reader does not know yet.
#ifndef SLUICE_CORE_SERVICES_COMMON_ORDER_EVENT_H_
#define SLUICE_CORE_SERVICES_COMMON_ORDER_EVENT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace sluice::services {

inline constexpr std::size_t kMaxItems = 1000;
inline constexpr std::int64_t kMaxQuantity = 1'000'000;
inline constexpr std::size_t kMaxFieldBytes = 1024;

struct OrderItem {
  std::string product_id;
  std::int64_t quantity = 0;
};

struct OrderEvent {
  std::string event_type;
  std::string order_id;
  std::string idempotency_key;
  std::string user_id;
  std::string card;
  std::string reason;
  std::string payment_id;
  std::string correlation_id;
  std::string traceparent;
  std::string tracestate;
  std::optional<double> total;
  std::vector<OrderItem> items;
  // body: the whole object as received (validated as above), for follow-up events that
  // carry its fields on.
  nlohmann::json body;
};

// decode_order_event: the event in `body`, or why it is not one. The Status's reason()
// is one of "too_large", "not_json", "too_deep", "duplicate_key", "number_out_of_range"
// (from config::parse_untrusted_json), "not_an_object", "missing_field" or
// "invalid_field"; its message names the field and the rule.
Result<OrderEvent> decode_order_event(std::string_view body);

}  // namespace sluice::services

#endif  // SLUICE_CORE_SERVICES_COMMON_ORDER_EVENT_H_
