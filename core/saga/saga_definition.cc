#include "core/saga/saga_definition.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/base/check.h"
#include "core/config/json_fields.h"

namespace sluice::saga {
namespace {

using config::JsonFields;
using nlohmann::json;

Status step_error(const StepDefinition& step, std::size_t index, const std::string& message) {
  const std::string name = step.name.empty() ? "#" + std::to_string(index) : "\"" + step.name + "\"";
  return Status::invalid_argument("saga step " + name + ": " + message);
}

Status read_retry_policy(const json& object, std::string where, StepRetryPolicy& out) {
  JsonFields f(object, std::move(where));
  f.count("max_attempts", out.max_attempts);
  f.duration("initial_backoff", out.initial_backoff);
  f.number("multiplier", out.multiplier);
  f.duration("max_backoff", out.max_backoff);
  f.choice("jitter", out.jitter, resilience::kJitterNames);
  if (const json* kinds = f.object("non_retryable_errors"); kinds != nullptr) {
    // object() hands back any value; this one must be a list of strings.
    if (!kinds->is_array()) {
      f.fail("non_retryable_errors", "must be a list of error kinds", *kinds);
    } else {
      out.non_retryable_errors.clear();
      for (const json& kind : *kinds) {
        if (!kind.is_string()) {
          f.fail("non_retryable_errors", "must be a list of error kinds", *kinds);
          break;
        }
        out.non_retryable_errors.push_back(kind.get<std::string>());
      }
    }
  }
  return f.finish();
}

}  // namespace

std::string_view step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kCompensatable:
      return "compensatable";
    case StepKind::kPivot:
      return "pivot";
    case StepKind::kRetriable:
      return "retriable";
  }
  return "compensatable";
}

bool StepRetryPolicy::is_non_retryable(std::string_view error_kind) const {
  return std::find(non_retryable_errors.begin(), non_retryable_errors.end(), error_kind) != non_retryable_errors.end();
}

resilience::RetryConfig StepRetryPolicy::backoff_config() const {
  return {.max_attempts = 100,
          .initial_backoff = initial_backoff,
          .multiplier = multiplier,
          .max_backoff = max_backoff,
          .jitter = jitter};
}

Status StepRetryPolicy::validate(std::string_view where) const {
  Status status = backoff_config().validate();
  if (!status.ok()) return Status::invalid_argument(std::string(where) + ": " + status.message());
  return Status();
}

Status SagaDefinition::validate() const {
  if (name.empty()) return Status::invalid_argument("saga definition: name must not be empty");
  if (steps.empty()) return Status::invalid_argument("saga \"" + name + "\": needs at least one step");
  std::set<std::string_view> names;
  int pivots = 0;
  StepKind previous_kind = StepKind::kCompensatable;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const StepDefinition& step = steps[i];
    if (step.name.empty()) return step_error(step, i, "name must not be empty");
    if (step.name.find(':') != std::string::npos) {
      return step_error(step, i, "name must not contain ':' (it separates the parts of idempotency keys)");
    }
    if (!names.insert(step.name).second) return step_error(step, i, "name is used by an earlier step");
    if (step.action.empty()) return step_error(step, i, "action must not be empty");
    if (step.kind != StepKind::kCompensatable && !step.compensation.empty()) {
      return step_error(
          step, i, std::string(step_kind_name(step.kind)) + " steps are never undone, so they take no compensation");
    }
    if (step.kind < previous_kind) {
      return step_error(step, i,
                        std::string(step_kind_name(step.kind)) + " step cannot follow a " +
                            std::string(step_kind_name(previous_kind)) +
                            " step (order: compensatable, pivot, retriable)");
    }
    if (step.kind == StepKind::kPivot && ++pivots > 1) return step_error(step, i, "a saga has at most one pivot");
    previous_kind = step.kind;
    if (step.timeout < time::Duration::zero()) return step_error(step, i, "timeout must not be negative");
    if (Status s = step.retry.validate("retry"); !s.ok()) return step_error(step, i, s.message());
    if (Status s = step.compensation_retry.validate("compensation_retry"); !s.ok()) {
      return step_error(step, i, s.message());
    }
    if (!step.parallel_group.empty() && i > 0 && steps[i - 1].parallel_group == step.parallel_group) {
      if (step.kind == StepKind::kPivot || steps[i - 1].kind != step.kind) {
        return step_error(
            step, i, "parallel group \"" + step.parallel_group + "\" must hold steps of one kind, and never the pivot");
      }
    }
  }
  // A group name used again further on would read as one group but run as two.
  std::set<std::string_view> closed_groups;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string& group = steps[i].parallel_group;
    if (group.empty()) continue;
    if (closed_groups.count(group) != 0) {
      return step_error(steps[i], i, "parallel group \"" + group + "\" must be made of adjacent steps");
    }
    if (i + 1 == steps.size() || steps[i + 1].parallel_group != group) closed_groups.insert(group);
  }
  return Status();
}

std::vector<Stage> SagaDefinition::stages() const {
  std::vector<Stage> result;
  for (std::uint32_t i = 0; i < steps.size(); ++i) {
    const bool joins_previous =
        i > 0 && !steps[i].parallel_group.empty() && steps[i].parallel_group == steps[i - 1].parallel_group;
    if (joins_previous) {
      ++result.back().count;
    } else {
      result.push_back({.first = i, .count = 1});
    }
  }
  return result;
}

int SagaDefinition::find_step(std::string_view step_name) const {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].name == step_name) return static_cast<int>(i);
  }
  return -1;
}

Result<SagaDefinition> saga_definition_from_json(const json& object) {
  SagaDefinition definition;
  JsonFields f(object, "saga");
  f.text("name", definition.name);
  const json* steps = f.object("steps");
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (steps == nullptr || !steps->is_array()) {
    return Status::invalid_argument("saga: \"steps\" must be a list of steps");
  }
  for (std::size_t i = 0; i < steps->size(); ++i) {
    StepDefinition step;
    JsonFields s((*steps)[i], "saga.steps[" + std::to_string(i) + "]");
    s.text("name", step.name);
    s.text("action", step.action);
    s.text("compensation", step.compensation);
    s.choice("kind", step.kind,
             {{"compensatable", StepKind::kCompensatable},
              {"pivot", StepKind::kPivot},
              {"retriable", StepKind::kRetriable}});
    s.text("parallel_group", step.parallel_group);
    s.duration("timeout", step.timeout);
    const json* retry = s.object("retry");
    const json* compensation_retry = s.object("compensation_retry");
    SLUICE_RETURN_IF_ERROR(s.finish());
    if (retry != nullptr) {
      Status status = read_retry_policy(*retry, s.where() + ".retry", step.retry);
      if (!status.ok()) return status;
    }
    if (compensation_retry != nullptr) {
      Status status =
          read_retry_policy(*compensation_retry, s.where() + ".compensation_retry", step.compensation_retry);
      if (!status.ok()) return status;
    }
    definition.steps.push_back(std::move(step));
  }
  SLUICE_RETURN_IF_ERROR(definition.validate());
  return definition;
}

}  // namespace sluice::saga
