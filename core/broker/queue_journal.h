// queue_journal.h: QueueJournal, every change to the broker's SQS queues told as it
// happens, so that a durable store can keep a copy; and JournaledMessage, one stored
// message as the journal hears it and as InMemoryBroker::restore_message takes it back.
//
//   class Store : public QueueJournal { ... };        // e.g. native's SQLite journal
//   broker.set_journal(&store);                         // from now on, every change
//   ... after a restart, on a fresh broker:
//   broker.create_queue(name, config);                  // the ordinary calls, unjournaled
//   broker.restore_message(name, message);              // what those cannot put back
//   broker.set_journal(&store);
//
// Covered: SQS queues (standard and FIFO) with their configs, messages, receive counts
// and FIFO deduplication windows; exchanges; bindings to SQS queues. Not covered: AMQP
// queues and topics. Where a message is in flight (and when it becomes visible again)
// is not journaled: after a restart every message that was in flight is visible, as
// after a visibility timeout. Calls come synchronously from the broker's thread; views
// are valid only during the call.
#ifndef SLUICE_CORE_BROKER_QUEUE_JOURNAL_H_
#define SLUICE_CORE_BROKER_QUEUE_JOURNAL_H_

#include <cstdint>
#include <string_view>

#include "core/broker/exchange_router.h"
#include "core/broker/message.h"
#include "core/broker/queue_config.h"
#include "core/time/instant.h"

namespace sluice::broker {

struct JournaledMessage {
  std::string_view message_id;  // the UUID text SQS clients see
  std::string_view body;
  const MessageAttributes* attributes = nullptr;  // null: none
  time::Instant sent_at;
  time::Instant visible_at;  // when its delay ends (sent_at without one)
  std::uint32_t receive_count = 0;
  time::Instant first_received_at;
  std::string_view group_id;   // FIFO only
  std::uint64_t sequence = 0;  // FIFO only
};

class QueueJournal {
 public:
  virtual ~QueueJournal() = default;

  // A queue was created or given new attributes (the whole config, either way).
  virtual void queue_configured(std::string_view queue, const QueueConfig& config) = 0;
  // A queue was deleted, with its messages, deduplication window and bindings.
  virtual void queue_deleted(std::string_view queue) = 0;
  virtual void exchange_declared(std::string_view exchange, ExchangeType type) = 0;
  virtual void queue_bound(std::string_view queue, std::string_view exchange, std::string_view key,
                           const Headers& arguments) = 0;

  // A message entered a queue: sent, or moved there as a dead letter (its receive
  // count starting over).
  virtual void message_stored(std::string_view queue, const JournaledMessage& message) = 0;
  // A message was handed out again; its receive count and first receive time.
  virtual void message_received(std::string_view queue, std::string_view message_id, std::uint32_t receive_count,
                                time::Instant first_received_at) = 0;
  // A message left a queue: deleted, expired, or moved to the dead-letter queue.
  virtual void message_removed(std::string_view queue, std::string_view message_id) = 0;
  virtual void queue_purged(std::string_view queue) = 0;
  // A FIFO send's deduplication id (or body digest) is taken until `expires`.
  virtual void deduplication_recorded(std::string_view queue, std::string_view key, std::string_view message_id,
                                      std::uint64_t sequence, time::Instant expires) = 0;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_QUEUE_JOURNAL_H_
