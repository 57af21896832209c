// standard_queue.h: StandardQueue, an SQS standard queue as a sans-I/O state machine.
//
//   StandardQueue queue("orders", config, scheduler, prng.fork(), &events);
//   queue.send({.body = R"({"eventType":"OrderCreated"})"});
//   queue.receive({.max_messages = 10, .wait = 20s}, [&](Result<std::vector<ReceivedMessage>> batch) {
//     for (const ReceivedMessage& m : *batch) { handle(m); queue.delete_message(m.receipt_handle); }
//   });
//
// At-least-once delivery: a received message is invisible for its visibility timeout
// and becomes visible again unless deleted. Delete needs the handle of the latest
// receive; an older handle deletes nothing and says so (kStaleHandle), a handle that
// is not one of this queue's is ReceiptHandleIsInvalid. Long polls wait without
// polling: a waiting receive is completed when a message becomes visible (sent, delay
// over, visibility expired) or when its wait ends, with what there is. Callbacks of
// receive() never run inside the call that triggers them: they are scheduled.
//
// A message past its redrive policy's max_receive_count is not delivered again but
// moved to the dead-letter queue (set_dead_letter_queue), keeping its id, body,
// attributes and original send time. Retention counts from that original send time.
//
// Each operation is O(log n) in the queue's depth or better: a map of messages, a
// deque of visible ids and two heaps (becoming visible, expiring) with stale entries
// skipped lazily and compacted when they outnumber live messages.
//
// Errors carry SQS's error codes (Status::reason()). Events ("queue.sent",
// "queue.delivered", "queue.deleted", "queue.visible_again", "queue.expired",
// "queue.dead_lettered", "queue.purged") name the queue and the message id.
// Externally synchronised, like its Scheduler. REQUIRES: scheduler, sink and the
// dead-letter queue outlive the queue.
#ifndef SLUICE_CORE_BROKER_STANDARD_QUEUE_H_
#define SLUICE_CORE_BROKER_STANDARD_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/queue_timing.h"
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

class StandardQueue {
 public:
  using ReceiveCallback = std::function<void(Result<std::vector<ReceivedMessage>>)>;

  // REQUIRES: config.validate().ok(), !config.fifo, and a valid standard queue name.
  StandardQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
                observe::EventSink* events = nullptr);
  ~StandardQueue();

  StandardQueue(const StandardQueue&) = delete;
  StandardQueue& operator=(const StandardQueue&) = delete;

  // send: stores the message; returns its MessageId.
  Result<std::string> send(SendRequest request);

  // receive_now: up to max_messages visible messages, without waiting.
  Result<std::vector<ReceivedMessage>> receive_now(const ReceiveRequest& request);

  // receive: the same, waiting up to the request's (or the queue's) wait for messages.
  // `done` is called once, from the scheduler.
  void receive(const ReceiveRequest& request, ReceiveCallback done);

  Result<DeleteResult> delete_message(std::string_view receipt_handle);

  // change_visibility: the in-flight message becomes visible `timeout` from now
  // (0: at once).
  Status change_visibility(std::string_view receipt_handle, time::Duration timeout);

  // purge: deletes every message.
  void purge();

  // set_dead_letter_queue: where messages past the redrive policy go.
  // REQUIRES: the config has a redrive policy; `dead_letter` is another queue.
  void set_dead_letter_queue(StandardQueue* dead_letter);

  // redrive_to: moves up to `max_messages` visible messages to `target` (a DLQ's
  // redrive back to its source), with their ids and send times. Returns how many.
  std::size_t redrive_to(StandardQueue& target, std::size_t max_messages);

  const std::string& name() const { return name_; }
  const QueueConfig& config() const { return config_; }
  QueueStats stats() const;

 private:
  enum class State : std::uint8_t { kDelayed, kVisible, kInFlight };

  struct Stored {
    std::string id;
    std::string body;
    MessageAttributes attributes;
    time::Instant sent_at;
    time::Instant first_received_at;
    std::uint32_t receive_count = 0;
    std::uint32_t epoch = 0;    // receives so far; a receipt handle names one
    std::uint64_t nonce = 0;    // random per receive: handles cannot be guessed
    std::uint32_t version = 0;  // which heap entry is live
    State state = State::kVisible;
  };

  std::uint64_t store(Stored message, time::Duration delay);
  void schedule_visible(std::uint64_t seq, Stored& message, time::Instant at);
  void make_visible(std::uint64_t seq, Stored& message);
  std::vector<ReceivedMessage> take_visible(const ReceiveRequest& request, Status& error);
  void erase(std::uint64_t seq, std::string_view event);
  void accept_dead_letter(Stored message);

  // advance: applies everything due by now (visibility, delays, retention), serves
  // waiting receives, and re-arms the one wake-up timer.
  void advance();
  void serve_waiters();
  void rearm();
  bool is_live(const internal::DueHeap::Entry& entry) const;
  void report(std::string_view what, const std::string& message_id);

  const std::string name_;
  const QueueConfig config_;
  time::Scheduler& scheduler_;
  time::Prng prng_;
  observe::EventSink* events_;
  const std::uint64_t tag_;  // names this queue in its receipt handles
  StandardQueue* dead_letter_ = nullptr;

  std::uint64_t last_seq_ = 0;
  std::unordered_map<std::uint64_t, Stored> messages_;
  std::deque<std::uint64_t> visible_;   // may hold stale ids, skipped
  internal::DueHeap becoming_visible_;  // delayed and in-flight messages
  internal::DueHeap expiring_;          // every message, by send time (version 0)
  std::uint64_t in_flight_ = 0;
  std::uint64_t delayed_ = 0;
  std::uint64_t visible_count_ = 0;

  internal::WaitingReceives<ReceivedMessage> waiters_;
  internal::WakeTimer wake_timer_;
  QueueStats counters_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_STANDARD_QUEUE_H_
