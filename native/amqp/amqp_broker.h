// amqp_broker.h: AmqpBroker, the MessageBroker interface on RabbitMQ, so services and
// the saga layer keep their code and move to a distributed broker:
//
//   auto broker = AmqpBroker::connect(scheduler, {.url = "amqp://guest:guest@127.0.0.1:5672/"});
//   (*broker)->create_queue("notification-events", {.redrive = RedrivePolicy{"dlq", 5}});
//   (*broker)->publish("orders", "order.created", {}, {.body = event});
//   (*broker)->pump(10ms);  // reads deliveries; callbacks run from the scheduler
//
// How each model maps onto RabbitMQ:
// - SQS queues are quorum queues. A receive is basic.get; what it got stays unacked
//   (in flight) until deleted (basic.ack) or until its visibility timeout, kept here on
//   the scheduler, runs out (basic.nack, requeued). maxReceiveCount is the queue's
//   x-delivery-limit (maxReceiveCount - 1 returns allowed), the dead-letter queue is
//   reached through the default exchange. Long polls ask again every
//   `long_poll_interval`, and at once after this client sends to the queue.
// - Exchanges, bindings, AMQP queues (priority, TTL, max length, overflow, DLX),
//   prefetch, ack and nack are RabbitMQ's own. Publishes wait for the publisher
//   confirm; every publish is mandatory on the wire, so an unroutable one is known.
// Unsupported here, and refused with broker_error::kUnsupported rather than diverging:
// FIFO queues (groups, deduplication), delays, a retention other than SQS's default,
// changing a queue's server-side attributes after creation, and Kafka-style logs.
// Divergences that cannot be refused are documented where they occur: list_queues and
// the queue names a publish returns know only what this client declared (AMQP cannot
// list them), and a publish a reject-publish queue refuses still reaches the others.
//
// Reconnection: a lost connection is reopened on the next call, everything this client
// declared is declared again and its consumers resubscribe; a publish whose confirm
// did not come is sent again (at least once), and messages in flight were requeued by
// the server, so their receipt handles and delivery tags are stale.
// Every call is synchronous (a loopback round trip); use from the scheduler's thread.
#ifndef SLUICE_NATIVE_AMQP_AMQP_BROKER_H_
#define SLUICE_NATIVE_AMQP_AMQP_BROKER_H_

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/broker/exchange_router.h"
#include "core/broker/message_broker.h"
#include "core/time/prng.h"
#include "core/time/scheduler.h"
#include "native/amqp/amqp_session.h"

namespace sluice::native {

struct AmqpBrokerOptions {
  std::string url = "amqp://guest:guest@127.0.0.1:5672";
  std::chrono::milliseconds long_poll_interval{50};
  std::chrono::milliseconds reconnect_for{30'000};
};

// without_password: an AMQP URL fit for logs and errors ("amqp://127.0.0.1:5672").
inline std::string without_password(std::string_view url) {
  const std::size_t at = url.rfind('@');
  return at == std::string_view::npos ? std::string(url) : "amqp://" + std::string(url.substr(at + 1));
}

class AmqpBroker final : public broker::MessageBroker {
 public:
  // connect: REQUIRES the scheduler outlives the broker.
  static Result<std::unique_ptr<AmqpBroker>> connect(time::Scheduler& scheduler, AmqpBrokerOptions options);
  ~AmqpBroker() override;

  // pump: reads what RabbitMQ pushed (deliveries to consumers) for up to `wait`; their
  // callbacks run from the scheduler. Reconnects first if consumers are waiting on a
  // lost connection.
  void pump(std::chrono::milliseconds wait);
  AmqpSession& session() { return *session_; }
  // delete_declared: deletes every queue and exchange this client declared (tests start
  // from a clean server this way).
  Status delete_declared();

  Status create_queue(std::string_view name, const broker::QueueConfig& config) override;
  Status delete_queue(std::string_view name) override;
  std::vector<std::string> list_queues(std::string_view prefix) const override;
  Result<broker::BrokerSendResult> send(std::string_view queue, broker::BrokerSendRequest request) override;
  void receive(std::string_view queue, const broker::ReceiveRequest& request, ReceiveCallback done) override;
  Result<broker::DeleteResult> delete_message(std::string_view queue, std::string_view receipt_handle) override;
  Status change_visibility(std::string_view queue, std::string_view receipt_handle, time::Duration timeout) override;
  Status purge(std::string_view queue) override;
  Result<broker::QueueStats> queue_stats(std::string_view queue) const override;
  Result<broker::QueueConfig> queue_config(std::string_view queue) const override;
  Status set_queue_attributes(std::string_view queue, const broker::QueueConfig& config) override;

  Status declare_amqp_queue(std::string_view name, const broker::AmqpQueueDeclaration& declaration) override;
  Status consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                 broker::AmqpQueue::DeliveryCallback deliver) override;
  Status cancel(std::string_view queue, std::string_view consumer_tag) override;
  Status ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) override;
  Status nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) override;

  Status declare_exchange(std::string_view name, broker::ExchangeType type) override;
  Status bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                    const broker::Headers& arguments) override;
  Result<std::vector<std::string>> publish(std::string_view exchange, std::string_view routing_key,
                                           const broker::Headers& headers, const broker::BrokerSendRequest& request,
                                           bool mandatory) override;

  Status create_topic(std::string_view name, const broker::TopicConfig& config) override;
  Result<broker::AppendResult> append(std::string_view topic, broker::AppendRequest request) override;
  Result<std::vector<broker::LogRecord>> fetch(std::string_view topic, std::uint32_t partition, std::int64_t offset,
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

 private:
  struct SqsQueue {
    broker::QueueConfig config;
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t deleted = 0;
  };
  struct InFlight {
    std::string queue;
    std::string message_id;
    std::uint64_t generation;
    std::uint64_t tag;
    time::TimerId visibility_timer;
  };
  struct Consumer {
    std::string queue;
    std::uint32_t prefetch;
    broker::AmqpQueue::DeliveryCallback deliver;
  };
  struct Binding {
    std::string queue;
    std::string exchange;
    std::string key;
    broker::Headers arguments;
  };
  struct Waiter {
    std::string queue;
    broker::ReceiveRequest request;
    ReceiveCallback done;
    time::Instant deadline;
  };

  AmqpBroker(time::Scheduler& scheduler, AmqpBrokerOptions options);

  // retrying: runs `call`, and once more if it failed because the connection was lost
  // (the second try reconnects first).
  template <typename Call>
  auto retrying(Call call) -> decltype(call());
  // exists: whether RabbitMQ has the queue (a passive declare); its ready count too.
  Result<std::optional<std::uint32_t>> ready_count(std::string_view queue) const;
  Status require_queue(std::string_view queue) const;
  Status declare_sqs_queue(std::string_view name, const broker::QueueConfig& config);
  Status declare_classic_queue(std::string_view name, const broker::AmqpQueueDeclaration& declaration);
  Status declare_exchange_on_server(std::string_view name, broker::ExchangeType type);
  Status bind_on_server(const Binding& binding);
  Status subscribe(std::string_view consumer_tag, const Consumer& consumer);
  Status redeclare_everything();
  Result<std::vector<broker::BrokerMessage>> take(std::string_view queue, const broker::ReceiveRequest& request);
  void expire(const std::string& handle);
  void serve_waiters(std::string_view queue);
  void poll_waiters();
  void on_delivery(AmqpIncoming incoming);
  // settle: ack (no `requeue`) or nack a consumer's delivery.
  Status settle(std::string_view queue, std::uint64_t delivery_tag, bool multiple, std::optional<bool> requeue);
  Result<std::vector<std::string>> publish_once(std::string_view exchange, std::string_view routing_key,
                                                const broker::Headers& headers,
                                                const broker::BrokerSendRequest& request, bool mandatory,
                                                const std::string& message_id);

  time::Scheduler& scheduler_;
  AmqpBrokerOptions options_;
  time::Prng prng_;
  std::unique_ptr<AmqpSession> session_;
  std::map<std::string, SqsQueue, std::less<>> sqs_queues_;
  std::map<std::string, broker::AmqpQueueDeclaration, std::less<>> amqp_queues_;
  std::map<std::string, broker::ExchangeType, std::less<>> exchanges_;
  std::vector<Binding> bindings_;
  broker::ExchangeRouter routes_;  // the bindings this client made: which queues a publish reached
  std::map<std::string, InFlight, std::less<>> in_flight_;         // receipt handle -> message
  std::map<std::string, std::string, std::less<>> latest_handle_;  // message id -> its newest handle
  std::map<std::string, Consumer, std::less<>> consumers_;         // consumer tag -> consumer
  struct Unsettled {
    std::string queue;
    std::string consumer;
    std::uint64_t server_tag;
  };
  std::map<std::uint64_t, Unsettled> unacked_;  // our delivery tag -> the delivery
  std::vector<Waiter> waiters_;
  time::TimerId poll_timer_;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_AMQP_AMQP_BROKER_H_
