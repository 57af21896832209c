// saga_test_support.h: what saga tests share: a runner on virtual time whose commands
// are copied into `sent`, events collected, and definitions with exact backoff.
#ifndef SLUICE_TESTS_CORE_SAGA_SAGA_TEST_SUPPORT_H_
#define SLUICE_TESTS_CORE_SAGA_SAGA_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/event.h"
#include "core/saga/barrier.h"
#include "core/saga/saga_runner.h"
#include "core/time/virtual_time.h"

namespace sluice::saga::testing {

using namespace std::chrono_literals;

// SentCommand: a SagaCommand copied out of the handler.
struct SentCommand {
  std::string saga_id;
  std::uint32_t step = 0;
  std::string step_name;
  Operation operation = Operation::kAction;
  std::string target;
  std::uint32_t attempt = 0;
  std::string idempotency_key;
  nlohmann::json input;
  std::optional<time::Instant> deadline;
  std::size_t records_when_sent = 0;
  std::size_t syncs_when_sent = 0;

  StepResult succeed(nlohmann::json output = nullptr) const {
    StepResult r;
    r.saga_id = saga_id;
    r.step = step;
    r.operation = operation;
    r.attempt = attempt;
    r.output = std::move(output);
    return r;
  }
  StepResult fail(std::string kind, bool retryable = true) const {
    StepResult r = succeed();
    r.ok = false;
    r.error_kind = std::move(kind);
    r.error_message = "test says no";
    r.retryable = retryable;
    return r;
  }
};

struct SeenEvent {
  std::string what;
  std::string where;
  std::string state;  // state_changed only
};

class EventLog : public observe::EventSink {
 public:
  void on_event(const observe::Event& event) override {
    SeenEvent seen{std::string(event.what), std::string(event.where), ""};
    if (const auto* state = event.attribute("state")) seen.state = std::string(std::get<std::string_view>(*state));
    events.push_back(seen);
  }
  int count(std::string_view what) const {
    int n = 0;
    for (const SeenEvent& e : events) n += e.what == what;
    return n;
  }
  std::vector<SeenEvent> events;
};

// exact_policy: no jitter, so delays are exact: 100ms, 200ms, 400ms...
inline StepRetryPolicy exact_policy(std::uint32_t max_attempts) {
  return {.max_attempts = max_attempts,
          .initial_backoff = 100ms,
          .multiplier = 2.0,
          .max_backoff = 10s,
          .jitter = resilience::Jitter::kNone};
}

inline StepDefinition step(std::string name, std::string action, std::string compensation,
                           StepKind kind = StepKind::kCompensatable) {
  StepDefinition s;
  s.name = std::move(name);
  s.action = std::move(action);
  s.compensation = std::move(compensation);
  s.kind = kind;
  s.retry = exact_policy(3);
  s.compensation_retry = exact_policy(4);
  s.timeout = 1s;
  return s;
}

// create_order_saga: the article's three steps; confirm_order is the pivot.
inline SagaDefinition create_order_saga() {
  SagaDefinition d;
  d.name = "CreateOrderSaga";
  d.steps.push_back(step("reserve_stock", "reserveStock", "releaseStock"));
  d.steps.push_back(step("charge_payment", "charge", "refund"));
  d.steps.push_back(step("confirm_order", "confirmOrder", "", StepKind::kPivot));
  return d;
}

// RunnerHarness: a runner whose handler copies each command into `sent`.
class RunnerHarness {
 public:
  explicit RunnerHarness(SagaLog& log, SagaRunnerOptions options = {})
      : log_(log),
        runner(
            time, log, time::Prng(42), [this](const SagaCommand& c) { sent.push_back(copy(c)); }, &events, options) {}

  SentCommand copy(const SagaCommand& c) const {
    return {.saga_id = std::string(c.saga_id),
            .step = c.step,
            .step_name = std::string(c.step_name),
            .operation = c.operation,
            .target = std::string(c.target),
            .attempt = c.attempt,
            .idempotency_key = std::string(c.idempotency_key),
            .input = *c.input,
            .deadline = c.deadline,
            .records_when_sent = records_now(),
            .syncs_when_sent = syncs_now()};
  }

  // take: the commands sent since the last take.
  std::vector<SentCommand> take() {
    std::vector<SentCommand> out;
    out.swap(sent);
    return out;
  }

  std::size_t records_now() const {
    std::size_t n = 0;
    static_cast<void>(log_.load([&](SagaRecord) { ++n; }));
    return n;
  }
  std::size_t syncs_now() const {
    const auto* memory = dynamic_cast<const InMemorySagaLog*>(&log_);
    return memory == nullptr ? 0 : memory->syncs();
  }

  time::VirtualTime time;
  EventLog events;
  std::vector<SentCommand> sent;

 private:
  SagaLog& log_;

 public:
  SagaRunner runner;
};

// OrderParticipants: the article's inventory, payment and order services as one
// participant that applies each effect behind a barrier when the request arrives and
// answers 10 ms later on the orchestrator's time. `record_effect` is the business
// write (it runs inside the barrier's transaction).
class OrderParticipants {
 public:
  using EffectWriter = std::function<Status(const std::string& target)>;

  OrderParticipants(BarrierStore& barrier, EffectWriter record_effect)
      : barrier_(barrier), record_effect_(std::move(record_effect)) {}

  void serve(time::VirtualTime& time, SagaRunner* const& runner, const SagaCommand& command) {
    const std::string target(command.target);
    Result<BarrierResult> outcome =
        run_barrier(barrier_, {command.saga_id, command.step_name}, command.operation, [&]() -> Result<std::string> {
          if (target == "charge" && decline_card) return Status::invalid_argument("card_declined");
          if (target == "confirmOrder" && order_closed) return Status::invalid_argument("order_closed");
          SLUICE_RETURN_IF_ERROR(record_effect_(target));
          return std::string(R"({")" + target + R"(Id": "1"})");
        });
    StepResult result =
        outcome.ok()
            ? StepResult::success(command, nlohmann::json::parse(outcome->output.empty() ? "{}" : outcome->output))
            : StepResult::failure(command, outcome.status().message(), "declined", false);
    // An answer to an orchestrator that died on the way is lost.
    time.schedule_after(10ms, [&runner, result] {
      if (runner != nullptr) static_cast<void>(runner->on_result(result));
    });
  }

  bool decline_card = false;
  bool order_closed = false;

 private:
  BarrierStore& barrier_;
  EffectWriter record_effect_;
};

// OrchestratorProcess: one run of the orchestrator over `log`, with its own time,
// running CreateOrderSaga against `participants`.
struct OrchestratorProcess {
  OrchestratorProcess(OrderParticipants& participants, SagaLog& log)
      : runner(time, log, time::Prng(1),
               [this, &participants](const SagaCommand& c) { participants.serve(time, self, c); }) {
    self = &runner;
    EXPECT_TRUE(runner.register_definition(create_order_saga()).ok());
  }
  // run_to_quiet: runs timers until none is left (bounded).
  void run_to_quiet() {
    for (int i = 0; i < 10'000 && time.run_next();) ++i;
  }

  time::VirtualTime time;
  SagaRunner* self = nullptr;
  SagaRunner runner;
};

}  // namespace sluice::saga::testing

#endif  // SLUICE_TESTS_CORE_SAGA_SAGA_TEST_SUPPORT_H_
