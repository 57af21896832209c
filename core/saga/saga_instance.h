// saga_instance.h: SagaInstance, one saga's state as the fold of its log records.
//
// The runner applies each record as it appends it; recovery applies the same records
// read back from the log, so a restarted runner sees exactly the saga it left. Nothing
// here decides anything: apply() only records what a record says happened.
#ifndef SLUICE_CORE_SAGA_SAGA_INSTANCE_H_
#define SLUICE_CORE_SAGA_SAGA_INSTANCE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "core/saga/saga_definition.h"
#include "core/saga/saga_record.h"

namespace sluice::saga {

enum class AttemptOutcome : std::uint8_t { kRunning, kSucceeded, kFailed, kTimedOut };

// AttemptEntry: one attempt of an action or compensation, for the saga's timeline.
struct AttemptEntry {
  std::uint32_t step = 0;
  Operation operation = Operation::kAction;
  std::uint32_t attempt = 0;
  time::Instant started;
  time::Instant ended;  // when not kRunning
  AttemptOutcome outcome = AttemptOutcome::kRunning;
  std::string error_kind;
  std::string error_message;
};

enum class Phase : std::uint8_t { kNotStarted, kRunning, kWaitingToRetry, kSucceeded, kGaveUp };

// OperationProgress: where one step's action (or compensation) stands.
struct OperationProgress {
  Phase phase = Phase::kNotStarted;
  std::uint32_t attempts = 0;  // started so far
  // outcome_unknown: the participant may have applied the action though the saga never
  // heard so: an attempt timed out or was re-issued after a restart, or (for a
  // compensatable step) failed without being refused.
  bool outcome_unknown = false;
  time::Duration retry_after{};  // while kWaitingToRetry
  std::string last_error;        // "kind: message" of the latest failure
};

struct StepProgress {
  OperationProgress action;
  OperationProgress compensation;
};

class SagaInstance {
 public:
  // SagaInstance: REQUIRES definition.validate().ok() and `stages` its stages(); both
  // outlive the instance.
  SagaInstance(const SagaDefinition& definition, const std::vector<Stage>& stages);

  // apply: the saga after `record`. An error (a record that does not fit this saga:
  // a step it does not have, an attempt out of turn) changes nothing.
  Status apply(const SagaRecord& record);

  const std::string& id() const { return id_; }
  const SagaDefinition& definition() const { return *definition_; }
  SagaState state() const { return state_; }
  // reason: why the saga is compensating, compensated or needs attention.
  const std::string& reason() const { return reason_; }
  // data: the input with every completed step's output merged in (later keys win).
  const nlohmann::json& data() const { return data_; }
  const std::vector<AttemptEntry>& timeline() const { return timeline_; }
  const StepProgress& step(std::uint32_t index) const { return steps_[index]; }
  const OperationProgress& progress(std::uint32_t step, Operation operation) const;

  const std::vector<Stage>& stages() const { return *stages_; }
  // current_stage: the first stage whose actions have not all succeeded (stages().size()
  // once every action has).
  std::uint32_t current_stage() const { return current_stage_; }
  // stage_failed: a member's action gave up.
  bool stage_failed(std::uint32_t stage) const;
  // stage_busy: a member's action is running.
  bool stage_busy(std::uint32_t stage) const;
  // failed_step: the first member of `stage` whose action gave up, or -1.
  int failed_step(std::uint32_t stage) const;

  // next_to_compensate: the most recently completed step whose compensation has not
  // succeeded, or -1. Steps whose outcome is unknown count as completed: compensating
  // a step that never happened is a null compensation, which participants' barriers
  // turn into nothing.
  int next_to_compensate() const;

 private:
  OperationProgress& mutable_progress(std::uint32_t step, Operation operation);
  Status finish_attempt(const SagaRecord& record, AttemptOutcome outcome);
  void give_up(std::uint32_t step, Operation operation);

  const SagaDefinition* definition_;
  const std::vector<Stage>* stages_;
  std::string id_;
  bool started_ = false;
  SagaState state_ = SagaState::kRunning;
  std::string reason_;
  nlohmann::json data_;  // an object once started
  std::vector<StepProgress> steps_;
  std::vector<AttemptEntry> timeline_;
  std::uint32_t current_stage_ = 0;
  // Steps to undo if the saga fails, in the order their actions completed.
  std::vector<std::uint32_t> completed_;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_INSTANCE_H_
