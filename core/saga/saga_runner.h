// saga_runner.h: SagaRunner, the orchestrator: it runs sagas as state machines, writes
// every transition to a SagaLog before acting on it, and tells its driver which step to
// invoke. It never calls a service itself.
//
//   SagaRunner runner(scheduler, log, prng.fork(), [&](const SagaCommand& c) {
//     // invoke c.target (e.g. "reserveStock") of a participant with c.input and
//     // c.idempotency_key; later, from any callback on the scheduler's thread:
//     //   runner.on_result(StepResult::success(c, {{"reservationId", "r-1"}}));
//   });
//   runner.register_definition(create_order_saga);
//   runner.recover();                          // resumes what a previous run left
//   runner.start("CreateOrderSaga", "order-42", {{"userId", "u1"}, {"total", 99.5}});
//
// Semantics (beyond the article's orchestrator):
//  - A stage's actions run together; when all succeed their outputs are merged into the
//    saga's data and the next stage starts.
//  - A failed attempt is retried with backoff per the step's policy, unless its error
//    kind is non-retryable or attempts are used up. Retriable steps (after the pivot)
//    ignore max_attempts: they are retried until they succeed.
//  - An attempt that does not answer within the step's timeout fails as "timeout" with
//    an unknown outcome; its late answer is ignored.
//  - When a compensatable step or the pivot gives up, the saga compensates: each
//    completed step (and each whose outcome is unknown: a compensatable step with an
//    attempt that timed out, failed retryably, or was re-issued after a restart; only
//    a non-retryable answer proves an action was not applied) is undone, one at a time, in
//    reverse order of completion, each compensation retried until it succeeds or its
//    limit is reached. A retriable step or a compensation that gives up, or a pivot whose
//    outcome is unknown, leaves the saga FAILED_NEEDS_ATTENTION with the reason, as an
//    event "saga.needs_attention".
//  - Every command carries an idempotency key "<saga id>:<step name>:<action|compensation>",
//    the same on every attempt and after a restart.
//
// Durability: records are appended as transitions happen; commands wait in an outbox
// until flush() has synced the log, so a command is never out before its record is
// durable. With auto_flush (the default) every call flushes before it returns; without
// it the driver calls flush() itself, e.g. once per batch of sagas, so one fsync covers
// them all.
//
// If the log fails (an append or a sync returns an error), the runner stops: every call
// returns that error and nothing more is sent. Restart it on the log to go on.
//
// Externally synchronised: call it from the scheduler's thread only.
#ifndef SLUICE_CORE_SAGA_SAGA_RUNNER_H_
#define SLUICE_CORE_SAGA_SAGA_RUNNER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/observe/event.h"
#include "core/resilience/retry.h"
#include "core/saga/saga_definition.h"
#include "core/saga/saga_instance.h"
#include "core/saga/saga_log.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"

namespace sluice::saga {

// SagaCommand: invoke `target` of step `step` for saga `saga_id`. Views are valid only
// during the handler call; a driver that answers later copies what it needs.
struct SagaCommand {
  std::string_view saga_id;
  std::string_view definition;
  std::uint32_t step = 0;
  std::string_view step_name;
  Operation operation = Operation::kAction;
  std::string_view target;  // the step's action or compensation name
  std::uint32_t attempt = 1;
  std::string_view idempotency_key;
  const nlohmann::json* input = nullptr;  // the saga's data
  std::optional<time::Instant> deadline;  // when the attempt times out
};

// StepResult: the answer to one command.
struct StepResult {
  std::string saga_id;
  std::uint32_t step = 0;
  Operation operation = Operation::kAction;
  std::uint32_t attempt = 1;
  bool ok = true;
  nlohmann::json output;   // ok: an object merged into the saga's data, or null
  std::string error_kind;  // !ok: matched against non_retryable_errors
  std::string error_message;
  bool retryable = true;  // !ok: false ends the operation whatever the policy says
  // not_applied: !ok and the participant certainly did not act on it (the request never
  // left: an open breaker, a full bulkhead). Otherwise a retryable failure leaves a
  // compensatable step maybe applied, and it is compensated if the saga is.
  bool not_applied = false;

  static StepResult success(const SagaCommand& command, nlohmann::json output = nullptr);
  static StepResult failure(const SagaCommand& command, std::string error_kind, std::string error_message,
                            bool retryable = true);
};

struct SagaRunnerOptions {
  bool auto_flush = true;
  // flush_needed: with auto_flush off, called whenever records or commands start
  // waiting for flush() (from start, on_result or the runner's own timers), so a driver
  // can make one flush per turn of its event loop cover every saga that moved in it.
  // It must not call back into the runner; it schedules the flush.
  std::function<void()> flush_needed;
};

class SagaRunner {
 public:
  using CommandHandler = std::function<void(const SagaCommand&)>;

  // SagaRunner: `scheduler`, `log` and `events` (optional) outlive the runner. The
  // handler may call on_result() from inside itself.
  SagaRunner(time::Scheduler& scheduler, SagaLog& log, time::Prng prng, CommandHandler handler,
             observe::EventSink* events = nullptr, SagaRunnerOptions options = {});
  ~SagaRunner();

  SagaRunner(const SagaRunner&) = delete;
  SagaRunner& operator=(const SagaRunner&) = delete;

  // register_definition: makes a saga type startable (and recoverable). Registering a
  // name again is an error.
  Status register_definition(SagaDefinition definition);

  // recover: rebuilds every saga in the log and resumes the unfinished ones at the step
  // they were on, re-issuing in-flight commands with their idempotency keys. A re-issued
  // attempt of a compensatable step counts as maybe applied (its first issue may have
  // been, whatever the re-issue is answered), so if the step gives up it is compensated. Call once, before start(). Returns how many sagas were resumed.
  Result<std::size_t> recover();

  // start: begins saga `saga_id` of type `definition` with `data` (an object or null).
  // An unknown type, an empty or used id, or data that is not an object is an error and
  // starts nothing.
  Status start(std::string_view definition, std::string saga_id, nlohmann::json data = nullptr);

  // on_result: the answer to a command. A result for an attempt that is no longer
  // running (timed out, or answered already) is ignored with FailedPrecondition.
  Status on_result(StepResult result);

  // flush: syncs the log, then hands every waiting command to the handler.
  Status flush();

  // find: the saga, or nullptr.
  const SagaInstance* find(std::string_view saga_id) const;

  // forget_finished: drops finished sagas from memory and from the log; returns how many.
  Result<std::size_t> forget_finished();

  std::size_t size() const { return sagas_.size(); }
  // unfinished: sagas running or compensating.
  std::size_t unfinished() const { return unfinished_; }

 private:
  struct Registered;
  struct Saga;
  struct TimerTarget;
  struct OutboxEntry {
    Saga* saga;
    std::uint32_t step;
    Operation operation;
    std::uint32_t attempt;
  };

  Status commit(Saga& saga, SagaRecord&& record);
  // fail: the log failed; every later call returns the same error and no command
  // leaves, because what is in memory may be ahead of what is durable.
  Status fail(const Status& log_error);
  Status start_attempt(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt);
  Status attempt_failed(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt,
                        std::string error_kind, std::string error_message, bool retryable, bool timed_out,
                        bool not_applied);
  // advance: starts whatever the saga's state calls for next.
  Status advance(Saga& saga);
  Status change_state(Saga& saga, SagaState state, std::string reason);
  void arm_timeout(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt);
  void arm_retry(Saga& saga, std::uint32_t step, Operation operation, std::uint32_t attempt, time::Duration delay);
  void cancel_timer(Saga& saga, std::uint32_t step);
  void deliver(const OutboxEntry& entry);
  Status after_call(Status status);
  void report(const Saga& saga, const SagaRecord& record);
  void report_simple(std::string_view what, std::string_view saga_id, std::string_view detail);

  time::Scheduler& scheduler_;
  SagaLog& log_;
  time::Prng prng_;
  CommandHandler handler_;
  observe::EventSink* events_;
  SagaRunnerOptions options_;

  std::map<std::string, std::unique_ptr<Registered>, std::less<>> definitions_;
  std::unordered_map<std::string_view, std::unique_ptr<Saga>> sagas_;  // keys view Saga::instance.id()
  std::size_t unfinished_ = 0;
  std::vector<OutboxEntry> outbox_;
  std::vector<OutboxEntry> delivering_;
  bool flushing_ = false;
  bool unsynced_ = false;  // records appended since the last sync
  Status log_failure_;
  std::string key_buffer_;
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_RUNNER_H_
