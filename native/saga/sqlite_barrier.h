// sqlite_barrier.h: SqliteBarrier, the saga barrier (core/saga/barrier.h) in a
// participant's own SQLite database, so that the barrier rows and the business write
// commit in one transaction:
//
//   SqliteBarrier barrier = *SqliteBarrier::open("payments.db");
//   run_barrier(barrier, {saga_id, "charge_payment"}, Operation::kAction, [&]() -> Result<std::string> {
//     // same connection, same transaction:
//     SLUICE_RETURN_IF_ERROR(barrier.db().exec("UPDATE accounts SET ..."));
//     return std::string(R"({"paymentId":"p-1"})");
//   });
//
// Transactions are BEGIN IMMEDIATE, so requests from several connections or processes
// on the same database are serialised by SQLite's write lock.
#ifndef SLUICE_NATIVE_SAGA_SQLITE_BARRIER_H_
#define SLUICE_NATIVE_SAGA_SQLITE_BARRIER_H_

#include <memory>
#include <optional>
#include <string>

#include "core/saga/barrier.h"
#include "native/sqlite/sqlite_db.h"

namespace sluice::native {

class SqliteBarrier final : public saga::BarrierStore {
 public:
  static Result<std::unique_ptr<SqliteBarrier>> open(const std::string& path);

  Status begin() override;
  Status commit() override;
  void rollback() override;
  Result<bool> insert(const saga::BarrierKey& key, saga::Operation slot, saga::Operation reason) override;
  Result<std::optional<saga::BarrierRow>> read(const saga::BarrierKey& key, saga::Operation slot) override;
  Status set_output(const saga::BarrierKey& key, saga::Operation slot, std::string_view output) override;

  // db: the connection business writes go through, inside the barrier's transaction.
  SqliteDb& db() { return db_; }

 private:
  explicit SqliteBarrier(SqliteDb db) : db_(std::move(db)) {}

  SqliteDb db_;
  SqliteStatement insert_;
  SqliteStatement read_;
  SqliteStatement set_output_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SAGA_SQLITE_BARRIER_H_
