// sqlite_broker_journal.h: SqliteBrokerJournal, the broker server's durable copy of its
// SQS queues (--data_dir): a QueueJournal that writes every change into SQLite (WAL,
// synchronous=FULL), one transaction per commit, and the restore that rebuilds an
// InMemoryBroker from it after a restart or a crash.
//
//   Result<std::unique_ptr<SqliteBrokerJournal>> journal = SqliteBrokerJournal::open(dir + "/broker.db", clock);
//   Result<SqliteBrokerJournal::Restored> restored = (*journal)->restore(broker);  // then it journals
//   ... requests change the broker ...
//   if (Status s = (*journal)->commit(); !s.ok()) ...  // one fsync covers every change so far
//
// Times are stored as wall-clock nanoseconds since the Unix epoch, so that a restart
// (a new monotonic clock) puts send times, delays, retention and deduplication
// windows back where they were in real time. Message ids are unique across queues
// (random 122-bit UUIDs), so rows are found by id alone. A write that fails makes
// every later commit fail with that error: the server must stop rather than
// acknowledge what is not on disk.
#ifndef SLUICE_NATIVE_BROKER_SERVER_SQLITE_BROKER_JOURNAL_H_
#define SLUICE_NATIVE_BROKER_SERVER_SQLITE_BROKER_JOURNAL_H_

#include <cstddef>
#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/broker/in_memory_broker.h"
#include "core/broker/queue_journal.h"
#include "core/time/clock.h"
#include "native/sqlite/sqlite_db.h"

namespace sluice::native {

class SqliteBrokerJournal final : public broker::QueueJournal {
 public:
  struct Restored {
    std::size_t queues = 0;
    std::size_t messages = 0;
    std::size_t deduplications = 0;
    std::size_t exchanges = 0;
    std::size_t bindings = 0;
  };

  // open: opens (creating) the journal at `path`; `clock` is the broker's.
  static Result<std::unique_ptr<SqliteBrokerJournal>> open(const std::string& path, const time::Clock& clock);
  ~SqliteBrokerJournal() override;

  // restore: puts everything the journal holds into `broker` (which has no SQS queues
  // yet), then journals the broker's changes from then on.
  Result<Restored> restore(broker::InMemoryBroker& broker);

  // has_uncommitted: changes were journaled since the last commit.
  bool has_uncommitted() const { return in_transaction_; }
  // commit: makes every change so far durable (one fsync). The first write error, if
  // any, is returned here, now and on every later call.
  Status commit();

  void queue_configured(std::string_view queue, const broker::QueueConfig& config) override;
  void queue_deleted(std::string_view queue) override;
  void exchange_declared(std::string_view exchange, broker::ExchangeType type) override;
  void queue_bound(std::string_view queue, std::string_view exchange, std::string_view key,
                   const broker::Headers& arguments) override;
  void message_stored(std::string_view queue, const broker::JournaledMessage& message) override;
  void message_received(std::string_view queue, std::string_view message_id, std::uint32_t receive_count,
                        time::Instant first_received_at) override;
  void message_removed(std::string_view queue, std::string_view message_id) override;
  void queue_purged(std::string_view queue) override;
  void deduplication_recorded(std::string_view queue, std::string_view key, std::string_view message_id,
                              std::uint64_t sequence, time::Instant expires) override;

 private:
  struct Statements;

  SqliteBrokerJournal(SqliteDb db, std::unique_ptr<Statements> statements, const time::Clock& clock);
  // write: runs `statement` (already bound) inside the open transaction, opening one
  // if needed; a failure is kept for commit().
  void write(SqliteStatement& statement);
  Status restore_queues(broker::InMemoryBroker& broker, Restored& restored);
  Status restore_messages(broker::InMemoryBroker& broker, Restored& restored);
  std::int64_t wall_nanos(time::Instant instant) const;
  time::Instant instant_of(std::int64_t wall_nanos) const;

  SqliteDb db_;
  std::unique_ptr<Statements> statements_;
  const time::Clock& clock_;
  std::int64_t wall_offset_nanos_;  // wall-clock minus the clock's reading, at open
  bool in_transaction_ = false;
  Status failure_;
  time::Instant last_prune_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_BROKER_SERVER_SQLITE_BROKER_JOURNAL_H_
