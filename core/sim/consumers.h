// consumers.h: the simulated notification and analytics services, which consume the
// order service's events from the broker.
//
// NotificationConsumer reads the FIFO queue "notifications.fifo" through a FifoConsumer
// (SQS semantics: a message stays invisible while it is processed, is deleted only
// after, and goes to "notifications-dlq.fifo" after max_receive_count receives). It is
// idempotent by event key and records, per order, the order in which it first handled
// each event, which the FIFO invariant checks. Message bodies are encoded SagaEvents.
//
// AnalyticsConsumer reads the "order-events" log as the only member of a consumer group
// (Kafka semantics: positions, commits, offset_for_time). A consumer_bug fault makes it
// miscount (skip) what it reads while still committing, as a deployed bug would;
// replay(from) seeks every partition back to that time and reads again (if the consumer
// is down, when it starts). Every fetch is also its heartbeat. It counts each
// event key once, so a replay repairs the counts without double counting.
#ifndef SLUICE_CORE_SIM_CONSUMERS_H_
#define SLUICE_CORE_SIM_CONSUMERS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/saga/saga_event.h"
#include "core/sim/sim_context.h"

namespace sluice::sim {

inline constexpr std::string_view kNotificationQueue = "notifications.fifo";
inline constexpr std::string_view kNotificationDlq = "notifications-dlq.fifo";
inline constexpr std::string_view kOrderEventsLog = "order-events";
inline constexpr std::uint32_t kOrderEventsPartitions = 2;

struct ConsumerStats {
  std::uint64_t polls = 0;
  std::uint64_t received = 0;
  std::uint64_t failed = 0;  // processing failed; the message will come back
};

// FifoConsumer: reads a FIFO queue from `node` with long polls. Each message is worked on
// by the node's SimService and then given to `handle`, which returns whether it was
// handled: then it is deleted; otherwise (or if the service failed it) it comes back
// after its visibility timeout, and the rest of its group in the batch is left to come
// back after it, so a group's messages are handled in order.
class FifoConsumer {
 public:
  using Handler = std::function<bool(const broker::BrokerMessage& message)>;

  FifoConsumer(SimContext& context, Node node, std::string queue, Handler handle)
      : context_(context), node_(node), queue_(std::move(queue)), handle_(std::move(handle)) {}

  void start();
  void crash() { ++generation_; }
  const ConsumerStats& stats() const { return stats_; }

 private:
  using Group = std::shared_ptr<std::deque<broker::BrokerMessage>>;
  void poll();
  void on_messages(std::uint64_t poll, std::vector<broker::BrokerMessage> messages);
  void process_next(std::uint64_t generation, const Group& group);
  void batch_item_done(std::uint64_t generation);

  SimContext& context_;
  Node node_;
  std::string queue_;
  Handler handle_;
  std::uint64_t generation_ = 0;
  std::uint64_t poll_ = 0;  // the poll in progress
  std::uint64_t answered_poll_ = 0;
  std::size_t batch_left_ = 0;  // messages of the last batch not yet processed
  ConsumerStats stats_;
};

struct NotificationStats {
  std::uint64_t received = 0;
  std::uint64_t handled = 0;     // first time for their key
  std::uint64_t duplicates = 0;  // a redelivery of a key already handled
  std::uint64_t failed = 0;      // processing failed; the message will come back
};

class NotificationConsumer {
 public:
  explicit NotificationConsumer(SimContext& context);

  void start() { consumer_.start(); }
  void crash() { consumer_.crash(); }

  NotificationStats stats() const;
  const std::set<std::string, std::less<>>& handled() const { return handled_; }
  // first_handled: per order, event types in the order first handled.
  const std::map<std::string, std::vector<std::string>, std::less<>>& first_handled() const { return first_handled_; }

 private:
  bool handle(const broker::BrokerMessage& message);

  SimContext& context_;
  FifoConsumer consumer_;
  std::uint64_t handled_count_ = 0;
  std::uint64_t duplicates_ = 0;
  // Durable (its outbox of sent notifications).
  std::set<std::string, std::less<>> handled_;
  std::map<std::string, std::vector<std::string>, std::less<>> first_handled_;
};

struct AnalyticsStats {
  std::uint64_t fetches = 0;
  std::uint64_t records_read = 0;
  std::uint64_t counted = 0;     // distinct event keys counted
  std::uint64_t miscounted = 0;  // read while the bug was on
  std::uint64_t replays = 0;
};

class AnalyticsConsumer {
 public:
  static constexpr time::Duration kPollInterval = std::chrono::milliseconds(100);

  explicit AnalyticsConsumer(SimContext& context) : context_(context) {}

  void start();
  void crash() { ++generation_; }
  void set_bug(bool on);
  void replay(time::Instant from);

  bool bug() const { return bug_; }
  const AnalyticsStats& stats() const { return stats_; }
  const std::set<std::string, std::less<>>& counted() const { return counted_; }
  // count_of: how many events of `type` were counted.
  std::uint64_t count_of(std::string_view type) const;

 private:
  void join();
  void seek_to(time::Instant from);
  void fetch(std::uint64_t generation);
  void on_records(std::uint32_t partition, std::uint64_t seek, const Reply& reply);

  SimContext& context_;
  std::uint64_t generation_ = 0;
  bool bug_ = false;
  std::uint32_t next_partition_ = 0;
  std::uint64_t seek_ = 0;  // bumped by replay(): reads issued before it are stale
  std::uint64_t group_generation_ = 0;
  std::vector<std::int64_t> positions_ = std::vector<std::int64_t>(kOrderEventsPartitions, 0);
  AnalyticsStats stats_;
  // Durable (its database, and the offset reset an operator left for its next start).
  std::optional<time::Instant> pending_replay_;
  std::set<std::string, std::less<>> counted_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_CONSUMERS_H_
