#include "core/sim/choreography.h"

#include <string>

namespace sluice::sim {
namespace {

// answer: the event a participant publishes for `cause`, carrying its payload along.
saga::SagaEvent answer(const saga::SagaEvent& cause, std::string type) {
  return {.type = std::move(type), .correlation_id = cause.correlation_id, .payload = cause.payload};
}

}  // namespace

Status set_up_choreography_queues(broker::MessageBroker& broker) {
  const std::pair<std::string_view, std::vector<std::string_view>> queues[] = {
      {kPaymentEventsQueue, {"OrderCreated", "StockReservationFailed"}},
      {kInventoryEventsQueue, {"PaymentCharged"}},
      // The order service sees every event of the flow, for its tracker.
      {kOrderEventsQueue,
       {"PaymentCharged", "PaymentFailed", "StockReserved", "StockReservationFailed", "PaymentRefunded"}},
  };
  for (const auto& [queue, keys] : queues) {
    SLUICE_RETURN_IF_ERROR(broker.create_queue(queue, {.fifo = true}));
    for (std::string_view key : keys) {
      SLUICE_RETURN_IF_ERROR(broker.bind_queue(queue, kOrdersExchange, key, broker::Headers{}));
    }
  }
  return Status();
}

ChoreographyParticipants::ChoreographyParticipants(SimContext& context)
    : context_(context),
      payment_outbox_(context, Node::kPayment, false),
      inventory_outbox_(context, Node::kInventory, false),
      payment_consumer_(context, Node::kPayment, std::string(kPaymentEventsQueue),
                        [this](const broker::BrokerMessage& m) { return on_payment_event(m); }),
      inventory_consumer_(context, Node::kInventory, std::string(kInventoryEventsQueue),
                          [this](const broker::BrokerMessage& m) { return on_inventory_event(m); }) {}

void ChoreographyParticipants::start() {
  payment_consumer_.start();
  inventory_consumer_.start();
}

void ChoreographyParticipants::crash(Node node) {
  if (node == Node::kPayment) {
    payment_consumer_.crash();
    payment_outbox_.crash();
  } else if (node == Node::kInventory) {
    inventory_consumer_.crash();
    inventory_outbox_.crash();
  }
}

void ChoreographyParticipants::restart(Node node) {
  if (node == Node::kPayment) {
    payment_consumer_.start();
    payment_outbox_.pump();
  } else if (node == Node::kInventory) {
    inventory_consumer_.start();
    inventory_outbox_.pump();
  }
}

bool ChoreographyParticipants::on_payment_event(const broker::BrokerMessage& message) {
  Result<saga::SagaEvent> event = saga::decode_event(message.message.body);
  if (!event.ok()) return true;  // unreadable: nothing to do but drop it
  const std::string key = event->correlation_id + ":charge_payment";
  if (event->type == "OrderCreated") {
    const std::string card = event->payload.value("card", std::string());
    const auto cents = event->payload.value("cents", std::int64_t{0});
    const LedgerOutcome outcome = context_.payment.charge(key, card, cents);
    const bool charged = outcome == LedgerOutcome::kDone || outcome == LedgerOutcome::kAlreadyDone;
    payment_outbox_.add(answer(*event, charged ? "PaymentCharged" : "PaymentFailed"));
  } else if (event->type == "StockReservationFailed") {
    (void)context_.payment.refund(key);
    payment_outbox_.add(answer(*event, "PaymentRefunded"));
  }
  return true;
}

bool ChoreographyParticipants::on_inventory_event(const broker::BrokerMessage& message) {
  Result<saga::SagaEvent> event = saga::decode_event(message.message.body);
  if (!event.ok()) return true;
  if (event->type != "PaymentCharged") return true;
  const std::string key = event->correlation_id + ":reserve_stock";
  const auto product = event->payload.value("product", 0u);
  const auto quantity = event->payload.value("quantity", 1u);
  const LedgerOutcome outcome = context_.inventory.reserve(key, product, quantity);
  const bool reserved = outcome == LedgerOutcome::kDone || outcome == LedgerOutcome::kAlreadyDone;
  inventory_outbox_.add(answer(*event, reserved ? "StockReserved" : "StockReservationFailed"));
  return true;
}

}  // namespace sluice::sim
