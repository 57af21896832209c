// order_api.h: the order service's REST face:
//   POST /api/orders  {"userId", "items": [{"productId", "quantity"}], "total", "card"?}
//        -> 201 {"orderId", "status": "PENDING", ..., "stockCheck": "inventory"|"fallback"}
//        409 out_of_stock when inventory says an item is out of stock
//   GET  /api/orders/:orderId -> the order (PENDING, CONFIRMED or CANCELLED, with the
//        reason) and its saga (state and timeline of attempts)
//   GET  /api/orders -> {"orders": {"PENDING": n, "CONFIRMED": n, "CANCELLED": n}}
//   GET  /api/stock/:productId -> the article's checkStock: {"productId", "quantity",
//        "in_stock", "source": "inventory"}, or {..., "quantity": null, "in_stock": true,
//        "source": "fallback"} while inventory is down or its breaker is open
// An order is stored with its OrderCreated event, then its CreateOrderSaga starts (with
// a runner), or the OrderCreated event itself starts the choreographed flow.
#ifndef SLUICE_NATIVE_SERVICES_ORDER_ORDER_API_H_
#define SLUICE_NATIVE_SERVICES_ORDER_ORDER_API_H_

#include <functional>

#include "core/saga/saga_runner.h"
#include "core/time/prng.h"
#include "native/runtime/router.h"
#include "native/services/order/order_store.h"
#include "native/services/order/stock_check.h"

namespace sluice::native {

struct OrderApiDeps {
  OrderStore* store = nullptr;
  saga::SagaRunner* runner = nullptr;  // orchestration; null with --saga=choreography
  StockCheck* stock = nullptr;
  time::Prng* ids = nullptr;               // order ids
  std::function<void()> on_order_changed;  // the outbox has a new event
  // after_commit: runs `then` once the saga log has synced what was just written (the
  // 201 must not promise a saga a crash could forget).
  std::function<void(std::function<void()>)> after_commit;
};

Status add_order_routes(Router& router, OrderApiDeps deps);

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_ORDER_API_H_
