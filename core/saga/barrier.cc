#include "core/saga/barrier.h"

#include <utility>

namespace sluice::saga {
namespace {

// Runs the barrier's checks and the business call; the caller owns the transaction.
Result<BarrierResult> decide_and_run(BarrierStore& store, const BarrierKey& key, Operation operation,
                                     const BusinessCall& business) {
  if (operation == Operation::kCompensation) {
    // Claim the action's slot first: if it was free, the action never ran, and taking
    // it now also stops a late action from running (it would be hanging).
    Result<bool> claimed_action = store.insert(key, Operation::kAction, Operation::kCompensation);
    if (!claimed_action.ok()) return claimed_action.status();
    Result<bool> inserted = store.insert(key, Operation::kCompensation, Operation::kCompensation);
    if (!inserted.ok()) return inserted.status();
    if (*claimed_action) return BarrierResult{.outcome = BarrierOutcome::kNullCompensation};
    if (!*inserted) {
      Result<std::optional<BarrierRow>> row = store.read(key, Operation::kCompensation);
      if (!row.ok()) return row.status();
      return BarrierResult{.outcome = BarrierOutcome::kDuplicate, .output = (*row) ? (*row)->output : ""};
    }
  } else {
    Result<bool> inserted = store.insert(key, Operation::kAction, Operation::kAction);
    if (!inserted.ok()) return inserted.status();
    if (!*inserted) {
      Result<std::optional<BarrierRow>> row = store.read(key, Operation::kAction);
      if (!row.ok()) return row.status();
      if (*row && (*row)->reason == Operation::kCompensation) return BarrierResult{.outcome = BarrierOutcome::kHanging};
      return BarrierResult{.outcome = BarrierOutcome::kDuplicate, .output = (*row) ? (*row)->output : ""};
    }
  }
  Result<std::string> output = business();
  if (!output.ok()) return output.status();
  SLUICE_RETURN_IF_ERROR(store.set_output(key, operation, *output));
  return BarrierResult{.outcome = BarrierOutcome::kExecuted, .output = *std::move(output)};
}

}  // namespace

std::string_view barrier_outcome_name(BarrierOutcome outcome) {
  switch (outcome) {
    case BarrierOutcome::kExecuted:
      return "executed";
    case BarrierOutcome::kDuplicate:
      return "duplicate";
    case BarrierOutcome::kNullCompensation:
      return "null_compensation";
    case BarrierOutcome::kHanging:
      return "hanging";
  }
  return "executed";
}

Result<BarrierResult> run_barrier(BarrierStore& store, const BarrierKey& key, Operation operation,
                                  const BusinessCall& business) {
  if (key.saga_id.empty() || key.step.empty()) {
    return Status::invalid_argument("barrier: saga id and step must not be empty");
  }
  SLUICE_RETURN_IF_ERROR(store.begin());
  Result<BarrierResult> result = decide_and_run(store, key, operation, business);
  if (!result.ok()) {
    store.rollback();
    return result;
  }
  if (Status s = store.commit(); !s.ok()) {
    store.rollback();
    return s;
  }
  return result;
}

Result<ParsedIdempotencyKey> parse_idempotency_key(std::string_view key) {
  const auto bad = [&] {
    return Status::invalid_argument("idempotency key \"" + std::string(key) +
                                    "\" is not <saga id>:<step>:<action|compensation>");
  };
  const std::size_t last = key.rfind(':');
  if (last == std::string_view::npos || last == 0) return bad();
  const std::size_t middle = key.rfind(':', last - 1);
  if (middle == std::string_view::npos || middle == 0 || middle + 1 == last) return bad();
  ParsedIdempotencyKey parsed;
  const std::string_view operation = key.substr(last + 1);
  if (operation == "action") {
    parsed.operation = Operation::kAction;
  } else if (operation == "compensation") {
    parsed.operation = Operation::kCompensation;
  } else {
    return bad();
  }
  parsed.saga_id = std::string(key.substr(0, middle));
  parsed.step = std::string(key.substr(middle + 1, last - middle - 1));
  return parsed;
}

InMemoryBarrier::RowKey InMemoryBarrier::row_key(const BarrierKey& key, Operation slot) {
  return {std::string(key.saga_id), std::string(key.step), slot};
}

Status InMemoryBarrier::begin() {
  mutex_.lock();
  inserted_in_transaction_.clear();
  return Status();
}

Status InMemoryBarrier::commit() {
  inserted_in_transaction_.clear();
  mutex_.unlock();
  return Status();
}

void InMemoryBarrier::rollback() {
  for (const RowKey& key : inserted_in_transaction_) rows_.erase(key);
  inserted_in_transaction_.clear();
  mutex_.unlock();
}

Result<bool> InMemoryBarrier::insert(const BarrierKey& key, Operation slot, Operation reason) {
  RowKey row = row_key(key, slot);
  const auto [it, added] = rows_.try_emplace(row, BarrierRow{.reason = reason});
  if (added) inserted_in_transaction_.push_back(std::move(row));
  return added;
}

Result<std::optional<BarrierRow>> InMemoryBarrier::read(const BarrierKey& key, Operation slot) {
  const auto it = rows_.find(row_key(key, slot));
  if (it == rows_.end()) return std::optional<BarrierRow>();
  return std::optional<BarrierRow>(it->second);
}

Status InMemoryBarrier::set_output(const BarrierKey& key, Operation slot, std::string_view output) {
  rows_[row_key(key, slot)].output = std::string(output);
  return Status();
}

std::size_t InMemoryBarrier::rows() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rows_.size();
}

}  // namespace sluice::saga
