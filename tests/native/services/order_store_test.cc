// OrderStore keeps each order's trace context, and opens a data directory written by
// an earlier build (schema version 0, before tracestate) without losing anything.
#include "native/services/order/order_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace sluice::native {
namespace {

using nlohmann::json;

std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::filesystem::path path = std::filesystem::path(dir != nullptr ? dir : "/tmp") / name;
  std::filesystem::remove(path);
  return path.string();
}

Order order(const std::string& id) {
  Order out;
  out.order_id = id;
  out.user_id = "usr_456";
  out.items = json::array({{{"productId", "SKU-123"}, {"quantity", 2}}});
  out.total_cents = 9999;
  out.card = "4242424242424242";
  out.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return out;
}

TEST(OrderStoreTest, KeepsTheTracestateWithTheOrderAndItsEvents) {
  std::unique_ptr<OrderStore> store = *OrderStore::open(":memory:");
  Order placed = order("ord_1");
  placed.tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  ASSERT_TRUE(store->create(placed).ok());
  ASSERT_TRUE(*store->confirm("ord_1"));
  EXPECT_EQ((*store->find("ord_1"))->tracestate, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  const std::vector<OutboxEvent> events = *store->unpublished(10);
  ASSERT_EQ(events.size(), 2u);
  for (const OutboxEvent& event : events) {
    EXPECT_EQ(event.tracestate, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    EXPECT_EQ(json::parse(event.body)["tracestate"], "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    EXPECT_EQ(json::parse(event.body)["traceparent"], placed.traceparent);
  }
  ASSERT_TRUE(store->create(order("ord_2")).ok());
  EXPECT_FALSE(json::parse(store->unpublished(10)->back().body).contains("tracestate"));  // none, none sent
}

TEST(OrderStoreTest, OpensADatabaseOfTheFirstSchemaAndKeepsItsData) {
  const std::string path = temp_path("orders-v0.db");
  {
    // The tables as the first build wrote them, with an order and an unpublished event.
    SqliteDb db = *SqliteDb::open(path);
    for (const char* sql :
         {"CREATE TABLE orders (order_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, items TEXT NOT NULL, "
          "total_cents INTEGER NOT NULL, card TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, "
          "traceparent TEXT NOT NULL, created_at_ms INTEGER NOT NULL)",
          "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, routing_key TEXT NOT NULL, "
          "body TEXT NOT NULL, traceparent TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, "
          "published INTEGER NOT NULL DEFAULT 0)",
          "INSERT INTO orders VALUES ('ord_old', 'u', '[]', 500, 'c', 'PENDING', '', "
          "'00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 1)",
          "INSERT INTO outbox (routing_key, body, traceparent, idempotency_key) VALUES "
          "('order.created', '{\"eventType\":\"OrderCreated\"}', 'tp', 'order-created-ord_old')"}) {
      ASSERT_TRUE(db.exec(sql).ok()) << sql;
    }
  }
  for (int opening = 0; opening < 2; ++opening) {  // the second opening finds it migrated
    Result<std::unique_ptr<OrderStore>> store = OrderStore::open(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    const std::optional<Order> old = *(*store)->find("ord_old");
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    EXPECT_EQ(old->tracestate, "");
    EXPECT_EQ((*store)->unpublished(10)->front().idempotency_key, "order-created-ord_old");
  }
  std::unique_ptr<OrderStore> store = *OrderStore::open(path);
  ASSERT_TRUE(*store->confirm("ord_old"));
  Order placed = order("ord_new");
  placed.tracestate = "rojo=1";
  ASSERT_TRUE(store->create(placed).ok());
  EXPECT_EQ((*store->find("ord_new"))->tracestate, "rojo=1");
}

TEST(OrderStoreTest, RefusesADatabaseOfANewerSchema) {
  const std::string path = temp_path("orders-future.db");
  ASSERT_TRUE(OrderStore::open(path).ok());
  {
    SqliteDb db = *SqliteDb::open(path);
    ASSERT_TRUE(db.exec("PRAGMA user_version = 99").ok());
  }
  Result<std::unique_ptr<OrderStore>> store = OrderStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace sluice::native
