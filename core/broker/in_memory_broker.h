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
#include "core/broker/exchange_router.h"
#include "core/broker/fifo_queue.h"
#include "core/broker/message_broker.h"
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
  InMemoryBrokerLimits limits_;
  ExchangeRouter router_;
  std::map<std::string, Queue, std::less<>> queues_;
  std::map<std::string, Amqp, std::less<>> amqp_queues_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_IN_MEMORY_BROKER_H_
