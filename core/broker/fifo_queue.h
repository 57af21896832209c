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
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/queue_timing.h"
#include "core/broker/standard_queue.h"
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

class FifoQueue {
 public:
  using ReceiveCallback = std::function<void(Result<std::vector<FifoReceivedMessage>>)>;

  static constexpr time::Duration kDeduplicationWindow = std::chrono::minutes(5);

  // REQUIRES: config.validate().ok(), config.fifo, and a valid FIFO queue name.
  FifoQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
            observe::EventSink* events = nullptr);
  ~FifoQueue();

  FifoQueue(const FifoQueue&) = delete;
  FifoQueue& operator=(const FifoQueue&) = delete;

  Result<FifoSendResult> send(FifoSendRequest request);
  Result<std::vector<FifoReceivedMessage>> receive_now(const ReceiveRequest& request);
  void receive(const ReceiveRequest& request, ReceiveCallback done);
  Result<DeleteResult> delete_message(std::string_view receipt_handle);
  Status change_visibility(std::string_view receipt_handle, time::Duration timeout);
  void purge();
  // set_dead_letter_queue: REQUIRES a redrive policy; `dead_letter` another FIFO queue.
  void set_dead_letter_queue(FifoQueue* dead_letter);

  const std::string& name() const { return name_; }
  QueueStats stats() const;

 private:
  enum class State : std::uint8_t { kDelayed, kVisible, kInFlight };

  struct Stored {
    std::string id;
    std::string body;
    MessageAttributes attributes;
    std::string group_id;
    std::uint64_t sequence = 0;
    time::Instant sent_at;
    time::Instant first_received_at;
    std::uint32_t receive_count = 0;
    std::uint32_t epoch = 0;
    std::uint64_t nonce = 0;
    std::uint32_t version = 0;
    State state = State::kVisible;
  };

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
  void become_visible(Stored& message);
  std::vector<FifoReceivedMessage> take(const ReceiveRequest& request, Status& error);
  // remove: takes the message out of the queue and its group, and returns it.
  Stored remove(std::uint64_t seq, std::string_view event);
  void accept_dead_letter(Stored message);
  void advance();
  void serve_waiters();
  void rearm();
  bool is_live(const internal::DueHeap::Entry& entry) const;
  void report(std::string_view what, const std::string& message_id);
  static std::string format_sequence(std::uint64_t sequence);

  const std::string name_;
  const QueueConfig config_;
  time::Scheduler& scheduler_;
  time::Prng prng_;
  observe::EventSink* events_;
  const std::uint64_t tag_;
  FifoQueue* dead_letter_ = nullptr;

  std::uint64_t last_seq_ = 0;
  std::uint64_t last_sequence_number_ = 0;
  std::unordered_map<std::uint64_t, Stored> messages_;
  std::unordered_map<std::string, Group> groups_;
  std::deque<std::string> ready_groups_;  // may hold groups no longer ready, skipped
  internal::DueHeap becoming_visible_;
  internal::DueHeap expiring_;
  std::unordered_map<std::string, Deduplicated> deduplication_;
  std::deque<std::pair<time::Instant, std::string>> deduplication_expiry_;  // in send order
  std::uint64_t visible_count_ = 0;
  std::uint64_t in_flight_ = 0;
  std::uint64_t delayed_ = 0;
  internal::WaitingReceives<FifoReceivedMessage> waiters_;
  internal::WakeTimer wake_timer_;
  QueueStats counters_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_FIFO_QUEUE_H_
