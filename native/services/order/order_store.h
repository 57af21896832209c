// order_store.h: OrderStore, the order service's orders in SQLite (a file under
// --data_dir, or in memory), with a transactional outbox: every status change writes
// its event (OrderCreated, OrderConfirmed, OrderCancelled) in the same transaction, and
// OutboxRelay publishes what is unpublished, so no event is lost and none is invented.
//
// Statuses as the article's: PENDING while the saga runs, then CONFIRMED or
// CANCELLED. Confirm and cancel are idempotent: a repeat changes nothing and writes no
// second event. Used from the service's loop thread only.
//
// Schema versions (PRAGMA user_version): 0, the first (a new file starts there too);
// 1 adds each order's and outbox event's tracestate. open() migrates in one transaction,
// so a data directory of an earlier build keeps working.
#ifndef SLUICE_NATIVE_SERVICES_ORDER_ORDER_STORE_H_
#define SLUICE_NATIVE_SERVICES_ORDER_ORDER_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "native/sqlite/sqlite_db.h"

namespace sluice::native {

struct Order {
  std::string order_id;
  std::string user_id;
  nlohmann::json items;  // [{"productId", "quantity"}]
  std::int64_t total_cents = 0;
  std::string card;
  std::string status;       // PENDING, CONFIRMED, CANCELLED
  std::string reason;       // why it was cancelled
  std::string traceparent;  // of the request that created it; its events and saga carry it
  std::int64_t created_at_ms = 0;
  std::string tracestate;  // the validated tracestate that came with it, or empty
};

// OutboxEvent: an event to publish on the "orders" exchange.
struct OutboxEvent {
  std::int64_t id = 0;
  std::string routing_key;  // order.created, order.confirmed, order.cancelled
  std::string body;         // {"eventType", "orderId", ..., "idempotencyKey", "correlationId"}
  std::string traceparent;
  std::string idempotency_key;
  std::string tracestate;
};

class OrderStore {
 public:
  static Result<std::unique_ptr<OrderStore>> open(const std::string& path);

  // create: a new PENDING order and its OrderCreated event.
  Status create(const Order& order);
  // confirm, cancel: the new status and its event; false if the order already had a
  // final status (nothing written). NotFound for an unknown order.
  Result<bool> confirm(const std::string& order_id);
  Result<bool> cancel(const std::string& order_id, const std::string& reason);
  Result<std::optional<Order>> find(const std::string& order_id);
  // pending: the orders still PENDING, oldest first.
  Result<std::vector<Order>> pending();
  // counts: orders by status.
  Result<std::map<std::string, std::int64_t>> counts();

  // unpublished: the oldest events not yet published, in order.
  Result<std::vector<OutboxEvent>> unpublished(std::size_t limit);
  Status mark_published(std::int64_t event_id);
  Status ping();

 private:
  explicit OrderStore(SqliteDb db) : db_(std::move(db)) {}
  // migrate: brings a database of any earlier schema to the current one.
  Status migrate();
  // finish: PENDING -> `status` with its event, in one transaction.
  Result<bool> finish(const std::string& order_id, std::string_view status, const std::string& reason);
  Status add_event(const Order& order, std::string_view event_type);

  SqliteDb db_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_ORDER_STORE_H_
