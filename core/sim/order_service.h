// order_service.h: OrderService, the simulated order service: it takes orders from the
// client, checks stock through InventoryClient, and runs the article's CreateOrderSaga
// on the real SagaRunner (reserve stock, charge payment, confirm), with the
// participants reached across the simulated network. Its outbox publishes
// OrderCreated and then OrderConfirmed or OrderCancelled for every order.
//
// With a choreographed saga (SagaMode::kChoreography) there is no runner: the order
// service publishes OrderCreated, and confirms or cancels as payment's and inventory's
// events arrive on its queue (core/sim/choreography.h); the real SagaTracker follows
// each saga from those events, reporting "saga.event_observed".
//
// What survives a crash is what the real service keeps on disk: the orders, the saga
// log (up to its last sync) and the outbox. The runner, the breaker, the retry budget
// and anything in flight are lost; restart() builds them again and recover() resumes
// every unfinished saga at the step it was on.
#ifndef SLUICE_CORE_SIM_ORDER_SERVICE_H_
#define SLUICE_CORE_SIM_ORDER_SERVICE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "core/saga/saga_log.h"
#include "core/saga/saga_runner.h"
#include "core/saga/saga_tracker.h"
#include "core/sim/consumers.h"
#include "core/sim/inventory_client.h"
#include "core/sim/outbox_relay.h"
#include "core/sim/sim_context.h"

namespace sluice::sim {

enum class OrderStatus : std::uint8_t { kPending, kConfirmed, kCancelled, kNeedsAttention };

struct OrderRequest {
  std::string id;
  std::uint32_t product = 0;
  std::uint32_t quantity = 1;
  std::string card;
  std::int64_t cents = 0;
};

struct Order {
  OrderRequest request;
  OrderStatus status = OrderStatus::kPending;
  std::string saga_state;  // the saga's final state, once it has one
};

struct OrderStats {
  std::uint64_t received = 0;
  std::uint64_t rejected_out_of_stock = 0;  // by the stock check, before any saga
  std::uint64_t failed = 0;                 // the order service itself failed the request
  std::uint64_t sagas_started = 0;
  std::uint64_t confirmed = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t needs_attention = 0;
};

class OrderService {
 public:
  OrderService(SimContext& context, time::Prng prng);
  ~OrderService();

  // place: an order request has reached the order service; the reply goes back to the
  // client.
  void place(OrderRequest request);

  // crash / restart: follow the order node's SimService.
  void crash();
  void restart();
  // rebuild_inventory_client: a new client on the scenario's (changed) settings; calls
  // in progress end as the old client's do when it goes (their permits returned).
  void rebuild_inventory_client();

  const std::map<std::string, Order, std::less<>>& orders() const { return orders_; }
  const OrderStats& stats() const { return stats_; }
  const InventoryClient* inventory_client() const { return client_.get(); }
  const OutboxRelay& outbox() const { return outbox_; }
  // running_sagas: sagas started and not yet in a final state.
  std::uint64_t running_sagas() const;

 private:
  class SagaEvents;
  void build_process();
  bool on_choreography_event(const broker::BrokerMessage& message);
  // publish: into the outbox (and, choreographed, past the tracker).
  void publish(saga::SagaEvent event);
  void start_saga(const OrderRequest& request);
  void on_command(const saga::SagaCommand& command);
  void on_saga_final(std::string_view saga_id, std::string_view state);
  void reply_to_client(const std::string& order_id, std::string_view label);

  SimContext& context_;
  time::Prng prng_;
  // Durable: the orders, the saga log up to its last sync, the outbox.
  std::map<std::string, Order, std::less<>> orders_;
  saga::InMemorySagaLog log_;
  OutboxRelay outbox_;
  // Choreographed only: the order service's queue, and the tracker that follows sagas.
  std::unique_ptr<FifoConsumer> events_;
  std::unique_ptr<saga::SagaTracker> tracker_;
  // The process: rebuilt on restart.
  std::unique_ptr<SagaEvents> saga_events_;
  std::unique_ptr<saga::SagaRunner> runner_;
  std::unique_ptr<InventoryClient> client_;
  OrderStats stats_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_ORDER_SERVICE_H_
