#include "core/saga/saga_runner.h"

#include <array>
#include <utility>

#include "core/base/check.h"

namespace sluice::saga {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kRecordEvents = {
    "saga.started", "saga.attempt_started", "saga.attempt_succeeded", "saga.attempt_failed", "saga.state_changed"};

}  // namespace

// Registered: a definition, its stages, and a backoff schedule per step and operation.
struct SagaRunner::Registered {
  SagaDefinition definition;
  std::vector<Stage> stages;
  std::vector<resilience::Retry> action_backoff;
  std::vector<resilience::Retry> compensation_backoff;

  const StepRetryPolicy& policy(std::uint32_t step, Operation operation) const {
    const StepDefinition& s = definition.steps[step];
    return operation == Operation::kAction ? s.retry : s.compensation_retry;
  }
  resilience::Retry& backoff(std::uint32_t step, Operation operation) {
    return operation == Operation::kAction ? action_backoff[step] : compensation_backoff[step];
  }
};

// Saga: an instance and the timers that belong to it (one per step at a time: its
// attempt's timeout or its retry wait).
struct SagaRunner::Saga {
  Saga(SagaRunner& owner, Registered& type)
      : runner(&owner),
        registered(&type),
        instance(type.definition, type.stages),
        steps(type.definition.steps.size()) {}

  SagaRunner* runner;
  Registered* registered;
  SagaInstance instance;
  struct StepTimer {
    time::TimerId timer;
    time::Duration previous_delay{};  // for decorrelated jitter
  };
  std::vector<StepTimer> steps;
};

StepResult StepResult::success(const SagaCommand& command, json output) {
  StepResult result;
  result.saga_id = std::string(command.saga_id);
  result.step = command.step;
  result.operation = command.operation;
  result.attempt = command.attempt;
  result.output = std::move(output);
  return result;
}

StepResult StepResult::failure(const SagaCommand& command, std::string error_kind, std::string error_message,
                               bool retryable) {
  StepResult result = success(command);
  result.ok = false;
  result.error_kind = std::move(error_kind);
  result.error_message = std::move(error_message);
  result.retryable = retryable;
  return result;
}

SagaRunner::SagaRunner(time::Scheduler& scheduler, SagaLog& log, time::Prng prng, CommandHandler handler,
                       observe::EventSink* events, SagaRunnerOptions options)
    : scheduler_(scheduler), log_(log), prng_(prng), handler_(std::move(handler)), events_(events), options_(options) {}

SagaRunner::~SagaRunner() {
  for (auto& [id, saga] : sagas_) {
    for (const Saga::StepTimer& step : saga->steps) scheduler_.cancel(step.timer);
  }
}

Status SagaRunner::register_definition(SagaDefinition definition) {
  SLUICE_RETURN_IF_ERROR(definition.validate());
  if (definitions_.contains(definition.name)) {
    return Status::invalid_argument("saga \"" + definition.name + "\" is already registered");
  }
  auto registered = std::make_unique<Registered>();
  registered->stages = definition.stages();
  for (const StepDefinition& step : definition.steps) {
    registered->action_backoff.emplace_back(step.retry.backoff_config(), prng_.fork());
    registered->compensation_backoff.emplace_back(step.compensation_retry.backoff_config(), prng_.fork());
  }
  registered->definition = std::move(definition);
  const std::string name = registered->definition.name;
  definitions_.emplace(name, std::move(registered));
  return Status();
}

Status SagaRunner::commit(Saga& saga, SagaRecord&& record) {
  record.at = scheduler_.now();
  // The runner builds only records that fit; a misfit is a bug here, not bad input.
  Status applied = saga.instance.apply(record);
  SLUICE_CHECK(applied.ok());
  report(saga, record);
  // Applied before it is appended, so that the record can move into the log. Nothing
  // leaves before the log is synced, and a failing log stops the runner (see fail()).
  if (Status s = log_.append(std::move(record)); !s.ok()) return fail(s);
  unsynced_ = true;
  return Status();
}

Status SagaRunner::fail(const Status& log_error) {
  if (log_failure_.ok()) {
    log_failure_ = Status(StatusCode::kUnavailable,
                          "the saga log failed (" + log_error.message() + "); restart the runner on the log");
    report_simple("saga.log_failed", "", log_error.message());
  }
  outbox_.clear();
  return log_failure_;
}

Status SagaRunner::start(std::string_view definition, std::string saga_id, json data) {
  if (!log_failure_.ok()) return log_failure_;
  const auto type = definitions_.find(definition);
  if (type == definitions_.end()) {
    return Status(StatusCode::kNotFound, "no saga named \"" + std::string(definition) + "\" is registered");
  }
  if (saga_id.empty()) return Status::invalid_argument("saga id must not be empty");
  if (sagas_.contains(saga_id)) {
    return Status(StatusCode::kFailedPrecondition, "saga \"" + saga_id + "\" already exists");
  }
  if (!data.is_object() && !data.is_null()) return Status::invalid_argument("saga data must be a JSON object");
  auto saga = std::make_unique<Saga>(*this, *type->second);
  SagaRecord record{.type = RecordType::kStarted, .saga_id = std::move(saga_id)};
  record.definition = type->second->definition.name;
  record.data = std::move(data);
  SLUICE_RETURN_IF_ERROR(commit(*saga, std::move(record)));
  Saga& started = *saga;
  sagas_.emplace(started.instance.id(), std::move(saga));
  ++unfinished_;
  return after_call(advance(started));
}

Status SagaRunner::start_attempt(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt) {
  SagaRecord record{.type = RecordType::kAttemptStarted, .saga_id = saga.instance.id()};
  record.step = step;
  record.operation = operation;
  record.attempt = attempt;
  SLUICE_RETURN_IF_ERROR(commit(saga, std::move(record)));
  arm_timeout(saga, step, operation, attempt);
  outbox_.push_back({&saga, step, operation, attempt});
  return Status();
}

Status SagaRunner::advance(Saga& saga) {
  const SagaInstance& instance = saga.instance;
  const SagaDefinition& definition = instance.definition();
  for (;;) {
    if (instance.state() == SagaState::kRunning) {
      const std::uint32_t stage = instance.current_stage();
      if (stage == instance.stages().size()) return change_state(saga, SagaState::kCompleted, "");
      const int failed = instance.failed_step(stage);
      if (failed < 0) {
        const Stage& s = instance.stages()[stage];
        for (std::uint32_t i = s.first; i < s.first + s.count; ++i) {
          if (instance.step(i).action.phase != Phase::kNotStarted) continue;
          SLUICE_RETURN_IF_ERROR(start_attempt(saga, i, Operation::kAction, 1));
        }
        return Status();
      }
      if (instance.stage_busy(stage)) return Status();  // members still answering may need undoing
      const StepDefinition& step = definition.steps[failed];
      const OperationProgress& action = instance.step(failed).action;
      const std::string failure = "step \"" + step.name + "\" failed after " + std::to_string(action.attempts) +
                                  " attempt(s): " + action.last_error;
      if (step.kind == StepKind::kRetriable) {
        return change_state(saga, SagaState::kFailedNeedsAttention, failure + " (after the pivot; nothing undone)");
      }
      if (step.kind == StepKind::kPivot && action.outcome_unknown) {
        return change_state(saga, SagaState::kFailedNeedsAttention,
                            failure + " (the pivot's outcome is unknown; nothing undone)");
      }
      SLUICE_RETURN_IF_ERROR(change_state(saga, SagaState::kCompensating, failure));
      continue;
    }
    if (instance.state() == SagaState::kCompensating) {
      const int next = instance.next_to_compensate();
      if (next < 0) return change_state(saga, SagaState::kCompensated, instance.reason());
      const auto step = static_cast<std::uint32_t>(next);
      const OperationProgress& compensation = instance.step(step).compensation;
      switch (compensation.phase) {
        case Phase::kNotStarted:
          return start_attempt(saga, step, Operation::kCompensation, 1);
        case Phase::kGaveUp:
          return change_state(saga, SagaState::kFailedNeedsAttention,
                              "compensation of step \"" + definition.steps[step].name + "\" failed after " +
                                  std::to_string(compensation.attempts) + " attempt(s): " + compensation.last_error +
                                  "; saga failed because " + instance.reason());
        case Phase::kRunning:
        case Phase::kWaitingToRetry:
        case Phase::kSucceeded:
          return Status();
      }
    }
    return Status();
  }
}

Status SagaRunner::change_state(Saga& saga, SagaState state, std::string reason) {
  SagaRecord record{.type = RecordType::kStateChanged, .saga_id = saga.instance.id()};
  record.state = state;
  record.reason = std::move(reason);
  SLUICE_RETURN_IF_ERROR(commit(saga, std::move(record)));
  if (is_final(state)) {
    --unfinished_;
    for (std::uint32_t step = 0; step < saga.steps.size(); ++step) cancel_timer(saga, step);
  }
  return Status();
}

Status SagaRunner::on_result(StepResult result) {
  if (!log_failure_.ok()) return log_failure_;
  const auto found = sagas_.find(result.saga_id);
  if (found == sagas_.end()) return Status(StatusCode::kNotFound, "no saga \"" + result.saga_id + "\"");
  Saga& saga = *found->second;
  const SagaInstance& instance = saga.instance;
  if (result.step >= instance.definition().steps.size()) {
    return Status::invalid_argument("saga \"" + result.saga_id + "\" has no step " + std::to_string(result.step));
  }
  const OperationProgress& progress = instance.progress(result.step, result.operation);
  if (progress.phase != Phase::kRunning || progress.attempts != result.attempt) {
    report_simple("saga.result_ignored", result.saga_id, "attempt no longer running");
    return Status(StatusCode::kFailedPrecondition, "saga \"" + result.saga_id + "\": attempt " +
                                                       std::to_string(result.attempt) + " of step " +
                                                       std::to_string(result.step) + " is not running");
  }
  if (result.ok && !result.output.is_object() && !result.output.is_null()) {
    return Status::invalid_argument("step output must be a JSON object (merged into the saga's data)");
  }
  cancel_timer(saga, result.step);
  if (!result.ok) {
    return after_call(attempt_failed(saga, result.step, result.operation, result.attempt, std::move(result.error_kind),
                                     std::move(result.error_message), result.retryable, false, result.not_applied));
  }
  SagaRecord record{.type = RecordType::kAttemptSucceeded, .saga_id = instance.id()};
  record.step = result.step;
  record.operation = result.operation;
  record.attempt = result.attempt;
  record.data = std::move(result.output);
  if (Status s = commit(saga, std::move(record)); !s.ok()) return after_call(s);
  return after_call(advance(saga));
}

Status SagaRunner::attempt_failed(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt,
                                  std::string error_kind, std::string error_message, bool retryable, bool timed_out,
                                  bool not_applied) {
  const SagaInstance& instance = saga.instance;
  const StepDefinition& definition = instance.definition().steps[step];
  const StepRetryPolicy& policy = saga.registered->policy(step, operation);
  const bool unlimited =
      policy.max_attempts == 0 || (operation == Operation::kAction && definition.kind == StepKind::kRetriable);
  bool retry = retryable && !policy.is_non_retryable(error_kind) && (unlimited || attempt < policy.max_attempts);
  // Once a member of the stage has given up, the others stop trying: the saga is about
  // to compensate.
  if (operation == Operation::kAction && instance.state() == SagaState::kRunning &&
      instance.stage_failed(instance.current_stage())) {
    retry = false;
  }
  SagaRecord record{.type = RecordType::kAttemptFailed, .saga_id = instance.id()};
  record.step = step;
  record.operation = operation;
  record.attempt = attempt;
  record.error_kind = std::move(error_kind);
  record.error_message = std::move(error_message);
  record.timed_out = timed_out;
  record.not_applied = !timed_out && (not_applied || !retryable || policy.is_non_retryable(record.error_kind));
  time::Duration delay{};
  if (retry) {
    delay = saga.registered->backoff(step, operation).backoff(attempt, saga.steps[step].previous_delay);
    saga.steps[step].previous_delay = delay;
    record.retry_after = delay;
  }
  SLUICE_RETURN_IF_ERROR(commit(saga, std::move(record)));
  if (retry) {
    arm_retry(saga, step, operation, attempt + 1, delay);
  } else if (operation == Operation::kAction) {
    // Siblings that were waiting to retry have given up with it (see SagaInstance).
    const Stage& stage = instance.stages()[instance.current_stage()];
    for (std::uint32_t i = stage.first; i < stage.first + stage.count; ++i) {
      if (instance.step(i).action.phase == Phase::kGaveUp) cancel_timer(saga, i);
    }
  }
  return advance(saga);
}

// TimerTarget: what a timer callback needs, in 16 bytes, so that std::function keeps
// it inline instead of allocating (a saga sets several timers).
struct SagaRunner::TimerTarget {
  Saga* saga;
  std::uint32_t step_and_operation;  // step << 1 | operation
  std::uint32_t attempt;

  std::uint32_t step() const { return step_and_operation >> 1; }
  Operation operation() const { return static_cast<Operation>(step_and_operation & 1); }
};

void SagaRunner::arm_timeout(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt) {
  const time::Duration timeout = saga.instance.definition().steps[step].timeout;
  if (timeout <= time::Duration::zero()) return;
  const TimerTarget t{&saga, step << 1 | static_cast<std::uint32_t>(operation), attempt};
  saga.steps[step].timer = scheduler_.schedule_after(timeout, [t] {
    SagaRunner& runner = *t.saga->runner;
    t.saga->steps[t.step()].timer = {};
    if (!runner.log_failure_.ok()) return;
    // A failure here stops the runner (fail()); the saga resumes on recovery.
    static_cast<void>(
        runner.after_call(runner.attempt_failed(*t.saga, t.step(), t.operation(), t.attempt, "timeout",
                                                "no answer within the step's timeout", true, true, false)));
  });
}

void SagaRunner::arm_retry(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt,
                           time::Duration delay) {
  const TimerTarget t{&saga, step << 1 | static_cast<std::uint32_t>(operation), attempt};
  saga.steps[step].timer = scheduler_.schedule_after(delay, [t] {
    SagaRunner& runner = *t.saga->runner;
    t.saga->steps[t.step()].timer = {};
    if (!runner.log_failure_.ok()) return;
    static_cast<void>(runner.after_call(runner.start_attempt(*t.saga, t.step(), t.operation(), t.attempt)));
  });
}

void SagaRunner::cancel_timer(Saga& saga, std::uint32_t step) {
  time::TimerId& timer = saga.steps[step].timer;
  if (!timer.valid()) return;
  scheduler_.cancel(timer);
  timer = {};
}

Status SagaRunner::after_call(Status status) {
  if (!options_.auto_flush) {
    if (options_.flush_needed && log_failure_.ok() && (unsynced_ || !outbox_.empty())) options_.flush_needed();
    return status;
  }
  Status flushed = flush();
  return status.ok() ? flushed : status;
}

Status SagaRunner::flush() {
  if (!log_failure_.ok()) return log_failure_;
  if (flushing_) return Status();  // the outer flush delivers what this call adds
  flushing_ = true;
  Status status;
  // Records with no command (a saga's end, a retry wait) must become durable too.
  while (unsynced_ || !outbox_.empty()) {
    status = log_.sync();
    if (!status.ok()) {
      status = fail(status);
      break;
    }
    unsynced_ = false;
    delivering_.swap(outbox_);
    for (const OutboxEntry& entry : delivering_) deliver(entry);
    delivering_.clear();
  }
  flushing_ = false;
  return status;
}

void SagaRunner::deliver(const OutboxEntry& entry) {
  const SagaInstance& instance = entry.saga->instance;
  const OperationProgress& progress = instance.progress(entry.step, entry.operation);
  // A timer may have ended the attempt between its start and this flush.
  if (progress.phase != Phase::kRunning || progress.attempts != entry.attempt) return;
  const StepDefinition& step = instance.definition().steps[entry.step];
  key_buffer_.assign(instance.id());
  key_buffer_ += ':';
  key_buffer_ += step.name;
  key_buffer_ += ':';
  key_buffer_ += operation_name(entry.operation);
  SagaCommand command;
  command.saga_id = instance.id();
  command.definition = instance.definition().name;
  command.step = entry.step;
  command.step_name = step.name;
  command.operation = entry.operation;
  command.target = entry.operation == Operation::kAction ? step.action : step.compensation;
  command.attempt = entry.attempt;
  command.idempotency_key = key_buffer_;
  command.input = &instance.data();
  if (step.timeout > time::Duration::zero()) command.deadline = scheduler_.now() + step.timeout;
  handler_(command);
}

Result<std::size_t> SagaRunner::recover() {
  if (!sagas_.empty()) return Status(StatusCode::kFailedPrecondition, "recover() runs once, before any start()");
  std::vector<Saga*> order;  // log order, so that recovery is the same on every platform
  Status failure;
  Status loaded = log_.load([&](SagaRecord record) {
    if (!failure.ok()) return;
    auto found = sagas_.find(record.saga_id);
    if (found == sagas_.end()) {
      if (record.type != RecordType::kStarted) {
        failure = Status::invalid_argument("saga log: saga \"" + record.saga_id + "\" has records before its start");
        return;
      }
      const auto type = definitions_.find(record.definition);
      if (type == definitions_.end()) {
        failure = Status(StatusCode::kNotFound, "saga log: saga \"" + record.saga_id + "\" is of type \"" +
                                                    record.definition + "\", which is not registered");
        return;
      }
      auto saga = std::make_unique<Saga>(*this, *type->second);
      if (Status s = saga->instance.apply(record); !s.ok()) {
        failure = s;
        return;
      }
      order.push_back(saga.get());
      sagas_.emplace(saga->instance.id(), std::move(saga));
      return;
    }
    if (Status s = found->second->instance.apply(record); !s.ok()) failure = s;
  });
  if (!loaded.ok() || !failure.ok()) {
    sagas_.clear();
    return loaded.ok() ? failure : loaded;
  }
  std::size_t resumed = 0;
  for (Saga* saga : order) {
    const SagaInstance& instance = saga->instance;
    if (is_final(instance.state())) continue;
    ++unfinished_;
    ++resumed;
    report_simple("saga.recovered", instance.id(), saga_state_name(instance.state()));
    for (std::uint32_t step = 0; step < instance.definition().steps.size(); ++step) {
      for (Operation operation : {Operation::kAction, Operation::kCompensation}) {
        const OperationProgress& progress = instance.progress(step, operation);
        if (progress.phase == Phase::kRunning) {
          // Logged again: the re-issue marks the attempt's outcome unknown, durably.
          if (Status s = start_attempt(*saga, step, operation, progress.attempts); !s.ok()) return after_call(s);
        } else if (progress.phase == Phase::kWaitingToRetry) {
          arm_retry(*saga, step, operation, progress.attempts + 1, progress.retry_after);
        }
      }
    }
    if (Status s = advance(*saga); !s.ok()) return after_call(s);
  }
  SLUICE_RETURN_IF_ERROR(after_call(Status()));
  return resumed;
}

const SagaInstance* SagaRunner::find(std::string_view saga_id) const {
  const auto found = sagas_.find(saga_id);
  return found == sagas_.end() ? nullptr : &found->second->instance;
}

Result<std::size_t> SagaRunner::forget_finished() {
  SLUICE_RETURN_IF_ERROR(flush());
  std::vector<std::string> finished;
  for (const auto& [id, saga] : sagas_) {
    if (is_final(saga->instance.state())) finished.emplace_back(id);
  }
  SLUICE_RETURN_IF_ERROR(log_.erase(finished));
  for (const std::string& id : finished) sagas_.erase(id);
  return finished.size();
}

void SagaRunner::report(const Saga& saga, const SagaRecord& record) {
  if (events_ == nullptr) return;
  const SagaDefinition& definition = saga.instance.definition();
  std::array<observe::Attribute, 6> attributes;
  std::size_t count = 0;
  attributes[count++] = {"definition", std::string_view(definition.name)};
  if (record.type == RecordType::kStateChanged) {
    attributes[count++] = {"state", saga_state_name(record.state)};
    attributes[count++] = {"reason", std::string_view(record.reason)};
  } else if (record.type != RecordType::kStarted) {
    attributes[count++] = {"step", std::string_view(definition.steps[record.step].name)};
    attributes[count++] = {"operation", operation_name(record.operation)};
    attributes[count++] = {"attempt", static_cast<std::int64_t>(record.attempt)};
    if (record.type == RecordType::kAttemptFailed) attributes[count++] = {"error", std::string_view(record.error_kind)};
  }
  const std::string_view what = kRecordEvents[static_cast<std::size_t>(record.type)];
  events_->on_event({.what = what,
                     .where = record.saga_id,
                     .when = record.at,
                     .attributes = std::span<const observe::Attribute>(attributes.data(), count)});
  if (record.type == RecordType::kStateChanged && record.state == SagaState::kFailedNeedsAttention) {
    events_->on_event({.what = "saga.needs_attention",
                       .where = record.saga_id,
                       .when = record.at,
                       .attributes = std::span<const observe::Attribute>(attributes.data(), count)});
  }
}

void SagaRunner::report_simple(std::string_view what, std::string_view saga_id, std::string_view detail) {
  if (events_ == nullptr) return;
  const std::array<observe::Attribute, 1> attributes = {{{"detail", detail}}};
  events_->on_event({.what = what, .where = saga_id, .when = scheduler_.now(), .attributes = attributes});
}

}  // namespace sluice::saga
