#include "native/sqlite/sqlite_db.h"

namespace sluice::native {

void SqliteStatement::bind(int index, std::string_view text) {
  // An empty view may have no data pointer, which SQLite would bind as NULL.
  sqlite3_bind_text(statement_.get(), index, text.data() == nullptr ? "" : text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
}

void SqliteStatement::bind(int index, std::int64_t number) { sqlite3_bind_int64(statement_.get(), index, number); }

Result<bool> SqliteStatement::step() {
  const int code = sqlite3_step(statement_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(statement_.get());
  return Status(StatusCode::kUnavailable, std::string("sqlite: ") + sqlite3_errmsg(db));
}

Status SqliteStatement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) {
      reset();
      return row.status();
    }
    if (!*row) break;
  }
  reset();
  return Status();
}

Status SqliteStatement::for_each_row(const std::function<Status()>& per_row) {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status();
    SLUICE_RETURN_IF_ERROR(per_row());
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::string_view SqliteStatement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_.get(), index));
  return text == nullptr ? std::string_view() : std::string_view(text, sqlite3_column_bytes(statement_.get(), index));
}

std::int64_t SqliteStatement::column_int(int index) const { return sqlite3_column_int64(statement_.get(), index); }

Result<SqliteDb> SqliteDb::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  SqliteDb db(raw);
  if (code != SQLITE_OK) return db.error("opening " + path);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  return db;
}

Status SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status();
  std::string text = message == nullptr ? "unknown error" : message;
  sqlite3_free(message);
  return Status(StatusCode::kUnavailable, "sqlite: " + text + " (in: " + sql + ")");
}

Result<SqliteStatement> SqliteDb::prepare(const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    return error("preparing " + sql);
  }
  return SqliteStatement(statement);
}

Status SqliteDb::error(std::string_view doing) const {
  const char* message = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
  return Status(StatusCode::kUnavailable, "sqlite: " + std::string(doing) + ": " + message);
}

}  // namespace sluice::native
