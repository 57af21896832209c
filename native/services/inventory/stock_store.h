// stock_store.h: StockStore, the inventory service's stock in SQLite (a file under
// --data_dir, or in memory), seeded with a few products including the article's
// SKU-123. Reservations and releases for sagas go through the saga barrier in the
// same transaction as the stock change, so a retried or re-issued command changes
// stock once, and a release that overtakes its reservation is a null compensation.
//
// Thread-safe: REST handlers and gRPC threads share it. Listeners hear of every change
// (for WatchStock), called after the change commits, outside the store's lock.
#ifndef SLUICE_NATIVE_SERVICES_INVENTORY_STOCK_STORE_H_
#define SLUICE_NATIVE_SERVICES_INVENTORY_STOCK_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/saga/barrier.h"
#include "native/saga/sqlite_barrier.h"

namespace sluice::native {

struct StockItem {
  std::string product_id;
  std::int32_t quantity = 0;
};

// ReserveOutcome: what a reservation or release did.
struct ReserveOutcome {
  saga::BarrierOutcome barrier = saga::BarrierOutcome::kExecuted;
  std::string reservation_id;
};

class StockStore {
 public:
  using Listener = std::function<void(const std::string& product_id, std::int32_t quantity)>;

  // open: ":memory:" or a file path; seeds the products if the table is new.
  static Result<std::unique_ptr<StockStore>> open(const std::string& path);

  // quantity: on hand; 0 for an unknown product (as the article answers).
  Result<std::int32_t> quantity(const std::string& product_id);

  // reserve: takes every item or none; "out_of_stock" (FailedPrecondition) names the
  // first item short. Idempotent by (saga id, step): a repeat answers the first result.
  Result<ReserveOutcome> reserve(const saga::BarrierKey& key, const std::vector<StockItem>& items);
  // release: gives back what reserve() took under the same key; nothing if it never ran.
  Result<ReserveOutcome> release(const saga::BarrierKey& key);

  // subscribe: `listener` hears every change until unsubscribe(id).
  std::uint64_t subscribe(Listener listener);
  void unsubscribe(std::uint64_t id);

  Status ping();

 private:
  explicit StockStore(std::unique_ptr<SqliteBarrier> db) : db_(std::move(db)) {}
  Status add(const StockItem& item);
  void notify(const std::vector<StockItem>& changed);

  std::mutex mutex_;  // one SQLite connection, one user at a time
  std::unique_ptr<SqliteBarrier> db_;
  std::mutex listeners_mutex_;
  std::map<std::uint64_t, Listener> listeners_;
  std::uint64_t next_listener_ = 1;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_INVENTORY_STOCK_STORE_H_
