// in_memory_broker.h: InMemoryBroker, the embedded MessageBroker: SQS queues
// (StandardQueue, FifoQueue) and RabbitMQ routing (ExchangeRouter) in this process, on
// the given Scheduler. Externally synchronised, like its Scheduler; the broker server
// runs it on one strand.
#ifndef SLUICE_CORE_BROKER_IN_MEMORY_BROKER_H_
#define SLUICE_CORE_BROKER_IN_MEMORY_BROKER_H_

#include <map>
#include <memory>
#include <string>
#include <variant>

#include "core/broker/amqp_queue.h"
#include "core/broker/consumer_group.h"
#include "core/broker/exchange_router.h"
#include "core/broker/fifo_queue.h"
#include "core/broker/message_broker.h"
#include "core/broker/partitioned_log.h"
#include "core/broker/queue_journal.h"
#include "core/broker/standard_queue.h"

namespace sluice::broker {

struct InMemoryBrokerLimits {
  std::size_t max_queues = 10'000;
};

class InMemoryBroker final : public MessageBroker {
 public:
  // REQUIRES: the scheduler and the sink outlive the broker.
  InMemoryBroker(time::Scheduler& scheduler, time::Prng prng, observe::EventSink* events = nullptr,
                 InMemoryBrokerLimits limits = {});
  ~InMemoryBroker() override;

  Status create_queue(std::string_view name, const QueueConfig& config) override;
  Status delete_queue(std::string_view name) override;
  std::vector<std::string> list_queues(std::string_view prefix) const override;
  Result<BrokerSendResult> send(std::string_view queue, BrokerSendRequest request) override;
  void receive(std::string_view queue, const ReceiveRequest& request, ReceiveCallback done) override;
  Result<DeleteResult> delete_message(std::string_view queue, std::string_view receipt_handle) override;
  Status change_visibility(std::string_view queue, std::string_view receipt_handle, time::Duration timeout) override;
  Status purge(std::string_view queue) override;
  Result<QueueStats> queue_stats(std::string_view queue) const override;
  Result<QueueConfig> queue_config(std::string_view queue) const override;
  Status set_queue_attributes(std::string_view queue, const QueueConfig& config) override;
  Status declare_amqp_queue(std::string_view name, const AmqpQueueDeclaration& declaration) override;
  Status consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                 AmqpQueue::DeliveryCallback deliver) override;
  Status cancel(std::string_view queue, std::string_view consumer_tag) override;
  Status ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) override;
  Status nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) override;
  Status declare_exchange(std::string_view name, ExchangeType type) override;
  Status bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                    const Headers& arguments) override;
  Result<std::vector<std::string>> publish(std::string_view exchange, std::string_view routing_key,
                                           const Headers& headers, const BrokerSendRequest& request,
                                           bool mandatory) override;
  Status create_topic(std::string_view name, const TopicConfig& config) override;
  Result<AppendResult> append(std::string_view topic, AppendRequest request) override;
  Result<std::vector<LogRecord>> fetch(std::string_view topic, std::uint32_t partition, std::int64_t offset,
                                       std::size_t max_records) override;
  Result<std::int64_t> offset_for_time(std::string_view topic, std::uint32_t partition, time::Instant when) override;
  Result<std::uint64_t> join_group(std::string_view topic, std::string_view group, std::string_view member) override;
  Status leave_group(std::string_view topic, std::string_view group, std::string_view member) override;
  Status heartbeat(std::string_view topic, std::string_view group, std::string_view member) override;
  Result<std::vector<std::uint32_t>> assignment(std::string_view topic, std::string_view group,
                                                std::string_view member) override;
  Status commit(std::string_view topic, std::string_view group, std::string_view member, std::uint64_t generation,
                std::uint32_t partition, std::int64_t offset) override;
  Result<std::optional<std::int64_t>> committed(std::string_view topic, std::string_view group,
                                                std::uint32_t partition) override;

  // set_journal: from now on, tell `journal` every change to SQS queues, exchanges and
  // bindings to SQS queues (null: nobody). REQUIRES: the journal outlives the broker or
  // is replaced first.
  void set_journal(QueueJournal* journal);

  // Restoring from a journal, before set_journal: queues, exchanges and bindings come
  // back through the ordinary calls; messages and deduplication windows through these.
  // restore_message: the message, at the end of the queue (or of its FIFO group).
  Status restore_message(std::string_view queue, const JournaledMessage& message);
  // restore_deduplication: a FIFO queue's deduplication entry (see FifoQueue).
  Status restore_deduplication(std::string_view queue, std::string_view key, std::string_view message_id,
                               std::uint64_t sequence, time::Instant expires);

 private:
  struct Queue {
    QueueConfig config;
    std::unique_ptr<StandardQueue> standard;  // exactly one of the two
    std::unique_ptr<FifoQueue> fifo;
  };

  struct Amqp {
    AmqpQueueDeclaration declaration;
    std::unique_ptr<AmqpQueue> queue;
  };

  Result<Queue*> find(std::string_view name);
  Result<AmqpQueue*> find_amqp(std::string_view name);

  struct Log {
    TopicConfig config;
    std::unique_ptr<Topic> topic;
    std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> groups;
  };
  Result<Log*> find_topic(std::string_view name);
  // find_group: the topic's group; made if `make` (a join), else an error if absent.
  Result<ConsumerGroup*> find_group(std::string_view topic, std::string_view group, bool make);
  // Checks that queue `name` (SQS or AMQP) would take the message now.
  Status check_target(std::string_view name, const BrokerSendRequest& request);
  // Delivers a copy to queue `name` (checked before).
  void deliver(std::string_view name, std::string_view routing_key, const BrokerSendRequest& request);
  void route_dead_letter(const std::string& source, const AmqpQueueDeclaration& declaration, AmqpMessage message,
                         std::string_view reason);
  Result<const Queue*> find(std::string_view name) const;
  static Status check_request(const Queue& queue, const BrokerSendRequest& request);
  Result<BrokerSendResult> send_to(Queue& queue, BrokerSendRequest request);

  time::Scheduler& scheduler_;
  time::Prng prng_;
  observe::EventSink* events_;
  QueueJournal* journal_ = nullptr;
  InMemoryBrokerLimits limits_;
  ExchangeRouter router_;
  std::map<std::string, Queue, std::less<>> queues_;
  std::map<std::string, Amqp, std::less<>> amqp_queues_;
  std::map<std::string, Log, std::less<>> topics_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_IN_MEMORY_BROKER_H_
