#include "native/saga/sqlite_barrier.h"

#include <utility>

namespace sluice::native {
namespace {

std::int64_t slot_number(saga::Operation operation) { return operation == saga::Operation::kAction ? 0 : 1; }

void bind_key(SqliteStatement& statement, const saga::BarrierKey& key, saga::Operation slot) {
  statement.bind(1, key.saga_id);
  statement.bind(2, key.step);
  statement.bind(3, slot_number(slot));
}

}  // namespace

Result<std::unique_ptr<SqliteBarrier>> SqliteBarrier::open(const std::string& path) {
  Result<SqliteDb> db = SqliteDb::open(path);
  if (!db.ok()) return db.status();
  std::unique_ptr<SqliteBarrier> barrier(new SqliteBarrier(*std::move(db)));
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS saga_barrier (saga_id TEXT NOT NULL, step TEXT NOT NULL, "
                          "slot INTEGER NOT NULL, reason INTEGER NOT NULL, output TEXT NOT NULL DEFAULT '', "
                          "PRIMARY KEY (saga_id, step, slot))"}) {
    SLUICE_RETURN_IF_ERROR(barrier->db_.exec(sql));
  }
  struct Prepared {
    SqliteStatement* into;
    const char* sql;
  };
  for (const Prepared& p : {
           Prepared{&barrier->insert_,
                    "INSERT OR IGNORE INTO saga_barrier (saga_id, step, slot, reason) VALUES (?1, ?2, ?3, ?4)"},
           Prepared{&barrier->read_,
                    "SELECT reason, output FROM saga_barrier WHERE saga_id=?1 AND step=?2 AND slot=?3"},
           Prepared{&barrier->set_output_,
                    "UPDATE saga_barrier SET output=?4 WHERE saga_id=?1 AND step=?2 AND slot=?3"},
       }) {
    Result<SqliteStatement> statement = barrier->db_.prepare(p.sql);
    if (!statement.ok()) return statement.status();
    *p.into = *std::move(statement);
  }
  return barrier;
}

Status SqliteBarrier::begin() { return db_.exec("BEGIN IMMEDIATE"); }
Status SqliteBarrier::commit() { return db_.exec("COMMIT"); }
void SqliteBarrier::rollback() { static_cast<void>(db_.exec("ROLLBACK")); }

Result<bool> SqliteBarrier::insert(const saga::BarrierKey& key, saga::Operation slot, saga::Operation reason) {
  bind_key(insert_, key, slot);
  insert_.bind(4, slot_number(reason));
  SLUICE_RETURN_IF_ERROR(insert_.run());
  return db_.changes() > 0;
}

Result<std::optional<saga::BarrierRow>> SqliteBarrier::read(const saga::BarrierKey& key, saga::Operation slot) {
  bind_key(read_, key, slot);
  Result<bool> row = read_.step();
  if (!row.ok()) {
    read_.reset();
    return row.status();
  }
  std::optional<saga::BarrierRow> found;
  if (*row) {
    found =
        saga::BarrierRow{.reason = read_.column_int(0) == 0 ? saga::Operation::kAction : saga::Operation::kCompensation,
                         .output = std::string(read_.column_text(1))};
  }
  read_.reset();
  return found;
}

Status SqliteBarrier::set_output(const saga::BarrierKey& key, saga::Operation slot, std::string_view output) {
  bind_key(set_output_, key, slot);
  set_output_.bind(4, output);
  return set_output_.run();
}

}  // namespace sluice::native
