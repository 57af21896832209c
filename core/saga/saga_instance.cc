#include "core/saga/saga_instance.h"

#include <utility>

namespace sluice::saga {

SagaInstance::SagaInstance(const SagaDefinition& definition, const std::vector<Stage>& stages)
    : definition_(&definition), stages_(&stages), steps_(definition.steps.size()) {
  timeline_.reserve(definition.steps.size());
}

const OperationProgress& SagaInstance::progress(std::uint32_t step, Operation operation) const {
  return operation == Operation::kAction ? steps_[step].action : steps_[step].compensation;
}

OperationProgress& SagaInstance::mutable_progress(std::uint32_t step, Operation operation) {
  return operation == Operation::kAction ? steps_[step].action : steps_[step].compensation;
}

bool SagaInstance::stage_failed(std::uint32_t stage) const { return failed_step(stage) >= 0; }

int SagaInstance::failed_step(std::uint32_t stage) const {
  const Stage& s = stages()[stage];
  for (std::uint32_t i = s.first; i < s.first + s.count; ++i) {
    if (steps_[i].action.phase == Phase::kGaveUp) return static_cast<int>(i);
  }
  return -1;
}

bool SagaInstance::stage_busy(std::uint32_t stage) const {
  const Stage& s = stages()[stage];
  for (std::uint32_t i = s.first; i < s.first + s.count; ++i) {
    if (steps_[i].action.phase == Phase::kRunning) return true;
  }
  return false;
}

int SagaInstance::next_to_compensate() const {
  for (auto it = completed_.rbegin(); it != completed_.rend(); ++it) {
    if (steps_[*it].compensation.phase != Phase::kSucceeded) return static_cast<int>(*it);
  }
  return -1;
}

void SagaInstance::give_up(std::uint32_t step, Operation operation) {
  OperationProgress& progress = mutable_progress(step, operation);
  progress.phase = Phase::kGaveUp;
  if (operation != Operation::kAction || !progress.outcome_unknown) return;
  const StepDefinition& definition = definition_->steps[step];
  if (definition.kind == StepKind::kCompensatable && !definition.compensation.empty()) completed_.push_back(step);
}

Status SagaInstance::finish_attempt(const SagaRecord& record, AttemptOutcome outcome) {
  for (auto it = timeline_.rbegin(); it != timeline_.rend(); ++it) {
    if (it->step == record.step && it->operation == record.operation && it->attempt == record.attempt) {
      it->ended = record.at;
      it->outcome = outcome;
      it->error_kind = record.error_kind;
      it->error_message = record.error_message;
      return Status();
    }
  }
  return Status(StatusCode::kFailedPrecondition, "saga " + id_ + ": no such attempt in its timeline");
}

Status SagaInstance::apply(const SagaRecord& record) {
  if (record.type == RecordType::kStarted) {
    if (started_) return Status(StatusCode::kFailedPrecondition, "saga " + record.saga_id + " was already started");
    started_ = true;
    id_ = record.saga_id;
    data_ = record.data.is_object() ? record.data : nlohmann::json::object();
    return Status();
  }
  if (!started_ || record.saga_id != id_) {
    return Status(StatusCode::kFailedPrecondition, "saga " + record.saga_id + ": record before its start");
  }
  if (record.type == RecordType::kStateChanged) {
    state_ = record.state;
    reason_ = record.reason;
    return Status();
  }
  if (record.step >= steps_.size()) {
    return Status::invalid_argument("saga " + id_ + ": step " + std::to_string(record.step) + " is not in " +
                                    definition_->name);
  }
  OperationProgress& progress = mutable_progress(record.step, record.operation);
  const bool current_attempt = record.attempt == progress.attempts;
  switch (record.type) {
    case RecordType::kAttemptStarted:
      if (progress.phase == Phase::kRunning && record.attempt == progress.attempts) {
        // Re-issued after a restart: the first issue may have been applied, and a
        // refusal of the re-issue (shed before the participant's idempotency check)
        // would not prove it was not. Compensating a step that was not applied is
        // harmless behind a barrier, so a compensatable step counts as maybe done. A
        // pivot is left to its answers: treating it as unknown would send every pivot
        // refused after a restart to FAILED_NEEDS_ATTENTION.
        if (record.operation == Operation::kAction &&
            definition_->steps[record.step].kind == StepKind::kCompensatable) {
          progress.outcome_unknown = true;
        }
        return Status();
      }
      if (record.attempt != progress.attempts + 1 || progress.phase == Phase::kRunning ||
          progress.phase == Phase::kSucceeded || progress.phase == Phase::kGaveUp) {
        return Status(StatusCode::kFailedPrecondition, "saga " + id_ + ": attempt out of turn");
      }
      progress.phase = Phase::kRunning;
      progress.attempts = record.attempt;
      timeline_.push_back({.step = record.step,
                           .operation = record.operation,
                           .attempt = record.attempt,
                           .started = record.at,
                           .ended = record.at});
      return Status();
    case RecordType::kAttemptSucceeded: {
      if (!current_attempt || progress.phase != Phase::kRunning) {
        return Status(StatusCode::kFailedPrecondition, "saga " + id_ + ": result for an attempt not running");
      }
      SLUICE_RETURN_IF_ERROR(finish_attempt(record, AttemptOutcome::kSucceeded));
      progress.phase = Phase::kSucceeded;
      if (record.operation == Operation::kCompensation) return Status();
      if (record.data.is_object()) data_.update(record.data);
      const StepDefinition& step = definition_->steps[record.step];
      if (step.kind == StepKind::kCompensatable && !step.compensation.empty()) completed_.push_back(record.step);
      while (current_stage_ < stages().size()) {
        const Stage& stage = stages()[current_stage_];
        bool all_succeeded = true;
        for (std::uint32_t i = stage.first; i < stage.first + stage.count; ++i) {
          all_succeeded = all_succeeded && steps_[i].action.phase == Phase::kSucceeded;
        }
        if (!all_succeeded) break;
        ++current_stage_;
      }
      return Status();
    }
    case RecordType::kAttemptFailed: {
      if (!current_attempt || progress.phase != Phase::kRunning) {
        return Status(StatusCode::kFailedPrecondition, "saga " + id_ + ": result for an attempt not running");
      }
      SLUICE_RETURN_IF_ERROR(
          finish_attempt(record, record.timed_out ? AttemptOutcome::kTimedOut : AttemptOutcome::kFailed));
      // A compensatable step whose attempt was not refused may have been applied (a copy
      // of the request, or a timed-out one, can still land): it will be compensated,
      // which a barrier makes harmless if it was not. Other kinds keep to timeouts: an
      // unknown pivot needs a person.
      progress.outcome_unknown = progress.outcome_unknown || record.timed_out ||
                                 (record.operation == Operation::kAction && !record.not_applied &&
                                  definition_->steps[record.step].kind == StepKind::kCompensatable);
      progress.last_error = record.error_kind + ": " + record.error_message;
      if (record.retry_after) {
        progress.phase = Phase::kWaitingToRetry;
        progress.retry_after = *record.retry_after;
        return Status();
      }
      give_up(record.step, record.operation);
      // A failed stage starts no more attempts: members waiting to retry give up too.
      if (record.operation == Operation::kAction && current_stage_ < stages().size()) {
        const Stage& stage = stages()[current_stage_];
        for (std::uint32_t i = stage.first; i < stage.first + stage.count; ++i) {
          if (steps_[i].action.phase == Phase::kWaitingToRetry) give_up(i, Operation::kAction);
        }
      }
      return Status();
    }
    case RecordType::kStarted:
    case RecordType::kStateChanged:
      break;
  }
  return Status();
}

}  // namespace sluice::saga
