#include "core/sim/consumers.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <utility>

namespace sluice::sim {
namespace {

constexpr time::Duration kLongPoll = std::chrono::seconds(1);
// A poll whose request or reply was lost is given up after the long poll plus this.
constexpr time::Duration kPollGrace = std::chrono::seconds(2);
constexpr std::string_view kGroup = "analytics";
constexpr std::string_view kMember = "analytics-1";

}  // namespace

void FifoConsumer::start() {
  batch_left_ = 0;
  poll();
}

void FifoConsumer::poll() {
  if (!context_.service(node_).up()) return;
  const std::uint64_t poll = ++poll_;
  const std::uint64_t generation = generation_;
  ++stats_.polls;
  context_.clock(node_).schedule_after(kLongPoll + kPollGrace, [this, poll, generation] {
    if (generation == generation_ && poll == poll_ && answered_poll_ != poll) this->poll();
  });
  const time::Duration visibility = context_.scenario.notifications.visibility_timeout;
  context_.network.send(
      node_, Node::kBroker, MessageKind::kRequest, "ReceiveMessage", "", [this, poll, generation, visibility] {
        context_.service(Node::kBroker).handle([this, poll, generation, visibility](bool failed) {
          if (failed) return;  // no answer: the poll is given up and made again
          const broker::ReceiveRequest request{.max_messages = 10, .visibility_timeout = visibility, .wait = kLongPoll};
          context_.broker.receive(
              queue_, request, [this, poll, generation](Result<std::vector<broker::BrokerMessage>> received) {
                if (!received.ok()) return;
                auto messages = std::make_shared<std::vector<broker::BrokerMessage>>(std::move(*received));
                context_.network.send(Node::kBroker, node_, MessageKind::kReply,
                                      messages->empty() ? "no messages" : "messages", "",
                                      [this, poll, generation, messages] {
                                        if (generation == generation_) on_messages(poll, *messages);
                                      });
              });
        });
      });
}

void FifoConsumer::on_messages(std::uint64_t poll, std::vector<broker::BrokerMessage> messages) {
  if (poll != poll_ || answered_poll_ == poll) return;  // a late or duplicated answer
  answered_poll_ = poll;
  if (messages.empty()) {
    this->poll();
    return;
  }
  stats_.received += messages.size();
  batch_left_ = messages.size();
  // A FIFO batch may hold several messages of one group, in order: each group's are
  // handled one after another, different groups at once.
  std::map<std::string, Group> groups;
  for (broker::BrokerMessage& message : messages) {
    Group& group = groups[message.group_id];
    if (!group) group = std::make_shared<std::deque<broker::BrokerMessage>>();
    group->push_back(std::move(message));
  }
  for (auto& [id, group] : groups) process_next(generation_, group);
}

void FifoConsumer::process_next(std::uint64_t generation, const Group& group) {
  if (generation != generation_ || group->empty()) return;
  broker::BrokerMessage message = std::move(group->front());
  group->pop_front();
  context_.service(node_).handle([this, generation, group, message = std::move(message)](bool failed) {
    const bool handled = !failed && handle_(message);
    if (!handled) {
      // Not deleted: it comes back after its visibility timeout. The rest of its group
      // in this batch is left alone too, to come back after it: handling it now would
      // put it before this message.
      ++stats_.failed;
      batch_item_done(generation);
      for (std::size_t left = group->size(); left > 0; --left) batch_item_done(generation);
      group->clear();
      return;
    }
    const std::string receipt = message.message.receipt_handle;
    context_.network.send(node_, Node::kBroker, MessageKind::kRequest, "DeleteMessage", message.group_id,
                          [this, receipt] {
                            context_.service(Node::kBroker).handle([this, receipt](bool broker_failed) {
                              if (!broker_failed) (void)context_.broker.delete_message(queue_, receipt);
                            });
                          });
    batch_item_done(generation);
    process_next(generation, group);
  });
}

void FifoConsumer::batch_item_done(std::uint64_t generation) {
  if (generation != generation_ || batch_left_ == 0) return;
  if (--batch_left_ == 0) poll();
}

NotificationConsumer::NotificationConsumer(SimContext& context)
    : context_(context),
      consumer_(context, Node::kNotification, std::string(kNotificationQueue),
                [this](const broker::BrokerMessage& message) { return handle(message); }) {}

bool NotificationConsumer::handle(const broker::BrokerMessage& message) {
  Result<saga::SagaEvent> event = saga::decode_event(message.message.body);
  if (!event.ok()) return true;  // not ours to understand; dropping it is all we can do
  if (handled_.insert(event->key()).second) {
    ++handled_count_;
    first_handled_[event->correlation_id].push_back(event->type);
    context_.note("notification.sent", Node::kNotification,
                  {{"subject", std::string_view(event->correlation_id)}, {"event", std::string_view(event->type)}});
  } else {
    ++duplicates_;
  }
  return true;
}

NotificationStats NotificationConsumer::stats() const {
  return {.received = consumer_.stats().received,
          .handled = handled_count_,
          .duplicates = duplicates_,
          .failed = consumer_.stats().failed};
}

void AnalyticsConsumer::start() {
  join();
  for (std::uint32_t p = 0; p < kOrderEventsPartitions; ++p) {
    const Result<std::optional<std::int64_t>> committed = context_.broker.committed(kOrderEventsLog, kGroup, p);
    positions_[p] = committed.ok() && committed->has_value() ? **committed : 0;
  }
  // An offset reset made while the consumer was stopped, as operators make them.
  if (pending_replay_) {
    const time::Instant from = *pending_replay_;
    pending_replay_.reset();
    seek_to(from);
  }
  fetch(generation_);
}

void AnalyticsConsumer::join() {
  const Result<std::uint64_t> joined = context_.broker.join_group(kOrderEventsLog, kGroup, kMember);
  if (joined.ok()) group_generation_ = *joined;
}

void AnalyticsConsumer::fetch(std::uint64_t generation) {
  if (generation != generation_ || !context_.service(Node::kAnalytics).up()) return;
  context_.clock(Node::kAnalytics).schedule_after(kPollInterval, [this, generation] { fetch(generation); });
  ++stats_.fetches;
  const std::uint32_t partition = next_partition_++ % kOrderEventsPartitions;
  const std::int64_t position = positions_[partition];
  const std::uint64_t seek = seek_;
  context_.call(
      Node::kAnalytics, Node::kBroker, MessageKind::kRequest, "Fetch", "",
      [this, partition, position](bool failed) {
        if (failed) return Reply{.ok = false, .error = "unavailable"};
        // Every fetch is a heartbeat too; a member the group lost (a long pause) joins again.
        if (!context_.broker.heartbeat(kOrderEventsLog, kGroup, kMember).ok()) join();
        Result<std::vector<broker::LogRecord>> records =
            context_.broker.fetch(kOrderEventsLog, partition, position, 100);
        if (!records.ok()) return Reply{.ok = false, .error = records.status().message()};
        Reply reply{.value = records->empty() ? position : records->back().offset + 1};
        for (const broker::LogRecord& record : *records) reply.items.push_back(record.value);
        return reply;
      },
      [this, partition, seek](const Reply& reply) { on_records(partition, seek, reply); });
}

void AnalyticsConsumer::on_records(std::uint32_t partition, std::uint64_t seek, const Reply& reply) {
  if (!reply.ok || reply.items.empty()) return;
  context_.service(Node::kAnalytics).handle([this, partition, seek, reply](bool failed) {
    // Failed, or read before a replay moved the position: the records are read again.
    if (failed || seek != seek_ || reply.value <= positions_[partition]) return;
    stats_.records_read += reply.items.size();
    for (const std::string& body : reply.items) {
      Result<saga::SagaEvent> event = saga::decode_event(body);
      if (!event.ok()) continue;
      if (bug_) {
        ++stats_.miscounted;
      } else if (counted_.insert(event->key()).second) {
        ++stats_.counted;
        ++counts_[event->type];
      }
    }
    positions_[partition] = reply.value;
    const std::int64_t offset = reply.value;
    const std::uint64_t group_generation = group_generation_;
    context_.network.send(Node::kAnalytics, Node::kBroker, MessageKind::kRequest, "CommitOffset", "",
                          [this, partition, offset, group_generation] {
                            (void)context_.broker.commit(kOrderEventsLog, kGroup, kMember, group_generation, partition,
                                                         offset);
                          });
  });
}

void AnalyticsConsumer::set_bug(bool on) {
  bug_ = on;
  context_.note(on ? "analytics.bug_deployed" : "analytics.bug_fixed", Node::kAnalytics);
}

void AnalyticsConsumer::replay(time::Instant from) {
  ++stats_.replays;
  context_.note("analytics.replay", Node::kAnalytics, {{"from_ns", time::nanos_since_epoch(from)}});
  if (!context_.service(Node::kAnalytics).up()) {
    pending_replay_ = from;  // applied when it starts again
    return;
  }
  seek_to(from);
}

void AnalyticsConsumer::seek_to(time::Instant from) {
  ++seek_;
  join();  // a reset commits as a current member
  for (std::uint32_t p = 0; p < kOrderEventsPartitions; ++p) {
    const Result<std::int64_t> offset = context_.broker.offset_for_time(kOrderEventsLog, p, from);
    if (offset.ok() && *offset < positions_[p]) positions_[p] = *offset;
    (void)context_.broker.commit(kOrderEventsLog, kGroup, kMember, group_generation_, p, positions_[p]);
  }
}

std::uint64_t AnalyticsConsumer::count_of(std::string_view type) const {
  auto found = counts_.find(type);
  return found == counts_.end() ? 0 : found->second;
}

}  // namespace sluice::sim
