// inventory_reactions.h: InventoryReactions, the inventory service's part in the
// choreographed order flow (see choreography_events.h): PaymentCharged -> reserve ->
// StockReserved or StockFailed. Reservations go through the same barrier as
// orchestrated ones (key "<orderId>:reserve_stock"); an event is acknowledged only
// after its follow-up is published.
#ifndef SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_REACTIONS_H_
#define SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_REACTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "native/runtime/json_log.h"
#include "native/services/common/event_publisher.h"
#include "native/services/common/sqs_consumer.h"
#include "native/services/inventory/stock_store.h"

namespace sluice::native {

class InventoryReactions {
 public:
  InventoryReactions(StockStore& store, EventPublisher& publisher, JsonLog& log)
      : store_(store), publisher_(publisher), log_(log) {}

  static std::vector<std::string> bindings() { return {"payment.charged"}; }
  void handle(const ConsumedEvent& consumed, std::function<void(bool processed)> done);

 private:
  StockStore& store_;
  EventPublisher& publisher_;
  JsonLog& log_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_INVENTORY_INVENTORY_REACTIONS_H_
