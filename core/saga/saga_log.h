// saga_log.h: SagaLog, where a runner writes every saga transition before acting on it,
// and InMemorySagaLog, the log for tests, the playground and services that accept
// losing sagas on a crash.
//
// The runner appends records as transitions happen and calls sync() before it hands
// out the commands those records announce; a log may buffer appends and make them
// durable together in sync(), so that one fsync covers many sagas (group commit).
// native/saga/sqlite_saga_log.h is the durable implementation.
#ifndef SLUICE_CORE_SAGA_SAGA_LOG_H_
#define SLUICE_CORE_SAGA_SAGA_LOG_H_

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/saga/saga_record.h"

namespace sluice::saga {

class SagaLog {
 public:
  using Visitor = std::function<void(SagaRecord)>;

  virtual ~SagaLog() = default;

  // append: adds a record; it is durable once sync() returns OK. An error means the
  // log can no longer be trusted: the runner stops and must be restarted on the log.
  virtual Status append(SagaRecord&& record) = 0;
  // sync: makes every record appended so far durable.
  virtual Status sync() = 0;
  // load: calls `visit` with every record in the log, in append order.
  virtual Status load(const Visitor& visit) const = 0;
  // erase: the records of these finished sagas are no longer needed. A log may drop
  // them at once or later (at the latest the next sync may compact them away).
  virtual Status erase(std::span<const std::string> saga_ids) = 0;
};

class InMemorySagaLog final : public SagaLog {
 public:
  InMemorySagaLog() = default;
  // InMemorySagaLog: a log that already holds `records`, as if written before a crash.
  explicit InMemorySagaLog(std::vector<SagaRecord> records) : records_(std::move(records)) {}

  Status append(SagaRecord&& record) override;
  Status sync() override;
  Status load(const Visitor& visit) const override;
  Status erase(std::span<const std::string> saga_ids) override;

  const std::vector<SagaRecord>& records() const { return records_; }
  std::size_t syncs() const { return syncs_; }
  // synced_records: how many records the latest sync covered.
  std::size_t synced_records() const { return synced_records_; }

 private:
  std::vector<SagaRecord> records_;
  std::size_t syncs_ = 0;
  std::size_t synced_records_ = 0;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_LOG_H_
