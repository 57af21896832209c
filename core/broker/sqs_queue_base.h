// sqs_queue_base.h: what SQS standard and FIFO queues do alike, written once:
// receipt-handle checks, delete, change_visibility, retention and visibility timers,
// long polls, purge, stats and events. Each queue kind adds its own ordering (a deque
// of visible messages; message groups) through the hooks named below. Internal to
// core/broker.
//
// Derived (CRTP) provides:
//   std::vector<Delivered> take(const ReceiveRequest&, Status& error);
//   Stored remove(std::uint64_t seq, std::string_view event);  // out of the queue
//   void become_visible(std::uint64_t seq, Stored& message);   // from delayed or in flight
//   void serve_waiters();
//   void advance_more(time::Instant now);                      // its own due work
//   std::optional<time::Instant> next_own_deadline() const;
//   void clear_ordering();                                     // for purge
#ifndef SLUICE_CORE_BROKER_SQS_QUEUE_BASE_H_
#define SLUICE_CORE_BROKER_SQS_QUEUE_BASE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/base/check.h"
#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/queue_journal.h"
#include "core/broker/queue_timing.h"
#include "core/broker/sqs_rules.h"
#include "core/observe/event.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

enum class DeleteResult {
  kDeleted,
  kAlreadyDeleted,  // the handle was the latest, the message is gone (deleted or expired)
  kStaleHandle,     // the message was received again since: not deleted
};

struct QueueStats {
  std::uint64_t visible = 0;    // ApproximateNumberOfMessages
  std::uint64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  std::uint64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
  std::uint64_t waiting_receives = 0;
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t deleted = 0;
  std::uint64_t expired = 0;
  std::uint64_t dead_lettered = 0;
};

namespace internal {

enum class MessageState : std::uint8_t { kDelayed, kVisible, kInFlight };

// StoredMessage: a message as a queue keeps it.
struct StoredMessage {
  MessageId id;  // 16 bytes; its text is made when handed out
  std::string body;
  std::unique_ptr<MessageAttributes> attributes;  // null when there are none
  time::Instant sent_at;
  time::Instant first_received_at;
  std::uint32_t receive_count = 0;
  std::uint32_t epoch = 0;    // receives so far; a receipt handle names one
  std::uint64_t nonce = 0;    // random per receive: handles cannot be guessed
  std::uint32_t version = 0;  // which due-time entry is live
  MessageState state = MessageState::kVisible;
};

template <typename Derived, typename Stored, typename Delivered>
class SqsQueueBase {
 public:
  using ReceiveCallback = std::function<void(Result<std::vector<Delivered>>)>;

  SqsQueueBase(const SqsQueueBase&) = delete;
  SqsQueueBase& operator=(const SqsQueueBase&) = delete;

  // receive_now: up to max_messages visible messages, without waiting.
  Result<std::vector<Delivered>> receive_now(const ReceiveRequest& request) {
    SLUICE_RETURN_IF_ERROR(validate_receive(request));
    advance();
    Status error;
    std::vector<Delivered> batch = derived().take(request, error);
    rearm();
    if (!error.ok()) return error;
    return batch;
  }

  // receive: the same, waiting up to the request's (or the queue's) wait for messages.
  // `done` is called once, from the scheduler.
  void receive(const ReceiveRequest& request, ReceiveCallback done) {
    waiters_.receive(
        request, config_.receive_wait, [this](const ReceiveRequest& r) { return receive_now(r); }, std::move(done),
        name_);
  }

  Result<DeleteResult> delete_message(std::string_view receipt_handle) {
    const std::optional<ReceiptHandle> handle = ReceiptHandle::parse(receipt_handle, tag_);
    if (!handle) return invalid_handle(receipt_handle, name_);
    advance();
    const auto it = messages_.find(handle->seq);
    DeleteResult result = DeleteResult::kAlreadyDeleted;
    if (it != messages_.end()) {
      if (it->second.epoch != handle->epoch || it->second.nonce != handle->nonce) {
        result = DeleteResult::kStaleHandle;
      } else {
        ++counters_.deleted;
        derived().remove(handle->seq, "queue.deleted");
        result = DeleteResult::kDeleted;
        derived().serve_waiters();  // a FIFO group may have been released
      }
    }
    rearm();
    return result;
  }

  // change_visibility: the in-flight message becomes visible `timeout` from now
  // (0: at once).
  Status change_visibility(std::string_view receipt_handle, time::Duration timeout) {
    SLUICE_RETURN_IF_ERROR(validate_visibility_timeout(timeout));
    const std::optional<ReceiptHandle> handle = ReceiptHandle::parse(receipt_handle, tag_);
    if (!handle) return invalid_handle(receipt_handle, name_);
    advance();
    const auto it = messages_.find(handle->seq);
    if (it == messages_.end() || it->second.epoch != handle->epoch || it->second.nonce != handle->nonce ||
        it->second.state != MessageState::kInFlight) {
      return Status(StatusCode::kFailedPrecondition,
                    "the message of this receipt handle is not in flight (deleted, visible again, or received since)",
                    sqs_error::kMessageNotInflight);
    }
    if (timeout == time::Duration::zero()) {
      derived().become_visible(handle->seq, it->second);
      derived().serve_waiters();
    } else {
      schedule_visible(handle->seq, it->second, scheduler_.now() + timeout);
    }
    rearm();
    return Status();
  }

  // purge: deletes every message.
  void purge() {
    const std::uint64_t count = messages_.size();
    messages_.clear();
    derived().clear_ordering();
    becoming_visible_.clear();
    expiring_.clear();
    visible_count_ = in_flight_ = delayed_ = 0;
    wake_timer_.cancel();
    rearm();
    if (journal_ != nullptr) journal_->queue_purged(name_);
    if (events_ != nullptr) {
      const observe::Attribute attribute{"messages", static_cast<std::int64_t>(count)};
      events_->on_event(observe::Event{"queue.purged", name_, scheduler_.now(), {}, {&attribute, 1}});
    }
  }

  const std::string& name() const { return name_; }
  const QueueConfig& config() const { return config_; }

  // set_dead_letter_queue: where messages past the redrive policy go (null: nowhere),
  // a queue of the same kind. REQUIRES: the config has a redrive policy; `dead_letter`
  // is another queue.
  void set_dead_letter_queue(Derived* dead_letter) {
    SLUICE_CHECK(config_.redrive.has_value() && dead_letter != &derived());
    dead_letter_ = dead_letter;
  }

  // reconfigure: new attributes from now on (SetQueueAttributes). Timeouts, delay,
  // size and redrive apply to later operations; stored messages keep their retention.
  // Without a redrive policy, nothing is dead-lettered any more.
  // REQUIRES: config.validate().ok(), the same kind and the same max_waiting_receives.
  void reconfigure(QueueConfig config) {
    SLUICE_CHECK(config.fifo == config_.fifo && config.max_waiting_receives == config_.max_waiting_receives);
    config_ = std::move(config);
    if (!config_.redrive) dead_letter_ = nullptr;
  }

  // set_journal: from now on, tell `journal` every change (null: nobody).
  void set_journal(QueueJournal* journal) { journal_ = journal; }

  QueueStats stats() const {
    QueueStats stats = counters_;
    stats.visible = visible_count_;
    stats.in_flight = in_flight_;
    stats.delayed = delayed_;
    stats.waiting_receives = waiters_.size();
    return stats;
  }

 protected:
  SqsQueueBase(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
               observe::EventSink* events)
      : name_(std::move(name)),
        config_(std::move(config)),
        scheduler_(scheduler),
        prng_(prng),
        events_(events),
        tag_(prng_.next_u64()),
        waiters_(scheduler, config_.max_waiting_receives),
        wake_timer_(scheduler) {}
  ~SqsQueueBase() = default;

  Derived& derived() { return static_cast<Derived&>(*this); }

  // forget_receipts: a message arriving as a dead letter starts over, as if just sent.
  static void forget_receipts(Stored& message) {
    message.receive_count = 0;
    message.epoch = 0;
    message.version = 0;
  }

  bool is_live(const DueHeap::Entry& entry) const {
    const auto it = messages_.find(entry.seq);
    return it != messages_.end() && it->second.version == entry.version;
  }

  void schedule_visible(std::uint64_t seq, Stored& message, time::Instant at) {
    ++message.version;
    becoming_visible_.push(at, seq, message.version);
  }

  // advance: applies everything due by now (expiry, visibility and delays, then the
  // queue's own), keeping stale entries bounded by the live messages.
  void advance() {
    const time::Instant now = scheduler_.now();
    expiring_.pop_due(now, [this](const DueHeap::Entry& due) {
      if (!messages_.contains(due.seq)) return;
      ++counters_.expired;
      derived().remove(due.seq, "queue.expired");
    });
    becoming_visible_.pop_due(now, [this](const DueHeap::Entry& due) {
      if (is_live(due)) derived().become_visible(due.seq, messages_.at(due.seq));
    });
    derived().advance_more(now);
    const std::size_t bound = 2 * messages_.size() + 1024;
    becoming_visible_.compact(bound, [this](const DueHeap::Entry& e) { return is_live(e); });
    expiring_.compact(bound, [this](const DueHeap::Entry& e) { return messages_.contains(e.seq); });
  }

  // rearm: the one wake-up timer, at the earliest moment anything becomes due.
  void rearm() {
    std::optional<time::Instant> next = becoming_visible_.earliest([this](const auto& e) { return is_live(e); });
    const auto earlier = [&next](std::optional<time::Instant> candidate) {
      if (candidate && (!next || *candidate < *next)) next = candidate;
    };
    earlier(expiring_.earliest([this](const auto& e) { return messages_.contains(e.seq); }));
    earlier(derived().next_own_deadline());
    wake_timer_.arm(next, [this] {
      advance();
      derived().serve_waiters();
      rearm();
    });
  }

  // deliver_in_flight: marks `message` received now, for `visibility`.
  void deliver_in_flight(std::uint64_t seq, Stored& message, time::Duration visibility) {
    const time::Instant now = scheduler_.now();
    --visible_count_;
    ++in_flight_;
    message.state = MessageState::kInFlight;
    ++message.receive_count;
    if (message.receive_count == 1) message.first_received_at = now;
    ++message.epoch;
    message.nonce = prng_.next_u64();
    schedule_visible(seq, message, now + visibility);
    ++counters_.delivered;
    report("queue.delivered", message.id);
    if (journal_ != nullptr) {
      journal_->message_received(name_, message.id.text(), message.receive_count, message.first_received_at);
    }
  }

  // journal_stored: tells the journal that `message` entered this queue. Callers check
  // journal_ first, so that without one a send costs no lookup.
  void journal_stored(const StoredMessage& message, time::Instant visible_at, std::string_view group_id = {},
                      std::uint64_t sequence = 0) {
    const std::string id = message.id.text();
    journal_->message_stored(name_,
                             JournaledMessage{id, message.body, message.attributes.get(), message.sent_at, visible_at,
                                              message.receive_count, message.first_received_at, group_id, sequence});
  }

  void journal_removed(const MessageId& id) {
    if (journal_ != nullptr) journal_->message_removed(name_, id.text());
  }

  // restored: a message as the journal had it, for the derived queue to store; its
  // delay is what is left of it now. Nothing is reported or journaled: it was already.
  Result<std::pair<StoredMessage, time::Duration>> restored(const JournaledMessage& record) const {
    const std::optional<MessageId> id = MessageId::parse(record.message_id);
    if (!id)
      return Status::invalid_argument("a restored message id is not one of ours: " + std::string(record.message_id));
    StoredMessage message;
    message.id = *id;
    message.body = std::string(record.body);
    if (record.attributes != nullptr) message.attributes = attributes_of(*record.attributes);
    message.sent_at = record.sent_at;
    message.receive_count = record.receive_count;
    message.first_received_at = record.first_received_at;
    const time::Duration delay = std::max(time::Duration::zero(), record.visible_at - scheduler_.now());
    return std::pair{std::move(message), delay};
  }

  ReceivedMessage as_received(std::uint64_t seq, const Stored& message) const {
    return ReceivedMessage{message.id.text(),
                           ReceiptHandle{seq, message.epoch, message.nonce}.format(tag_),
                           message.body,
                           message.attributes ? *message.attributes : MessageAttributes{},
                           message.receive_count,
                           message.sent_at,
                           message.first_received_at};
  }

  // attributes_of: what a stored message keeps of a request's attributes.
  static std::unique_ptr<MessageAttributes> attributes_of(MessageAttributes attributes) {
    if (attributes.empty()) return nullptr;
    return std::make_unique<MessageAttributes>(std::move(attributes));
  }

  // over_limit: "queue orders holds its maximum of 3 messages".
  Status over_limit(std::string_view verb, std::uint64_t limit, std::string_view what) const {
    return Status(StatusCode::kResourceExhausted,
                  "queue " + name_ + " " + std::string(verb) + " its maximum of " + std::to_string(limit) + " " +
                      std::string(what),
                  sqs_error::kOverLimit);
  }

  // report: the id's text is made only when someone listens.
  void report(std::string_view what, const MessageId& id) {
    if (events_ != nullptr) report(what, id.text());
  }
  void report(std::string_view what, std::string_view message_id) {
    if (events_ == nullptr) return;
    const observe::Attribute attribute{"message_id", message_id};
    events_->on_event(observe::Event{what, name_, scheduler_.now(), {}, {&attribute, 1}});
  }

  const std::string name_;
  QueueConfig config_;
  time::Scheduler& scheduler_;
  time::Prng prng_;
  observe::EventSink* events_;
  QueueJournal* journal_ = nullptr;
  const std::uint64_t tag_;  // names this queue in its receipt handles
  Derived* dead_letter_ = nullptr;

  std::uint64_t last_seq_ = 0;
  std::unordered_map<std::uint64_t, Stored> messages_;
  DueHeap becoming_visible_;  // delayed and in-flight messages
  DueHeap expiring_;          // every message, by original send time (version 0)
  std::uint64_t visible_count_ = 0;
  std::uint64_t in_flight_ = 0;
  std::uint64_t delayed_ = 0;
  WaitingReceives<Delivered> waiters_;
  WakeTimer wake_timer_;
  QueueStats counters_;
};

}  // namespace internal
}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_SQS_QUEUE_BASE_H_
