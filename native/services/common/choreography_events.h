// choreography_events.h: the events of the article's choreographed order flow, which
// every participant derives from the event that caused it:
//
//   OrderCreated   (order.created)    payment charges   -> PaymentCharged or PaymentFailed
//   PaymentCharged (payment.charged)  inventory reserves -> StockReserved or StockFailed
//   StockFailed    (stock.failed)     payment refunds    -> PaymentRefunded
//   order: StockReserved -> CONFIRMED; PaymentFailed or PaymentRefunded -> CANCELLED
//
// A follow-up keeps the order's fields (orderId, userId, items, total, card) and its
// correlation id, continues the cause's trace (traceparent and tracestate, as the
// consumer read them from the message), and gets an idempotency key of its own
// ("payment-charged-<orderId>"), so a redelivered cause yields the same follow-up.
#ifndef SLUICE_NATIVE_SERVICES_COMMON_CHOREOGRAPHY_EVENTS_H_
#define SLUICE_NATIVE_SERVICES_COMMON_CHOREOGRAPHY_EVENTS_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "native/runtime/json_log.h"
#include "native/services/common/event_publisher.h"
#include "native/services/common/sqs_consumer.h"

namespace sluice::native {

// kebab: "PaymentCharged" -> "payment-charged".
std::string kebab(std::string_view event_type);
// routing_key_of: "PaymentCharged" -> "payment.charged".
std::string routing_key_of(std::string_view event_type);
// follow_up: the event `event_type` caused by `cause`, with `fields` added.
nlohmann::json follow_up(const services::OrderEvent& cause, std::string_view event_type,
                         const nlohmann::json& fields = nlohmann::json::object());

// publish_follow_up: publishes `event` (a follow-up of `cause`), logs it in the cause's
// trace, and tells `done` whether `cause` may be acknowledged (only once published: a
// redelivered cause meets the barrier and publishes the same follow-up).
void publish_follow_up(EventPublisher& publisher, JsonLog& log, const ConsumedEvent& cause, const nlohmann::json& event,
                       std::function<void(bool)> done);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_CHOREOGRAPHY_EVENTS_H_
