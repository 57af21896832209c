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
// skipped lazily and compacted when they outnumber live messages. What it shares with
// FifoQueue (receive, delete, change_visibility, timers, purge, stats) is in
// SqsQueueBase.
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/broker/sqs_queue_base.h"
#include "core/observe/event.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

class StandardQueue final : public internal::SqsQueueBase<StandardQueue, internal::StoredMessage, ReceivedMessage> {
 public:
  // REQUIRES: config.validate().ok(), !config.fifo, and a valid standard queue name.
  StandardQueue(std::string name, QueueConfig config, time::Scheduler& scheduler, time::Prng prng,
                observe::EventSink* events = nullptr);
  ~StandardQueue();

  // send: stores the message; returns its MessageId.
  Result<std::string> send(SendRequest request);

  // redrive_to: moves up to `max_messages` visible messages to `target` (a DLQ's
  // redrive back to its source), with their ids and send times. Returns how many.
  std::size_t redrive_to(StandardQueue& target, std::size_t max_messages);

  // restore: puts back a message the journal had (see queue_journal.h), visible when
  // its delay ends, whatever its state was. Not journaled again.
  Status restore(const JournaledMessage& record);

 private:
  friend class internal::SqsQueueBase<StandardQueue, internal::StoredMessage, ReceivedMessage>;
  using Stored = internal::StoredMessage;
  using State = internal::MessageState;

  std::uint64_t store(Stored message, time::Duration delay);
  void accept_dead_letter(Stored message);

  // SqsQueueBase's hooks.
  std::vector<ReceivedMessage> take(const ReceiveRequest& request, Status& error);
  Stored remove(std::uint64_t seq, std::string_view event);
  void become_visible(std::uint64_t seq, Stored& message);
  void serve_waiters();
  void advance_more(time::Instant now);
  std::optional<time::Instant> next_own_deadline() const { return std::nullopt; }
  void clear_ordering() { visible_.clear(); }

  std::deque<std::uint64_t> visible_;  // may hold stale ids, skipped
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_STANDARD_QUEUE_H_
