// message_broker.h: MessageBroker, the interface services and the broker server use,
// and that every backend implements: the in-memory one (InMemoryBroker) and RabbitMQ
// (native/amqp's AmqpBroker). tests/core/broker/conformance runs the same cases against each.
//
//   broker.create_queue("notification-events", {});
//   broker.declare_exchange("orders", ExchangeType::kTopic);
//   broker.bind_queue("notification-events", "orders", "order.*");
//   broker.publish("orders", "order.created", {}, {.body = event_json});
//   broker.receive("notification-events", {.wait = 20s}, on_messages);
//
// Queues have SQS semantics (a ".fifo" name makes a FIFO queue); exchanges RabbitMQ's
// routing, delivering into those queues; topics Kafka's partitioned logs with
// consumer groups. One request type serves both queue kinds:
// the FIFO fields are required by FIFO queues and refused by standard ones, as SQS does.
#ifndef SLUICE_CORE_BROKER_MESSAGE_BROKER_H_
#define SLUICE_CORE_BROKER_MESSAGE_BROKER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/broker/amqp_queue.h"
#include "core/broker/consumer_group.h"
#include "core/broker/exchange_router.h"
#include "core/broker/message.h"
#include "core/broker/partitioned_log.h"
#include "core/broker/queue_config.h"
#include "core/broker/standard_queue.h"

namespace sluice::broker {

// BrokerSendRequest: one SendMessage, to a standard or a FIFO queue.
struct BrokerSendRequest {
  std::string body;
  MessageAttributes attributes;                                // on AMQP queues: headers (string values)
  std::optional<time::Duration> delay;                         // standard queues only
  std::uint8_t priority = 0;                                   // AMQP queues only
  std::optional<time::Duration> expiration;                    // AMQP queues only: per-message TTL
  std::string group_id;                                        // FIFO only: MessageGroupId
  std::string deduplication_id;                                // FIFO only: MessageDeduplicationId
  std::optional<std::array<std::uint8_t, 32>> content_sha256;  // FIFO content-based deduplication
};

struct BrokerSendResult {
  std::string message_id;
  std::string sequence_number;  // FIFO only
  bool deduplicated = false;    // FIFO only
};

struct BrokerMessage {
  ReceivedMessage message;
  std::string group_id;         // FIFO only
  std::string sequence_number;  // FIFO only
};

// AmqpQueueDeclaration: a RabbitMQ queue and where its dead letters go
// (x-dead-letter-exchange, x-dead-letter-routing-key; the message's own key if unset).
struct AmqpQueueDeclaration {
  AmqpQueueConfig config;
  std::string dead_letter_exchange;
  std::optional<std::string> dead_letter_routing_key;
};

// equivalent: whether declaring `b` where `a` was declared is harmless, as RabbitMQ
// compares a redeclaration: by the queue's arguments (sluice's own bounds aside).
inline bool equivalent(const AmqpQueueDeclaration& a, const AmqpQueueDeclaration& b) {
  return a.dead_letter_exchange == b.dead_letter_exchange && a.dead_letter_routing_key == b.dead_letter_routing_key &&
         a.config.max_priority == b.config.max_priority && a.config.max_length == b.config.max_length &&
         a.config.max_length_bytes == b.config.max_length_bytes && a.config.overflow == b.config.overflow &&
         a.config.message_ttl == b.config.message_ttl;
}

namespace amqp_error {
inline constexpr std::string_view kNoRoute = "NO_ROUTE";
}  // namespace amqp_error

// kUnsupported: a backend that cannot honour an operation or option faithfully says so
// with this reason (and what it cannot do) rather than diverge; e.g. FIFO groups on
// RabbitMQ. The conformance suite marks such cases as skipped, by name.
namespace broker_error {
inline constexpr std::string_view kUnsupported = "UnsupportedOnThisBackend";
}  // namespace broker_error

namespace kafka_error {
inline constexpr std::string_view kTopicAlreadyExists = "TOPIC_ALREADY_EXISTS";
}  // namespace kafka_error

class MessageBroker {
 public:
  using ReceiveCallback = std::function<void(Result<std::vector<BrokerMessage>>)>;

  virtual ~MessageBroker() = default;

  // Queues (SQS). create_queue is idempotent for the same config; another config under
  // a used name is QueueNameExists. A redrive policy's dead-letter queue must exist and
  // be of the same kind.
  virtual Status create_queue(std::string_view name, const QueueConfig& config) = 0;
  virtual Status delete_queue(std::string_view name) = 0;
  virtual std::vector<std::string> list_queues(std::string_view prefix) const = 0;
  virtual Result<BrokerSendResult> send(std::string_view queue, BrokerSendRequest request) = 0;
  // receive: `done` is called once, from the scheduler.
  virtual void receive(std::string_view queue, const ReceiveRequest& request, ReceiveCallback done) = 0;
  virtual Result<DeleteResult> delete_message(std::string_view queue, std::string_view receipt_handle) = 0;
  virtual Status change_visibility(std::string_view queue, std::string_view receipt_handle, time::Duration timeout) = 0;
  virtual Status purge(std::string_view queue) = 0;
  virtual Result<QueueStats> queue_stats(std::string_view queue) const = 0;
  // queue_config: the queue's attributes.
  virtual Result<QueueConfig> queue_config(std::string_view queue) const = 0;
  // set_queue_attributes: new attributes for an existing queue (SetQueueAttributes). A
  // queue cannot change kind (standard or FIFO); a redrive policy's dead-letter queue
  // must exist, be of the same kind and not be the queue itself. sluice's own bounds
  // (max_messages, max_in_flight, max_waiting_receives) stay as they were.
  virtual Status set_queue_attributes(std::string_view queue, const QueueConfig& config) = 0;

  // AMQP queues: pushed to consumers, settled by ack/nack, dead-lettered through an
  // exchange. Names are shared with the SQS queues. Declaring again with the same
  // declaration is harmless.
  virtual Status declare_amqp_queue(std::string_view name, const AmqpQueueDeclaration& declaration) = 0;
  virtual Status consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                         AmqpQueue::DeliveryCallback deliver) = 0;
  virtual Status cancel(std::string_view queue, std::string_view consumer_tag) = 0;
  virtual Status ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple = false) = 0;
  virtual Status nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple = false) = 0;

  // Routing (AMQP). publish sends a copy to every queue (SQS or AMQP) the exchange
  // routes it to and returns their names, once stored (a publisher confirm); none
  // means unroutable, which with `mandatory` is a NO_ROUTE error (the message is
  // returned). Every target must accept the message (FIFO fields, a queue refusing
  // overflow, and all) or nothing is sent and the error says which refused it.
  virtual Status declare_exchange(std::string_view name, ExchangeType type) = 0;
  virtual Status bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                            const Headers& arguments = {}) = 0;
  virtual Result<std::vector<std::string>> publish(std::string_view exchange, std::string_view routing_key,
                                                   const Headers& headers, const BrokerSendRequest& request,
                                                   bool mandatory = false) = 0;

  // Logs (Kafka). create_topic is idempotent for the same config; another config under
  // a used name is TOPIC_ALREADY_EXISTS. Consumer groups are made on first join.
  virtual Status create_topic(std::string_view name, const TopicConfig& config) = 0;
  virtual Result<AppendResult> append(std::string_view topic, AppendRequest request) = 0;
  virtual Result<std::vector<LogRecord>> fetch(std::string_view topic, std::uint32_t partition, std::int64_t offset,
                                               std::size_t max_records) = 0;
  virtual Result<std::int64_t> offset_for_time(std::string_view topic, std::uint32_t partition, time::Instant when) = 0;
  virtual Result<std::uint64_t> join_group(std::string_view topic, std::string_view group, std::string_view member) = 0;
  virtual Status leave_group(std::string_view topic, std::string_view group, std::string_view member) = 0;
  virtual Status heartbeat(std::string_view topic, std::string_view group, std::string_view member) = 0;
  virtual Result<std::vector<std::uint32_t>> assignment(std::string_view topic, std::string_view group,
                                                        std::string_view member) = 0;
  virtual Status commit(std::string_view topic, std::string_view group, std::string_view member,
                        std::uint64_t generation, std::uint32_t partition, std::int64_t offset) = 0;
  virtual Result<std::optional<std::int64_t>> committed(std::string_view topic, std::string_view group,
                                                        std::uint32_t partition) = 0;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_MESSAGE_BROKER_H_
