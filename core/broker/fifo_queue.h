// fifo_queue.h: FifoQueue, an SQS FIFO queue (a ".fifo" name) as a sans-I/O state
// machine: exactly-once sends within a deduplication window and strict order within a
// message group.
//
//   FifoQueue queue("orders.fifo", {.fifo = true}, scheduler, prng.fork(), &events);
//   queue.send({.body = "...", .group_id = "ord_abc123", .deduplication_id = "order-created-ord_abc123"});
//   queue.receive_now({.max_messages = 10});  // the group's messages in order
//
// Order: messages of one group are received in the order they were sent. While any of
// a group's messages is in flight, none of that group's later messages is handed out
// (to anyone); when an in-flight message's visibility timeout expires it goes back to
// the front of its group. Different groups are independent: receives take whole runs
// from one group, then the next group ready, first come first served.
//
// Deduplication: a send whose deduplication id was seen in the last 5 minutes stores
// nothing and returns the first send's message id and sequence number. The id is the
// request's deduplication_id, or with ContentBasedDeduplication the SHA-256 of the
// body, which the caller supplies (content_sha256) so that core needs no crypto.
//
// As SQS: per-message delays are refused (the queue's delay applies); the dead-letter
// queue must be FIFO too. Receipt handles, visibility, retention, limits, errors and
// events are as StandardQueue's ("queue.deduplicated" besides). Externally
// synchronised, like its Scheduler.
#ifndef SLUICE_CORE_BROKER_FIFO_QUEUE_H_
#define SLUICE_CORE_BROKER_FIFO_QUEUE_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/sqs_queue_base.h"
#include "core/observe/event.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

struct FifoSendRequest {
  std::string body;
  MessageAttributes attributes;
  std::string group_id;                                        // MessageGroupId, required
  std::string deduplication_id;                                // MessageDeduplicationId
  std::optional<std::array<std::uint8_t, 32>> content_sha256;  // for content-based deduplication
  std::optional<time::Duration> delay;                         // refused: FIFO queues delay per queue
};

struct FifoSendResult {
  std::string message_id;
  std::string sequence_number;  // increasing, as a 20-digit decimal string
  bool deduplicated = false;    // true: an earlier send's result, nothing stored
};

struct FifoReceivedMessage {
  ReceivedMessage message;
  std::string group_id;
  std::string sequence_number;
};

namespace internal {

struct FifoStoredMessage : StoredMessage {
  std::string group_id;
  std::uint64_t sequence = 0;
};

}  // namespace internal

class FifoQueue final : public internal::SqsQueueBase<FifoQueue, internal::FifoStoredMessage, FifoReceivedMessage> {
 public:
  static constexpr time::Duration kDeduplicationWindow = std::chrono::minutes(5);

  // REQUIRES: config.validate().ok(), config.fifo, and a valid FIFO queue name.
  FifoQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
            observe::EventSink* events = nullptr);
  ~FifoQueue();

  Result<FifoSendResult> send(FifoSendRequest request);

  // restore: puts back a message the journal had (see queue_journal.h) at the end of
  // its group; later sends get later sequence numbers. Not journaled again.
  Status restore(const JournaledMessage& record);
  // restore_deduplication: `key` counts as sent (as message_id, sequence) until
  // `expires`; nothing if that has passed.
  void restore_deduplication(std::string_view key, std::string_view message_id, std::uint64_t sequence,
                             time::Instant expires);

 private:
  friend class internal::SqsQueueBase<FifoQueue, internal::FifoStoredMessage, FifoReceivedMessage>;
  using Stored = internal::FifoStoredMessage;
  using State = internal::MessageState;

  // Group: its messages in send order; the first `in_flight` of them may be in flight.
  struct Group {
    std::deque<std::uint64_t> messages;
    std::uint32_t in_flight = 0;
    bool queued_as_ready = false;
  };

  struct Deduplicated {
    time::Instant expires;
    std::string message_id;
    std::uint64_t sequence;
  };

  Status validate_fifo_send(const FifoSendRequest& request) const;
  std::optional<std::string> deduplication_key(const FifoSendRequest& request) const;
  std::uint64_t store(Stored message, time::Duration delay);
  bool is_ready(const Group& group) const;
  void mark_ready_if_so(const std::string& group_id);
  void accept_dead_letter(Stored message);
  static std::string format_sequence(std::uint64_t sequence);

  // SqsQueueBase's hooks.
  std::vector<FifoReceivedMessage> take(const ReceiveRequest& request, Status& error);
  Stored remove(std::uint64_t seq, std::string_view event);
  void become_visible(std::uint64_t seq, Stored& message);
  void serve_waiters();
  void advance_more(time::Instant now);
  std::optional<time::Instant> next_own_deadline() const;
  void clear_ordering();

  std::uint64_t last_sequence_number_ = 0;
  std::unordered_map<std::string, Group> groups_;
  std::deque<std::string> ready_groups_;  // may hold groups no longer ready, skipped
  std::unordered_map<std::string, Deduplicated> deduplication_;
  std::deque<std::pair<time::Instant, std::string>> deduplication_expiry_;  // in send order
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_FIFO_QUEUE_H_
