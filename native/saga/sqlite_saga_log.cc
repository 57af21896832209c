#include "native/saga/sqlite_saga_log.h"

namespace sluice::native {

Result<std::unique_ptr<SqliteSagaLog>> SqliteSagaLog::open(const std::string& path) {
  Result<SqliteDb> db = SqliteDb::open(path);
  if (!db.ok()) return db.status();
  SqliteDb opened = *std::move(db);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS saga_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "saga_id TEXT NOT NULL, record TEXT NOT NULL)"}) {
    SLUICE_RETURN_IF_ERROR(opened.exec(sql));
  }
  Result<SqliteStatement> insert = opened.prepare("INSERT INTO saga_log (saga_id, record) VALUES (?1, ?2)");
  if (!insert.ok()) return insert.status();
  Result<SqliteStatement> compact = opened.prepare("DELETE FROM saga_log WHERE seq < ?1");
  if (!compact.ok()) return compact.status();
  std::unique_ptr<SqliteSagaLog> log(new SqliteSagaLog(std::move(opened), *std::move(insert), *std::move(compact)));
  SLUICE_RETURN_IF_ERROR(log->read_live_sagas());
  return log;
}

Status SqliteSagaLog::read_live_sagas() {
  // Every saga in the table counts as live until the runner erases it again.
  Result<SqliteStatement> select = db_.prepare("SELECT saga_id, MIN(seq), MAX(seq) FROM saga_log GROUP BY saga_id");
  if (!select.ok()) return select.status();
  SqliteStatement rows = *std::move(select);
  if (Status s = rows.for_each_row([&] {
        std::string id(rows.column_text(0));
        const std::int64_t first = rows.column_int(1);
        last_row_ = std::max(last_row_, rows.column_int(2));
        live_by_first_row_.emplace(first, id);
        first_row_.emplace(std::move(id), first);
        return Status();
      });
      !s.ok()) {
    return s;
  }
  compacted_below_ = low_water();  // nothing lies below the oldest saga in the table
  return Status();
}

Status SqliteSagaLog::append(saga::SagaRecord&& record) {
  pending_.emplace_back(record.saga_id, saga::encode_record(record));
  return Status();
}

Status SqliteSagaLog::in_transaction(const std::function<Status()>& work) {
  SLUICE_RETURN_IF_ERROR(db_.exec("BEGIN IMMEDIATE"));
  Status status = work();
  if (status.ok()) status = db_.exec("COMMIT");
  if (!status.ok()) {
    static_cast<void>(db_.exec("ROLLBACK"));
    return status;
  }
  ++commits_;
  return Status();
}

std::int64_t SqliteSagaLog::low_water() const {
  return live_by_first_row_.empty() ? last_row_ + 1 : live_by_first_row_.begin()->first;
}

Status SqliteSagaLog::sync() {
  if (pending_.empty() && low_water() <= compacted_below_) return Status();
  std::vector<std::pair<std::string, std::int64_t>> new_sagas;
  std::int64_t last_row = last_row_;
  Status status = in_transaction([&] {
    for (const auto& [saga_id, text] : pending_) {
      insert_.bind(1, saga_id);
      insert_.bind(2, text);
      SLUICE_RETURN_IF_ERROR(insert_.run());
      last_row = sqlite3_last_insert_rowid(db_.handle());
      if (!first_row_.contains(saga_id)) new_sagas.emplace_back(saga_id, last_row);
    }
    if (low_water() > compacted_below_) {
      compact_.bind(1, low_water());
      SLUICE_RETURN_IF_ERROR(compact_.run());
    }
    return Status();
  });
  // On failure everything stays buffered; the runner stops, and a restarted one reads
  // only what was committed.
  if (!status.ok()) return status;
  compacted_below_ = low_water();
  last_row_ = last_row;
  for (auto& [id, row] : new_sagas) {
    if (first_row_.emplace(id, row).second) live_by_first_row_.emplace(row, std::move(id));
  }
  pending_.clear();
  return Status();
}

Status SqliteSagaLog::load(const Visitor& visit) const {
  // A const load reads through a statement of its own.
  Result<SqliteStatement> select = const_cast<SqliteDb&>(db_).prepare("SELECT seq, record FROM saga_log ORDER BY seq");
  if (!select.ok()) return select.status();
  SqliteStatement rows = *std::move(select);
  return rows.for_each_row([&] {
    Result<saga::SagaRecord> record = saga::decode_record(rows.column_text(1));
    if (!record.ok()) {
      return Status::invalid_argument("saga log row " + std::to_string(rows.column_int(0)) + ": " +
                                      record.status().message());
    }
    visit(*std::move(record));
    return Status();
  });
}

Status SqliteSagaLog::erase(std::span<const std::string> saga_ids) {
  for (const std::string& id : saga_ids) {
    const auto found = first_row_.find(id);
    if (found == first_row_.end()) continue;  // never synced, so nothing to delete
    live_by_first_row_.erase(found->second);
    first_row_.erase(found);
  }
  return Status();
}

Result<std::int64_t> SqliteSagaLog::rows() {
  Result<SqliteStatement> count = db_.prepare("SELECT COUNT(*) FROM saga_log");
  if (!count.ok()) return count.status();
  SqliteStatement statement = *std::move(count);
  Result<bool> row = statement.step();
  if (!row.ok()) return row.status();
  return statement.column_int(0);
}

}  // namespace sluice::native
