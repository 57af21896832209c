#include "core/saga/saga_log.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace sluice::saga {

Status InMemorySagaLog::append(SagaRecord&& record) {
  records_.push_back(std::move(record));
  return Status();
}

Status InMemorySagaLog::sync() {
  ++syncs_;
  synced_records_ = records_.size();
  return Status();
}

Status InMemorySagaLog::load(const Visitor& visit) const {
  for (const SagaRecord& record : records_) visit(record);
  return Status();
}

Status InMemorySagaLog::erase(std::span<const std::string> saga_ids) {
  if (saga_ids.empty()) return Status();
  const std::unordered_set<std::string_view> erased(saga_ids.begin(), saga_ids.end());
  std::erase_if(records_, [&](const SagaRecord& record) { return erased.contains(record.saga_id); });
  return Status();
}

}  // namespace sluice::saga
