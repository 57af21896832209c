// sqlite_db.h: SqliteDb and SqliteStatement, thin owners of a SQLite connection and a
// prepared statement that turn SQLite's return codes into Status with its message.
//
//   Result<SqliteDb> db = SqliteDb::open("/var/lib/sluice/sagas.db");
//   if (Status s = db->exec("PRAGMA journal_mode=WAL"); !s.ok()) ...
//   SqliteStatement insert = *db->prepare("INSERT INTO t(a) VALUES (?1)");
//   insert.bind(1, "x");
//   if (Status s = insert.run(); !s.ok()) ...
#ifndef SLUICE_NATIVE_SQLITE_SQLITE_DB_H_
#define SLUICE_NATIVE_SQLITE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/base/status.h"

namespace sluice::native {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  explicit SqliteStatement(sqlite3_stmt* statement) : statement_(statement, &sqlite3_finalize) {}

  // bind: 1-based parameters; the text is copied.
  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t number);
  // step: SQLITE_ROW or SQLITE_DONE, or an error.
  Result<bool> step();  // true: a row is ready
  // run: steps to the end, then resets for the next use.
  Status run();
  // for_each_row: calls `per_row` at each row (read it with column_*), stopping at the
  // first error, SQLite's or per_row's.
  Status for_each_row(const std::function<Status()>& per_row);
  void reset();
  std::string_view column_text(int index) const;
  std::int64_t column_int(int index) const;

 private:
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement_{nullptr, &sqlite3_finalize};
};

class SqliteDb {
 public:
  // open: opens (creating) the database at `path`, waiting up to `busy_timeout_ms` for
  // another connection's write lock.
  static Result<SqliteDb> open(const std::string& path, int busy_timeout_ms = 5000);

  Status exec(const std::string& sql);
  Result<SqliteStatement> prepare(const std::string& sql);
  // changes: rows the last statement inserted, updated or deleted.
  int changes() const { return sqlite3_changes(db_.get()); }
  // error: the connection's latest error, prefixed with what was being done.
  Status error(std::string_view doing) const;
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db, &sqlite3_close_v2) {}

  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SQLITE_SQLITE_DB_H_
