#include "native/services/order/order_store.h"

#include <chrono>
#include <ctime>

#include "native/services/common/choreography_events.h"

namespace sluice::native {
namespace {

using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso8601(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[40];
  std::snprintf(out, sizeof(out), "%s.%03dZ", text, static_cast<int>(ms % 1000));
  return out;
}

constexpr std::int64_t kSchemaVersion = 1;

Result<std::int64_t> schema_version(SqliteDb& db) {
  Result<SqliteStatement> select = db.prepare("PRAGMA user_version");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  return *row ? statement.column_int(0) : std::int64_t{0};
}

Status in_transaction(SqliteDb& db, const std::function<Status()>& work) {
  SLUICE_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status status = work();
  if (status.ok()) status = db.exec("COMMIT");
  if (!status.ok()) static_cast<void>(db.exec("ROLLBACK"));
  return status;
}

}  // namespace

Result<std::unique_ptr<OrderStore>> OrderStore::open(const std::string& path) {
  Result<SqliteDb> db = SqliteDb::open(path);
  if (!db.ok()) return db.status();
  std::unique_ptr<OrderStore> store(new OrderStore(*std::move(db)));
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, items TEXT NOT NULL, "
        "total_cents INTEGER NOT NULL, card TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, "
        "traceparent TEXT NOT NULL, created_at_ms INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, routing_key TEXT NOT NULL, "
        "body TEXT NOT NULL, traceparent TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, "
        "published INTEGER NOT NULL DEFAULT 0)"}) {
    SLUICE_RETURN_IF_ERROR(store->db_.exec(sql));
  }
  SLUICE_RETURN_IF_ERROR(store->migrate());
  return store;
}

Status OrderStore::migrate() {
  return in_transaction(db_, [&]() -> Status {
    Result<std::int64_t> found = schema_version(db_);
    if (!found.ok()) return found.status();
    const std::int64_t version = *found;
    if (version > kSchemaVersion) {
      return Status(StatusCode::kFailedPrecondition, "the order database has schema version " +
                                                         std::to_string(version) + ", newer than this build's " +
                                                         std::to_string(kSchemaVersion));
    }
    if (version < 1) {
      for (const char* sql : {"ALTER TABLE orders ADD COLUMN tracestate TEXT NOT NULL DEFAULT ''",
                              "ALTER TABLE outbox ADD COLUMN tracestate TEXT NOT NULL DEFAULT ''"}) {
        SLUICE_RETURN_IF_ERROR(db_.exec(sql));
      }
    }
    return db_.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  });
}

Status OrderStore::add_event(const Order& order, std::string_view event_type) {
  const std::string key = kebab(event_type) + "-" + order.order_id;
  json body = {{"eventType", event_type},
               {"orderId", order.order_id},
               {"userId", order.user_id},
               {"items", order.items},
               {"total", static_cast<double>(order.total_cents) / 100},
               {"status", order.status},
               {"timestamp", iso8601(now_ms())},
               {"correlationId", order.order_id},
               {"idempotencyKey", key},
               {"traceparent", order.traceparent}};
  if (!order.tracestate.empty()) body["tracestate"] = order.tracestate;
  if (!order.reason.empty()) body["reason"] = order.reason;
  // The card goes with the order (a choreographed payment charges it); a demo's cards
  // are test numbers.
  if (event_type == "OrderCreated") body["card"] = order.card;
  const std::string routing_key = routing_key_of(event_type);
  Result<SqliteStatement> insert = db_.prepare(
      "INSERT OR IGNORE INTO outbox (routing_key, body, traceparent, idempotency_key, tracestate) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  SqliteStatement statement = *std::move(insert);
  statement.bind(1, routing_key);
  statement.bind(2, body.dump());
  statement.bind(3, order.traceparent);
  statement.bind(4, key);
  statement.bind(5, order.tracestate);
  return statement.run();
}

Status OrderStore::create(const Order& requested) {
  Order order = requested;
  order.status = "PENDING";
  order.created_at_ms = now_ms();
  return in_transaction(db_, [&] {
    Result<SqliteStatement> insert = db_.prepare(
        "INSERT INTO orders (order_id, user_id, items, total_cents, card, status, reason, traceparent, "
        "created_at_ms, tracestate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!insert.ok()) return insert.status();
    SqliteStatement statement = *std::move(insert);
    statement.bind(1, order.order_id);
    statement.bind(2, order.user_id);
    statement.bind(3, order.items.dump());
    statement.bind(4, order.total_cents);
    statement.bind(5, order.card);
    statement.bind(6, order.status);
    statement.bind(7, order.reason);
    statement.bind(8, order.traceparent);
    statement.bind(9, order.created_at_ms);
    statement.bind(10, order.tracestate);
    SLUICE_RETURN_IF_ERROR(statement.run());
    return add_event(order, "OrderCreated");
  });
}

Result<bool> OrderStore::confirm(const std::string& order_id) { return finish(order_id, "CONFIRMED", ""); }

Result<bool> OrderStore::cancel(const std::string& order_id, const std::string& reason) {
  return finish(order_id, "CANCELLED", reason);
}

Result<bool> OrderStore::finish(const std::string& order_id, std::string_view status, const std::string& reason) {
  bool changed = false;
  Status result = in_transaction(db_, [&] {
    Result<std::optional<Order>> found = find(order_id);
    if (!found.ok()) return found.status();
    if (!*found) return Status(StatusCode::kNotFound, "no order " + order_id);
    Order order = **found;
    if (order.status != "PENDING") return Status();
    Result<SqliteStatement> update = db_.prepare("UPDATE orders SET status = ?2, reason = ?3 WHERE order_id = ?1");
    if (!update.ok()) return update.status();
    SqliteStatement statement = *std::move(update);
    statement.bind(1, order_id);
    statement.bind(2, status);
    statement.bind(3, reason);
    SLUICE_RETURN_IF_ERROR(statement.run());
    order.status = std::string(status);
    order.reason = reason;
    changed = true;
    return add_event(order, status == "CONFIRMED" ? "OrderConfirmed" : "OrderCancelled");
  });
  if (!result.ok()) return result;
  return changed;
}

namespace {

constexpr const char* kOrderColumns =
    "SELECT order_id, user_id, items, total_cents, card, status, reason, traceparent, created_at_ms, tracestate "
    "FROM orders ";

Order order_of(const SqliteStatement& row) {
  return Order{std::string(row.column_text(0)),
               std::string(row.column_text(1)),
               json::parse(row.column_text(2), nullptr, false),
               row.column_int(3),
               std::string(row.column_text(4)),
               std::string(row.column_text(5)),
               std::string(row.column_text(6)),
               std::string(row.column_text(7)),
               row.column_int(8),
               std::string(row.column_text(9))};
}

}  // namespace

Result<std::optional<Order>> OrderStore::find(const std::string& order_id) {
  Result<SqliteStatement> select = db_.prepare(std::string(kOrderColumns) + "WHERE order_id = ?1");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  statement.bind(1, order_id);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Order>();
  return std::optional<Order>(order_of(statement));
}

Result<std::vector<Order>> OrderStore::pending() {
  Result<SqliteStatement> select =
      db_.prepare(std::string(kOrderColumns) + "WHERE status = 'PENDING' ORDER BY created_at_ms");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  std::vector<Order> orders;
  if (Status s = statement.for_each_row([&] {
        orders.push_back(order_of(statement));
        return Status();
      });
      !s.ok()) {
    return s;
  }
  return orders;
}

Result<std::map<std::string, std::int64_t>> OrderStore::counts() {
  Result<SqliteStatement> select = db_.prepare("SELECT status, COUNT(*) FROM orders GROUP BY status");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  std::map<std::string, std::int64_t> counts = {{"PENDING", 0}, {"CONFIRMED", 0}, {"CANCELLED", 0}};
  if (Status s = statement.for_each_row([&] {
        counts[std::string(statement.column_text(0))] = statement.column_int(1);
        return Status();
      });
      !s.ok()) {
    return s;
  }
  return counts;
}

Result<std::vector<OutboxEvent>> OrderStore::unpublished(std::size_t limit) {
  Result<SqliteStatement> select = db_.prepare(
      "SELECT id, routing_key, body, traceparent, idempotency_key, tracestate FROM outbox WHERE published = 0 "
      "ORDER BY id "
      "LIMIT ?1");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  statement.bind(1, static_cast<std::int64_t>(limit));
  std::vector<OutboxEvent> events;
  if (Status s = statement.for_each_row([&] {
        events.push_back({statement.column_int(0), std::string(statement.column_text(1)),
                          std::string(statement.column_text(2)), std::string(statement.column_text(3)),
                          std::string(statement.column_text(4)), std::string(statement.column_text(5))});
        return Status();
      });
      !s.ok()) {
    return s;
  }
  return events;
}

Status OrderStore::mark_published(std::int64_t event_id) {
  // Losing this mark (power loss before the next fsync) only publishes the event again,
  // which consumers drop by its idempotency key: it need not wait for an fsync.
  SLUICE_RETURN_IF_ERROR(db_.exec("PRAGMA synchronous=NORMAL"));
  Result<SqliteStatement> update = db_.prepare("UPDATE outbox SET published = 1 WHERE id = ?1");
  Status status = update.ok() ? Status() : update.status();
  if (update.ok()) {
    SqliteStatement statement = *std::move(update);
    statement.bind(1, event_id);
    status = statement.run();
  }
  if (Status s = db_.exec("PRAGMA synchronous=FULL"); !s.ok() && status.ok()) status = s;
  return status;
}

Status OrderStore::ping() { return db_.exec("SELECT 1"); }

}  // namespace sluice::native
