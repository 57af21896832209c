// barrier.h: the participant side of a saga. run_barrier() makes a step's action or
// compensation take effect at most once, with the semantics of DTM's sub-transaction
// barrier, keyed by (saga id, step) and the operation:
//
//   - a duplicate request (a retry, or a command re-issued after the runner restarted)
//     does nothing again and answers what the first one answered (kDuplicate);
//   - a compensation that arrives before, or without, its action records itself and
//     does nothing (kNullCompensation);
//   - an action that arrives after its compensation does nothing (kHanging), so a slow
//     request can never apply a step the saga has already undone.
//
//   InMemoryBarrier barrier;
//   Result<BarrierResult> r = run_barrier(barrier, {command.saga_id, command.step_name},
//                                         command.operation, [&]() -> Result<std::string> {
//     stock -= quantity;                   // the business write
//     return std::string(R"({"reservationId":"r-1"})");  // kept for duplicates
//   });
//
// The barrier's rows and the business write commit together or not at all: a failed
// business call (an error Result) rolls the barrier rows back too, so a retry runs it
// again. native/saga/sqlite_barrier.h does this in one SQLite transaction.
#ifndef SLUICE_CORE_SAGA_BARRIER_H_
#define SLUICE_CORE_SAGA_BARRIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/saga/saga_record.h"

namespace sluice::saga {

struct BarrierKey {
  std::string_view saga_id;
  std::string_view step;
};

enum class BarrierOutcome : std::uint8_t { kExecuted, kDuplicate, kNullCompensation, kHanging };

std::string_view barrier_outcome_name(BarrierOutcome outcome);

struct BarrierResult {
  BarrierOutcome outcome = BarrierOutcome::kExecuted;
  std::string output;  // what the business call returned (the first time, for kDuplicate)
};

// BarrierRow: the row for one (saga, step, slot): which operation wrote it, and the
// output its business call returned.
struct BarrierRow {
  Operation reason = Operation::kAction;
  std::string output;
};

// BarrierStore: barrier rows inside a transaction that the business write shares.
class BarrierStore {
 public:
  virtual ~BarrierStore() = default;
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
  // insert: adds the row for (key, slot) unless one exists; true if it was added.
  virtual Result<bool> insert(const BarrierKey& key, Operation slot, Operation reason) = 0;
  virtual Result<std::optional<BarrierRow>> read(const BarrierKey& key, Operation slot) = 0;
  virtual Status set_output(const BarrierKey& key, Operation slot, std::string_view output) = 0;
};

using BusinessCall = std::function<Result<std::string>()>;

// run_barrier: runs `business` for `operation` of `key` unless the barrier says not to.
// An error from the business call is returned as it is, and nothing is recorded.
Result<BarrierResult> run_barrier(BarrierStore& store, const BarrierKey& key, Operation operation,
                                  const BusinessCall& business);

// parse_idempotency_key: the saga id, step and operation of a key the runner made
// ("<saga id>:<step>:<action|compensation>"; the saga id may itself hold ':').
struct ParsedIdempotencyKey {
  std::string saga_id;
  std::string step;
  Operation operation = Operation::kAction;
};
Result<ParsedIdempotencyKey> parse_idempotency_key(std::string_view key);

// InMemoryBarrier: rows in a map; a transaction holds a mutex from begin() to
// commit() or rollback(), so concurrent requests are serialised as a database would.
class InMemoryBarrier final : public BarrierStore {
 public:
  Status begin() override;
  Status commit() override;
  void rollback() override;
  Result<bool> insert(const BarrierKey& key, Operation slot, Operation reason) override;
  Result<std::optional<BarrierRow>> read(const BarrierKey& key, Operation slot) override;
  Status set_output(const BarrierKey& key, Operation slot, std::string_view output) override;

  std::size_t rows() const;

 private:
  using RowKey = std::tuple<std::string, std::string, Operation>;
  static RowKey row_key(const BarrierKey& key, Operation slot);

  mutable std::mutex mutex_;
  std::map<RowKey, BarrierRow> rows_;
  std::vector<RowKey> inserted_in_transaction_;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_BARRIER_H_
