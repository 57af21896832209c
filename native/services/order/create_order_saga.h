// create_order_saga.h: the article's CreateOrderSaga on the core saga runner, and
// OrderSagaDriver, which carries its commands to the participants:
//
//   reserve_stock   reserveStock  -> POST inventory /api/inventory/reserve   compensation releaseStock
//   charge_payment  chargePayment -> POST payment /api/payments/charge       compensation refundPayment
//   confirm_order   confirmOrder  -> the order store (the pivot: once confirmed, never undone)
//
// Every call carries the command's idempotency key (the participants' barriers make
// retries and re-issued commands safe) and the order's trace: a span of its own in the
// trace of the request that placed the order, with that request's tracestate. A declined card or an
// out-of-stock item ends the step at once (non-retryable); a 5xx, a timeout or a
// participant that cannot be reached is retried with backoff, then compensated. When
// the saga ends COMPENSATED the order is CANCELLED with the reason; either way the
// store's outbox gets the event.
#ifndef SLUICE_NATIVE_SERVICES_ORDER_CREATE_ORDER_SAGA_H_
#define SLUICE_NATIVE_SERVICES_ORDER_CREATE_ORDER_SAGA_H_

#include <cstdint>
#include <functional>
#include <string>

#include "core/observe/event.h"
#include "core/resilience/pipeline.h"
#include "core/saga/saga_definition.h"
#include "core/saga/saga_runner.h"
#include "core/time/prng.h"
#include "native/runtime/http_client.h"
#include "native/runtime/json_log.h"
#include "native/services/order/order_store.h"

namespace sluice::native {

inline constexpr std::string_view kCreateOrderSaga = "CreateOrderSaga";

// create_order_saga: the saga, its compensations retried for longer than
// `breaker_reset`, how long the participants' breakers stay open.
saga::SagaDefinition create_order_saga(time::Duration breaker_reset);

// create_order_saga_data: what the saga of `order` starts with (its steps read it).
nlohmann::json create_order_saga_data(const Order& order);

// Participant: one remote service, called through its pipeline (a breaker).
struct Participant {
  HttpClient* client = nullptr;
  const resilience::Pipeline* pipeline = nullptr;
};

class OrderSagaDriver final : public observe::EventSink {
 public:
  // on_order_changed: an order's status changed (its outbox has a new event).
  // span_seed: seeds the span ids of the calls.
  OrderSagaDriver(OrderStore& store, Participant inventory, Participant payment, JsonLog& log,
                  std::function<void()> on_order_changed, std::uint64_t span_seed);

  // attach: the runner whose commands this driver carries (and whose events it hears).
  void attach(saga::SagaRunner& runner) { runner_ = &runner; }

  // handle: the runner's CommandHandler.
  void handle(const saga::SagaCommand& command);

  // on_event: the runner's events; a compensated saga cancels its order.
  void on_event(const observe::Event& event) override;

 private:
  void call(const Participant& participant, const saga::SagaCommand& command, std::string path, nlohmann::json body);
  void answer(saga::StepResult result);

  OrderStore& store_;
  Participant inventory_;
  Participant payment_;
  JsonLog& log_;
  std::function<void()> on_order_changed_;
  time::Prng span_ids_;
  saga::SagaRunner* runner_ = nullptr;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_CREATE_ORDER_SAGA_H_
