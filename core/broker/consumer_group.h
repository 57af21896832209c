// consumer_group.h: ConsumerGroup, Kafka's consumer groups over one Topic: members
// share its partitions, each partition read by one member, with committed offsets.
//
//   ConsumerGroup group("analytics", topic, scheduler, {.assignment = Assignment::kRange});
//   std::uint64_t generation = *group.join("consumer-1");
//   for (std::uint32_t p : group.assignment("consumer-1")) { fetch from group.committed(p) ... }
//   group.commit("consumer-1", generation, p, next_offset);
//   group.heartbeat("consumer-1");  // at least every session timeout
//
// Every join, leave or member lost (no heartbeat within the session timeout) is a
// rebalance: a new generation and a fresh assignment by the configured rule, as
// Kafka's assignors compute it:
//   kRange       members sorted by id; partitions split into contiguous runs, the
//                first (partitions % members) members taking one more;
//   kRoundRobin  partition i to the (i mod members)-th member.
// Commits carry the generation they were made in; one from an older generation
// (ILLEGAL_GENERATION) or for a partition the member does not own is refused, so a
// consumer that lost a partition cannot move its offset. Committed offsets survive
// rebalances. Events: "log.rebalanced" (generation, members).
// Externally synchronised, like its Scheduler.
#ifndef SLUICE_CORE_BROKER_CONSUMER_GROUP_H_
#define SLUICE_CORE_BROKER_CONSUMER_GROUP_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/broker/partitioned_log.h"
#include "core/observe/event.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

namespace kafka_error {
inline constexpr std::string_view kUnknownMemberId = "UNKNOWN_MEMBER_ID";
inline constexpr std::string_view kIllegalGeneration = "ILLEGAL_GENERATION";
inline constexpr std::string_view kGroupMaxSizeReached = "GROUP_MAX_SIZE_REACHED";
}  // namespace kafka_error

enum class Assignment : std::uint8_t { kRange, kRoundRobin };

struct ConsumerGroupConfig {
  Assignment assignment = Assignment::kRange;
  time::Duration session_timeout = std::chrono::seconds(10);
  std::uint32_t max_members = 1000;
};

class ConsumerGroup {
 public:
  // REQUIRES: session_timeout > 0; topic, scheduler and sink outlive the group.
  ConsumerGroup(std::string name, const Topic& topic, time::Scheduler& scheduler, ConsumerGroupConfig config = {},
                observe::EventSink* events = nullptr);
  ~ConsumerGroup();

  ConsumerGroup(const ConsumerGroup&) = delete;
  ConsumerGroup& operator=(const ConsumerGroup&) = delete;

  // join: adds the member (or re-joins it) and rebalances; returns the new generation.
  Result<std::uint64_t> join(std::string_view member);
  Status leave(std::string_view member);
  // heartbeat: the member is alive; its session timeout starts again.
  Status heartbeat(std::string_view member);

  // assignment: the member's partitions in this generation (empty if not a member).
  std::vector<std::uint32_t> assignment(std::string_view member) const;
  std::uint64_t generation() const { return generation_; }
  std::vector<std::string> members() const;

  Status commit(std::string_view member, std::uint64_t generation, std::uint32_t partition, std::int64_t offset);
  // committed: the group's committed offset for the partition, if any.
  std::optional<std::int64_t> committed(std::uint32_t partition) const;

 private:
  struct Member {
    time::TimerId session;
    std::vector<std::uint32_t> partitions;
  };

  void rebalance();
  void arm_session(const std::string& member_id, Member& member);

  const std::string name_;
  const Topic& topic_;
  time::Scheduler& scheduler_;
  const ConsumerGroupConfig config_;
  observe::EventSink* events_;
  std::map<std::string, Member, std::less<>> members_;  // sorted by id, as the assignors sort
  std::uint64_t generation_ = 0;
  std::map<std::uint32_t, std::int64_t> committed_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_CONSUMER_GROUP_H_
