// saga_record.h: SagaRecord, one transition of one saga as the saga log keeps it, and
// its JSON text form for logs that store text (SQLite, files).
//
// A saga's state is the fold of its records (saga_instance.h), so a runner started on
// an existing log rebuilds every saga exactly, then resumes it. The runner appends a
// record before it emits the command the record announces (write-ahead).
//
//   started            {saga, definition, data: the input}
//   attempt_started    {saga, step, operation, attempt}        -> the command goes out
//                      (again for the same attempt: re-issued after a restart)
//   attempt_succeeded  {saga, step, operation, attempt, data: the output}
//   attempt_failed     {saga, step, operation, attempt, error_kind, error_message,
//                       timed_out, not_applied, retry_after (absent: the runner gave up)}
//   state_changed      {saga, state, reason}
#ifndef SLUICE_CORE_SAGA_SAGA_RECORD_H_
#define SLUICE_CORE_SAGA_SAGA_RECORD_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/time/instant.h"

namespace sluice::saga {

enum class SagaState : std::uint8_t { kRunning, kCompensating, kCompleted, kCompensated, kFailedNeedsAttention };

// saga_state_name: "RUNNING", "COMPENSATING", "COMPLETED", "COMPENSATED", "FAILED_NEEDS_ATTENTION".
std::string_view saga_state_name(SagaState state);
// is_final: no further transition can happen.
inline bool is_final(SagaState state) { return state != SagaState::kRunning && state != SagaState::kCompensating; }

enum class Operation : std::uint8_t { kAction, kCompensation };

// operation_name: "action" or "compensation".
std::string_view operation_name(Operation operation);

enum class RecordType : std::uint8_t { kStarted, kAttemptStarted, kAttemptSucceeded, kAttemptFailed, kStateChanged };

std::string_view record_type_name(RecordType type);

struct SagaRecord {
  RecordType type = RecordType::kStarted;
  std::string saga_id;
  time::Instant at;  // on the runner's clock; meaningful within one process run

  std::string definition;  // kStarted
  nlohmann::json data;     // kStarted: the input; kAttemptSucceeded: the output (an object, or null)

  std::uint32_t step = 0;  // attempt records
  Operation operation = Operation::kAction;
  std::uint32_t attempt = 0;  // 1-based

  std::string error_kind;  // kAttemptFailed
  std::string error_message;
  bool timed_out = false;
  // not_applied: the failure proves the action was not applied: a non-retryable answer
  // (the participant's own verdict under the idempotency key, e.g. a declined card), or a
  // request that never left (StepResult::not_applied). Any other failure proves nothing:
  // another copy of the request, or an earlier issue, may be applied.
  bool not_applied = false;
  std::optional<time::Duration> retry_after;

  SagaState state = SagaState::kRunning;  // kStateChanged
  std::string reason;
};

// encode_record: one line of JSON text (no newline inside).
std::string encode_record(const SagaRecord& record);

// decode_record: the inverse of encode_record; anything else is an error naming the
// field, never a crash.
Result<SagaRecord> decode_record(std::string_view text);

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_RECORD_H_
