#include "core/broker/consumer_group.h"

#include <algorithm>
#include <array>

#include "core/base/check.h"

namespace sluice::broker {
namespace {

Status unknown_member(std::string_view member, std::string_view group) {
  return Status(StatusCode::kNotFound,
                "member " + std::string(member) + " is not in consumer group " + std::string(group),
                kafka_error::kUnknownMemberId);
}

}  // namespace

ConsumerGroup::ConsumerGroup(std::string name, const Topic& topic, time::Scheduler& scheduler,
                             ConsumerGroupConfig config, observe::EventSink* events)
    : name_(std::move(name)), topic_(topic), scheduler_(scheduler), config_(config), events_(events) {
  SLUICE_CHECK(config_.session_timeout > time::Duration::zero());
}

ConsumerGroup::~ConsumerGroup() {
  for (auto& [id, member] : members_) scheduler_.cancel(member.session);
}

void ConsumerGroup::arm_session(const std::string& member_id, Member& member) {
  scheduler_.cancel(member.session);
  member.session = scheduler_.schedule_after(config_.session_timeout, [this, member_id] {
    // No heartbeat within the session timeout: the member is gone.
    const auto it = members_.find(member_id);
    if (it == members_.end()) return;
    members_.erase(it);
    rebalance();
  });
}

Result<std::uint64_t> ConsumerGroup::join(std::string_view member_id) {
  if (member_id.empty()) return Status::invalid_argument("a member needs an id", kafka_error::kUnknownMemberId);
  auto it = members_.find(member_id);
  if (it == members_.end()) {
    if (members_.size() >= config_.max_members) {
      return Status(
          StatusCode::kResourceExhausted,
          "consumer group " + name_ + " has its maximum of " + std::to_string(config_.max_members) + " members",
          kafka_error::kGroupMaxSizeReached);
    }
    it = members_.emplace(std::string(member_id), Member{}).first;
  }
  arm_session(it->first, it->second);
  rebalance();
  return generation_;
}

Status ConsumerGroup::leave(std::string_view member_id) {
  const auto it = members_.find(member_id);
  if (it == members_.end()) return unknown_member(member_id, name_);
  scheduler_.cancel(it->second.session);
  members_.erase(it);
  rebalance();
  return Status();
}

Status ConsumerGroup::heartbeat(std::string_view member_id) {
  const auto it = members_.find(member_id);
  if (it == members_.end()) return unknown_member(member_id, name_);
  arm_session(it->first, it->second);
  return Status();
}

void ConsumerGroup::rebalance() {
  ++generation_;
  const std::uint32_t partitions = topic_.config().partitions;
  const auto count = static_cast<std::uint32_t>(members_.size());
  std::uint32_t index = 0;
  for (auto& [id, member] : members_) {
    member.partitions.clear();
    if (config_.assignment == Assignment::kRange) {
      // Kafka's RangeAssignor: partitions / members each, the first (partitions %
      // members) members one more.
      const std::uint32_t base = partitions / count, extra = partitions % count;
      const std::uint32_t start = index * base + std::min(index, extra);
      const std::uint32_t length = base + (index < extra ? 1 : 0);
      for (std::uint32_t p = start; p < start + length; ++p) member.partitions.push_back(p);
    } else {
      for (std::uint32_t p = index; p < partitions; p += count) member.partitions.push_back(p);
    }
    ++index;
  }
  if (events_ != nullptr) {
    const std::array<observe::Attribute, 2> attributes = {{
        {"generation", static_cast<std::int64_t>(generation_)},
        {"members", static_cast<std::int64_t>(count)},
    }};
    events_->on_event(observe::Event{"log.rebalanced", name_, scheduler_.now(), {}, attributes});
  }
}

std::vector<std::uint32_t> ConsumerGroup::assignment(std::string_view member_id) const {
  const auto it = members_.find(member_id);
  return it == members_.end() ? std::vector<std::uint32_t>{} : it->second.partitions;
}

std::vector<std::string> ConsumerGroup::members() const {
  std::vector<std::string> ids;
  for (const auto& [id, member] : members_) ids.push_back(id);
  return ids;
}

Status ConsumerGroup::commit(std::string_view member_id, std::uint64_t generation, std::uint32_t partition,
                             std::int64_t offset) {
  const auto it = members_.find(member_id);
  if (it == members_.end()) return unknown_member(member_id, name_);
  if (generation != generation_) {
    return Status(StatusCode::kFailedPrecondition,
                  "generation " + std::to_string(generation) + " is over; the group is at " +
                      std::to_string(generation_) + ": rejoin to get the current assignment",
                  kafka_error::kIllegalGeneration);
  }
  const std::vector<std::uint32_t>& owned = it->second.partitions;
  if (std::find(owned.begin(), owned.end(), partition) == owned.end()) {
    return Status(StatusCode::kFailedPrecondition,
                  "member " + std::string(member_id) + " does not own partition " + std::to_string(partition),
                  kafka_error::kIllegalGeneration);
  }
  if (offset < 0)
    return Status::invalid_argument("a committed offset must not be negative", kafka_error::kOffsetOutOfRange);
  committed_[partition] = offset;
  return Status();
}

std::optional<std::int64_t> ConsumerGroup::committed(std::uint32_t partition) const {
  const auto it = committed_.find(partition);
  if (it == committed_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sluice::broker
