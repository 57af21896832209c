#include "native/saga/sqlite_saga_log.h"

namespace sluice::native {

Result<std::unique_ptr<SqliteSagaLog>> SqliteSagaLog::open(const std::string& path) {
  Result<SqliteDb> db = SqliteDb::open(path);
  if (!db.ok()) return db.status();
  SqliteDb opened = *std::move(db);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS saga_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                          "saga_id TEXT NOT NULL, record TEXT NOT NULL)",
                          "CREATE INDEX IF NOT EXISTS saga_log_by_saga ON saga_log (saga_id)"}) {
    if (Status s = opened.exec(sql); !s.ok()) return s;
  }
  Result<SqliteStatement> insert = opened.prepare("INSERT INTO saga_log (saga_id, record) VALUES (?1, ?2)");
  if (!insert.ok()) return insert.status();
  Result<SqliteStatement> erase = opened.prepare("DELETE FROM saga_log WHERE saga_id = ?1");
  if (!erase.ok()) return erase.status();
  return std::unique_ptr<SqliteSagaLog>(new SqliteSagaLog(std::move(opened), *std::move(insert), *std::move(erase)));
}

Status SqliteSagaLog::append(const saga::SagaRecord& record) {
  pending_.emplace_back(record.saga_id, saga::encode_record(record));
  return Status();
}

Status SqliteSagaLog::in_transaction(const std::function<Status()>& work) {
  if (Status s = db_.exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status status = work();
  if (status.ok()) status = db_.exec("COMMIT");
  if (!status.ok()) {
    static_cast<void>(db_.exec("ROLLBACK"));
    return status;
  }
  ++commits_;
  return Status();
}

Status SqliteSagaLog::sync() {
  if (pending_.empty()) return Status();
  Status status = in_transaction([&] {
    for (const auto& [saga_id, text] : pending_) {
      insert_.bind(1, saga_id);
      insert_.bind(2, text);
      if (Status s = insert_.run(); !s.ok()) return s;
    }
    return Status();
  });
  // On failure the records stay buffered: the runner keeps their commands back and
  // the next sync tries again.
  if (status.ok()) pending_.clear();
  return status;
}

Status SqliteSagaLog::load(const Visitor& visit) const {
  // A const load reads through a statement of its own.
  Result<SqliteStatement> select = const_cast<SqliteDb&>(db_).prepare("SELECT seq, record FROM saga_log ORDER BY seq");
  if (!select.ok()) return select.status();
  SqliteStatement rows = *std::move(select);
  for (;;) {
    Result<bool> row = rows.step();
    if (!row.ok()) return row.status();
    if (!*row) return Status();
    Result<saga::SagaRecord> record = saga::decode_record(rows.column_text(1));
    if (!record.ok()) {
      return Status::invalid_argument("saga log row " + std::to_string(rows.column_int(0)) + ": " +
                                      record.status().message());
    }
    visit(*std::move(record));
  }
}

Status SqliteSagaLog::erase(std::span<const std::string> saga_ids) {
  if (saga_ids.empty()) return Status();
  return in_transaction([&] {
    for (const std::string& id : saga_ids) {
      erase_.bind(1, id);
      if (Status s = erase_.run(); !s.ok()) return s;
    }
    return Status();
  });
}

}  // namespace sluice::native
