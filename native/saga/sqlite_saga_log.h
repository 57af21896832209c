// sqlite_saga_log.h: SqliteSagaLog, the durable SagaLog: SQLite in WAL mode with
// synchronous=FULL, so a sync() that returns OK has been fsynced.
//
// append() only buffers; sync() writes everything buffered in one transaction, so a
// runner that flushes once per batch of sagas pays one fsync for the batch (group
// commit). commits() counts the transactions, i.e. the fsyncs.
//
// The log is compacted like a write-ahead log: erase() marks sagas finished, and each
// sync deletes the rows below the first row of the oldest saga still live, in the same
// transaction. A finished saga newer than that stays until the mark passes it; if the
// process restarts first, recovery reads it back as finished, which changes nothing.
//
//   Result<std::unique_ptr<SqliteSagaLog>> log = SqliteSagaLog::open("sagas.db");
//   SagaRunner runner(scheduler, **log, prng, handler);
//   runner.recover();
#ifndef SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_
#define SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/saga/saga_log.h"
#include "native/sqlite/sqlite_db.h"

namespace sluice::native {

class SqliteSagaLog final : public saga::SagaLog {
 public:
  static Result<std::unique_ptr<SqliteSagaLog>> open(const std::string& path);

  Status append(saga::SagaRecord&& record) override;
  Status sync() override;
  Status load(const Visitor& visit) const override;
  Status erase(std::span<const std::string> saga_ids) override;

  std::size_t commits() const { return commits_; }
  // rows: rows in the table now (a full count; for tests and tools).
  Result<std::int64_t> rows();

 private:
  SqliteSagaLog(SqliteDb db, SqliteStatement insert, SqliteStatement compact)
      : db_(std::move(db)), insert_(std::move(insert)), compact_(std::move(compact)) {}

  Status read_live_sagas();
  Status in_transaction(const std::function<Status()>& work);
  // low_water: rows below it belong to finished sagas only.
  std::int64_t low_water() const;

  SqliteDb db_;
  SqliteStatement insert_;
  SqliteStatement compact_;
  std::vector<std::pair<std::string, std::string>> pending_;  // saga id, encoded record
  // The first row of every saga not erased, both ways round.
  std::unordered_map<std::string, std::int64_t> first_row_;
  std::map<std::int64_t, std::string> live_by_first_row_;
  std::int64_t last_row_ = 0;
  std::int64_t compacted_below_ = 0;
  std::size_t commits_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SAGA_SQLITE_SAGA_LOG_H_
