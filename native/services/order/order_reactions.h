// order_reactions.h: OrderReactions, the order service's part in the choreographed
// flow (--saga=choreography; see choreography_events.h): StockReserved confirms the
// order; PaymentFailed or PaymentRefunded cancels it with the reason. Each status
// change writes its event to the outbox, as in the orchestrated flow.
#ifndef SLUICE_NATIVE_SERVICES_ORDER_ORDER_REACTIONS_H_
#define SLUICE_NATIVE_SERVICES_ORDER_ORDER_REACTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "native/runtime/json_log.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/order/order_store.h"

namespace sluice::native {

class OrderReactions {
 public:
  OrderReactions(OrderStore& store, JsonLog& log, std::function<void()> on_order_changed)
      : store_(store), log_(log), on_order_changed_(std::move(on_order_changed)) {}

  static std::vector<std::string> bindings() { return {"stock.reserved", "payment.failed", "payment.refunded"}; }
  void handle(const ConsumedEvent& consumed, std::function<void(bool processed)> done);

 private:
  OrderStore& store_;
  JsonLog& log_;
  std::function<void()> on_order_changed_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_ORDER_REACTIONS_H_
