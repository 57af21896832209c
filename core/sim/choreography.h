// choreography.h: ChoreographyParticipants, payment and inventory when the order saga is
// choreographed (the article's flow): no orchestrator, each service reacts to events
// from its FIFO queue on the broker and publishes its own through its outbox.
//
//   OrderCreated           -> payment charges      -> PaymentCharged | PaymentFailed
//   PaymentCharged         -> inventory reserves   -> StockReserved | StockReservationFailed
//   StockReservationFailed -> payment refunds      -> PaymentRefunded
//   (the order service: StockReserved -> OrderConfirmed; PaymentFailed or
//    PaymentRefunded -> OrderCancelled)
//
// Handlers are idempotent by the ledgers' keys: a redelivered event does nothing twice
// and publishes the same answer again, which FIFO deduplication drops.
#ifndef SLUICE_CORE_SIM_CHOREOGRAPHY_H_
#define SLUICE_CORE_SIM_CHOREOGRAPHY_H_

#include <string_view>

#include "core/sim/consumers.h"
#include "core/sim/outbox_relay.h"
#include "core/sim/sim_context.h"

namespace sluice::sim {

inline constexpr std::string_view kPaymentEventsQueue = "payment-events.fifo";
inline constexpr std::string_view kInventoryEventsQueue = "inventory-events.fifo";
inline constexpr std::string_view kOrderEventsQueue = "order-events.fifo";

// set_up_choreography_queues: the three queues and their bindings on "orders".
Status set_up_choreography_queues(broker::MessageBroker& broker);

class ChoreographyParticipants {
 public:
  explicit ChoreographyParticipants(SimContext& context);

  void start();
  // crash / restart of one participant's process (its ledger and outbox survive).
  void crash(Node node);
  void restart(Node node);

 private:
  bool on_payment_event(const broker::BrokerMessage& message);
  bool on_inventory_event(const broker::BrokerMessage& message);

  SimContext& context_;
  OutboxRelay payment_outbox_;
  OutboxRelay inventory_outbox_;
  FifoConsumer payment_consumer_;
  FifoConsumer inventory_consumer_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_CHOREOGRAPHY_H_
