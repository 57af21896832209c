// payment_reactions.h: PaymentReactions, the payment service's part in the
// choreographed order flow (see choreography_events.h): OrderCreated -> charge ->
// PaymentCharged or PaymentFailed; StockFailed -> refund -> PaymentRefunded. Charges
// and refunds go through the same barrier as orchestrated ones (keys
// "<orderId>:charge_payment"), so a redelivered event charges once and publishes the
// same follow-up; an event is acknowledged only after its follow-up is published.
#ifndef SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_REACTIONS_H_
#define SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_REACTIONS_H_

#include <functional>

#include "native/runtime/json_log.h"
#include "native/services/common/event_publisher.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/payment/payment_store.h"

namespace sluice::native {

class PaymentReactions {
 public:
  PaymentReactions(PaymentStore& store, EventPublisher& publisher, JsonLog& log)
      : store_(store), publisher_(publisher), log_(log) {}

  // The routing keys it reacts to, and the reaction (an SqsConsumer handler).
  static std::vector<std::string> bindings() { return {"order.created", "stock.failed"}; }
  void handle(const ConsumedEvent& consumed, std::function<void(bool processed)> done);

 private:
  void publish(const ConsumedEvent& consumed, const nlohmann::json& event, std::function<void(bool)> done);

  PaymentStore& store_;
  EventPublisher& publisher_;
  JsonLog& log_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_PAYMENT_PAYMENT_REACTIONS_H_
