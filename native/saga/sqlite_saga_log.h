// sqlite_saga_log.h: SqliteSagaLog, the durable SagaLog: SQLite in WAL mode with
// synchronous=FULL, so a sync() that returns OK has been fsynced.
//
// append() only buffers; sync() writes everything buffered in one transaction, so a
// runner that flushes once per batch of sagas pays one fsync for the batch (group
// commit). commits() counts the transactions, i.e. the fsyncs.
//
//   Result<std::unique_ptr<SqliteSagaLog>> log = SqliteSagaLog::open("sagas.db");
//   SagaRunner runner(scheduler, **log, prng, handler);
//   runner.recover();
#ifndef SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_
#define SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/saga/saga_log.h"
#include "native/saga/sqlite_db.h"

namespace sluice::native {

class SqliteSagaLog final : public saga::SagaLog {
 public:
  static Result<std::unique_ptr<SqliteSagaLog>> open(const std::string& path);

  Status append(const saga::SagaRecord& record) override;
  Status sync() override;
  Status load(const Visitor& visit) const override;
  Status erase(std::span<const std::string> saga_ids) override;

  std::size_t commits() const { return commits_; }

 private:
  SqliteSagaLog(SqliteDb db, SqliteStatement insert, SqliteStatement erase)
      : db_(std::move(db)), insert_(std::move(insert)), erase_(std::move(erase)) {}

  Status in_transaction(const std::function<Status()>& work);

  SqliteDb db_;
  SqliteStatement insert_;
  SqliteStatement erase_;
  std::vector<std::pair<std::string, std::string>> pending_;  // saga id, encoded record
  std::size_t commits_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_
