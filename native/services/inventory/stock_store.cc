#include "native/services/inventory/stock_store.h"

#include <nlohmann/json.hpp>

namespace sluice::native {
namespace {

using nlohmann::json;

// The seed: the article's SKU-123 and a few more, one of them sold out, and one for load tests.
const StockItem kSeed[] = {{"SKU-123", 42}, {"SKU-456", 7}, {"SKU-789", 0}, {"SKU-1000", 250}, {"SKU-BULK", 100000000}};

}  // namespace

Result<std::unique_ptr<StockStore>> StockStore::open(const std::string& path) {
  Result<std::unique_ptr<SqliteBarrier>> barrier = SqliteBarrier::open(path);
  if (!barrier.ok()) return barrier.status();
  std::unique_ptr<StockStore> store(new StockStore(*std::move(barrier)));
  SqliteDb& db = store->db_->db();
  for (const char* sql : {"CREATE TABLE IF NOT EXISTS stock (product_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL "
                          "CHECK (quantity >= 0))",
                          "CREATE TABLE IF NOT EXISTS reservations (saga_id TEXT NOT NULL, step TEXT NOT NULL, "
                          "product_id TEXT NOT NULL, quantity INTEGER NOT NULL)"}) {
    SLUICE_RETURN_IF_ERROR(db.exec(sql));
  }
  for (const StockItem& item : kSeed) {
    SLUICE_RETURN_IF_ERROR(store->add(item));
  }
  return store;
}

Status StockStore::add(const StockItem& item) {
  Result<SqliteStatement> insert = db_->db().prepare("INSERT OR IGNORE INTO stock VALUES (?1, ?2)");
  if (!insert.ok()) return insert.status();
  SqliteStatement statement = *std::move(insert);
  statement.bind(1, item.product_id);
  statement.bind(2, static_cast<std::int64_t>(item.quantity));
  return statement.run();
}

Result<std::int32_t> StockStore::quantity(const std::string& product_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Result<SqliteStatement> select = db_->db().prepare("SELECT quantity FROM stock WHERE product_id = ?1");
  if (!select.ok()) return select.status();
  SqliteStatement statement = *std::move(select);
  statement.bind(1, product_id);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<std::int32_t>(statement.column_int(0)) : 0;
}

Result<ReserveOutcome> StockStore::reserve(const saga::BarrierKey& key, const std::vector<StockItem>& items) {
  std::vector<StockItem> changed;
  Result<saga::BarrierResult> result = [&]() -> Result<saga::BarrierResult> {
    std::lock_guard<std::mutex> lock(mutex_);
    SqliteDb& db = db_->db();
    return saga::run_barrier(*db_, key, saga::Operation::kAction, [&]() -> Result<std::string> {
      for (const StockItem& item : items) {
        if (item.quantity <= 0) return Status::invalid_argument("quantity must be positive for " + item.product_id);
        Result<SqliteStatement> take = db.prepare(
            "UPDATE stock SET quantity = quantity - ?2 WHERE product_id = ?1 AND quantity >= ?2 RETURNING quantity");
        if (!take.ok()) return take.status();
        SqliteStatement statement = *std::move(take);
        statement.bind(1, item.product_id);
        statement.bind(2, static_cast<std::int64_t>(item.quantity));
        Result<bool> row = statement.step();
        if (!row.ok()) return row.status();
        if (!*row) {
          return Status(StatusCode::kFailedPrecondition, "not enough stock of " + item.product_id, "out_of_stock");
        }
        changed.push_back({item.product_id, static_cast<std::int32_t>(statement.column_int(0))});
        statement.reset();
        Result<SqliteStatement> note = db.prepare("INSERT INTO reservations VALUES (?1, ?2, ?3, ?4)");
        if (!note.ok()) return note.status();
        SqliteStatement record = *std::move(note);
        record.bind(1, key.saga_id);
        record.bind(2, key.step);
        record.bind(3, item.product_id);
        record.bind(4, static_cast<std::int64_t>(item.quantity));
        SLUICE_RETURN_IF_ERROR(record.run());
      }
      return json{{"reservationId", std::string(key.saga_id) + ":" + std::string(key.step)}}.dump();
    });
  }();
  if (!result.ok()) return result.status();
  if (result->outcome == saga::BarrierOutcome::kExecuted) notify(changed);
  ReserveOutcome outcome{.barrier = result->outcome};
  if (!result->output.empty()) outcome.reservation_id = json::parse(result->output).value("reservationId", "");
  return outcome;
}

Result<ReserveOutcome> StockStore::release(const saga::BarrierKey& key) {
  std::vector<StockItem> changed;
  Result<saga::BarrierResult> result = [&]() -> Result<saga::BarrierResult> {
    std::lock_guard<std::mutex> lock(mutex_);
    SqliteDb& db = db_->db();
    return saga::run_barrier(*db_, key, saga::Operation::kCompensation, [&]() -> Result<std::string> {
      Result<SqliteStatement> select =
          db.prepare("SELECT product_id, quantity FROM reservations WHERE saga_id = ?1 AND step = ?2");
      if (!select.ok()) return select.status();
      SqliteStatement rows = *std::move(select);
      rows.bind(1, key.saga_id);
      rows.bind(2, key.step);
      std::vector<StockItem> taken;
      for (;;) {
        Result<bool> row = rows.step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        taken.push_back({std::string(rows.column_text(0)), static_cast<std::int32_t>(rows.column_int(1))});
      }
      for (const StockItem& item : taken) {
        Result<SqliteStatement> give =
            db.prepare("UPDATE stock SET quantity = quantity + ?2 WHERE product_id = ?1 RETURNING quantity");
        if (!give.ok()) return give.status();
        SqliteStatement statement = *std::move(give);
        statement.bind(1, item.product_id);
        statement.bind(2, static_cast<std::int64_t>(item.quantity));
        Result<bool> row = statement.step();
        if (!row.ok()) return row.status();
        if (*row) changed.push_back({item.product_id, static_cast<std::int32_t>(statement.column_int(0))});
      }
      return std::string("{}");
    });
  }();
  if (!result.ok()) return result.status();
  if (result->outcome == saga::BarrierOutcome::kExecuted) notify(changed);
  return ReserveOutcome{.barrier = result->outcome};
}

std::uint64_t StockStore::subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  const std::uint64_t id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void StockStore::unsubscribe(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  listeners_.erase(id);
}

void StockStore::notify(const std::vector<StockItem>& changed) {
  std::lock_guard<std::mutex> lock(listeners_mutex_);
  for (const StockItem& item : changed) {
    for (const auto& [id, listener] : listeners_) listener(item.product_id, item.quantity);
  }
}

Status StockStore::ping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return db_->db().exec("SELECT 1");
}

}  // namespace sluice::native
