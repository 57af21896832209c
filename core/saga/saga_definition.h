// saga_definition.h: SagaDefinition, the steps of a saga and how each is retried,
// timed out and undone. The runner (saga_runner.h) executes it; nothing here runs.
//
//   SagaDefinition order{.name = "CreateOrderSaga"};
//   order.steps.push_back({.name = "reserve_stock", .action = "reserveStock", .compensation = "releaseStock"});
//   order.steps.push_back({.name = "charge_payment", .action = "charge", .compensation = "refund"});
//   order.steps.push_back({.name = "confirm_order", .action = "confirmOrder", .kind = StepKind::kPivot});
//   if (Status s = order.validate(); !s.ok()) ...
//
// Step kinds follow the saga literature (Garcia-Molina and Salem; Richardson's
// "compensatable, pivot, retriable"): compensatable steps come first and are undone
// if the saga fails; the pivot is the point of no return; retriable steps come after
// it, are retried until they succeed and are never undone. Consecutive steps with the
// same non-empty `parallel_group` form one stage whose actions run at the same time.
#ifndef SLUICE_CORE_SAGA_SAGA_DEFINITION_H_
#define SLUICE_CORE_SAGA_SAGA_DEFINITION_H_

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/resilience/retry.h"
#include "core/time/instant.h"

namespace sluice::saga {

enum class StepKind : std::uint8_t { kCompensatable, kPivot, kRetriable };

std::string_view step_kind_name(StepKind kind);

// StepRetryPolicy: how one operation (an action or a compensation) is retried, like
// Temporal's RetryPolicy. max_attempts counts the first attempt; 0 means no limit.
struct StepRetryPolicy {
  std::uint32_t max_attempts = 3;
  time::Duration initial_backoff = std::chrono::milliseconds(100);
  double multiplier = 2.0;
  time::Duration max_backoff = std::chrono::seconds(10);
  resilience::Jitter jitter = resilience::Jitter::kFull;
  // non_retryable_errors: error kinds that end the operation at once, e.g. "card_declined".
  std::vector<std::string> non_retryable_errors;

  bool is_non_retryable(std::string_view error_kind) const;
  // backoff_config: the same schedule as a resilience::RetryConfig, whose max_attempts
  // is left at its own maximum because the saga counts attempts itself.
  resilience::RetryConfig backoff_config() const;
  Status validate(std::string_view where) const;
};

struct StepDefinition {
  std::string name;          // unique in the saga; part of every idempotency key
  std::string action;        // what the driver invokes, e.g. "reserveStock"
  std::string compensation;  // empty: nothing to undo (compensatable steps only)
  StepKind kind = StepKind::kCompensatable;
  std::string parallel_group;  // non-empty: runs alongside adjacent steps of the same group
  StepRetryPolicy retry;
  // compensation_retry: compensations are retried until they succeed, up to this limit;
  // after it the saga needs attention. 0 (no limit) is allowed.
  StepRetryPolicy compensation_retry{.max_attempts = 10};
  // timeout: how long one attempt may take before it counts as failed with an unknown
  // outcome ("timeout"); zero means no timeout.
  time::Duration timeout = std::chrono::seconds(30);
};

// Stage: the steps that run together, as indices into SagaDefinition::steps.
struct Stage {
  std::uint32_t first = 0;
  std::uint32_t count = 1;
};

struct SagaDefinition {
  std::string name;
  std::vector<StepDefinition> steps;

  // validate: names unique and non-empty, kinds in order (compensatable, at most one
  // pivot, retriable), only compensatable steps with a compensation, a parallel group
  // neither holding the pivot nor mixing kinds, and valid retry policies.
  Status validate() const;

  // stages: the steps grouped into stages, in order. REQUIRES: validate().ok().
  std::vector<Stage> stages() const;

  // find_step: the index of the step named `name`, or -1.
  int find_step(std::string_view name) const;
};

// saga_definition_from_json: a definition from JSON, with an error naming the field:
//   {"name": "CreateOrderSaga", "steps": [{"name": "reserve_stock", "action": "reserveStock",
//     "compensation": "releaseStock", "kind": "compensatable", "timeout": "2s",
//     "retry": {"max_attempts": 5, "initial_backoff": "100ms", "non_retryable_errors": ["out_of_stock"]}}]}
Result<SagaDefinition> saga_definition_from_json(const nlohmann::json& json);

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_DEFINITION_H_
