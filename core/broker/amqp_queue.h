// amqp_queue.h: AmqpQueue, a RabbitMQ (AMQP 0-9-1) queue: messages pushed to
// consumers within their prefetch, acknowledged, rejected or requeued; priorities;
// a maximum length; per-queue and per-message TTL; dead-lettering.
//
//   AmqpQueue queue("notifications", {.max_priority = 5, .max_length = 10'000}, scheduler);
//   queue.publish({.body = "...", .priority = 3});
//   queue.consume("worker-1", /*prefetch=*/10, [&](const AmqpDelivery& d) {
//     handle(d.body);
//     queue.ack(d.delivery_tag);  // or nack(d.delivery_tag, /*requeue=*/true)
//   });
//
// Delivery: higher priority first (0 to max_priority), FIFO within a priority;
// consumers take turns (round robin) among those with fewer unacknowledged messages
// than their prefetch (0: no limit). Deliveries run from the scheduler, never inside
// publish() or ack(). A requeued message goes back to the front of its priority with
// `redelivered` set. Cancelling a consumer requeues what it had not acknowledged.
//
// Overflow at max_length (or max_length_bytes): kDropHead drops the oldest message
// (dead-lettering it, reason "maxlen"); kRejectPublish refuses the new one
// (publish() says so: a publisher confirm's nack).
//
// TTL: a message expires message_ttl (the queue's x-message-ttl) or `expiration` (its
// own, the shorter) after it was enqueued, and is dead-lettered (reason "expired").
// Rejected without requeue: reason "rejected". Dead letters go to the DeadLetterSink
// with the reason, as RabbitMQ records it in x-death; the broker routes them through
// the queue's dead-letter exchange. Events: "amqp.published", "amqp.delivered",
// "amqp.acked", "amqp.nacked", "amqp.expired", "amqp.dead_lettered", "amqp.dropped".
// Externally synchronised, like its Scheduler.
#ifndef SLUICE_CORE_BROKER_AMQP_QUEUE_H_
#define SLUICE_CORE_BROKER_AMQP_QUEUE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/base/result.h"
#include "core/broker/exchange_router.h"
#include "core/observe/event.h"
#include "core/time/scheduler.h"

namespace sluice::broker {

enum class Overflow : std::uint8_t { kDropHead, kRejectPublish };

struct AmqpQueueConfig {
  std::uint8_t max_priority = 0;       // x-max-priority; 0: no priorities
  std::uint32_t max_length = 0;        // x-max-length; 0: no limit
  std::uint64_t max_length_bytes = 0;  // x-max-length-bytes; 0: no limit
  Overflow overflow = Overflow::kDropHead;
  std::optional<time::Duration> message_ttl;  // x-message-ttl
  std::uint32_t max_consumers = 1'000;

  Status validate() const;
};

struct AmqpMessage {
  std::string body;
  Headers headers;
  std::string routing_key;
  std::uint8_t priority = 0;                 // above max_priority counts as max_priority
  std::optional<time::Duration> expiration;  // per-message TTL
};

struct AmqpDelivery {
  std::uint64_t delivery_tag;
  std::string consumer;
  std::string body;
  Headers headers;
  std::string routing_key;
  std::uint8_t priority;
  bool redelivered;
};

enum class PublishOutcome { kQueued, kRejectedOverflow };

class AmqpQueue {
 public:
  using DeliveryCallback = std::function<void(const AmqpDelivery&)>;
  // DeadLetterSink: a message leaving the queue as dead, and why ("rejected",
  // "expired", "maxlen").
  using DeadLetterSink = std::function<void(AmqpMessage message, std::string_view reason)>;

  // REQUIRES: config.validate().ok(); scheduler and sink outlive the queue.
  AmqpQueue(std::string name, AmqpQueueConfig config, time::Scheduler& scheduler, observe::EventSink* events = nullptr);
  ~AmqpQueue();

  AmqpQueue(const AmqpQueue&) = delete;
  AmqpQueue& operator=(const AmqpQueue&) = delete;

  void set_dead_letter_sink(DeadLetterSink sink) { dead_letters_ = std::move(sink); }

  PublishOutcome publish(AmqpMessage message);

  // consume: pushes messages to `deliver`, at most `prefetch` unacknowledged (0: no
  // limit). A consumer tag is unique in the queue.
  Status consume(std::string_view consumer_tag, std::uint32_t prefetch, DeliveryCallback deliver);
  // cancel: stops the consumer; its unacknowledged messages are requeued.
  Status cancel(std::string_view consumer_tag);

  // ack, nack: settle a delivery (with `multiple`, every earlier delivery of the same
  // consumer too). nack with requeue puts it back; without, it is dead-lettered.
  Status ack(std::uint64_t delivery_tag, bool multiple = false);
  Status nack(std::uint64_t delivery_tag, bool requeue, bool multiple = false);

  std::size_t ready() const { return ready_count_; }
  std::size_t unacknowledged() const { return unacked_.size(); }
  const std::string& name() const { return name_; }

 private:
  struct Stored {
    AmqpMessage message;
    time::Instant enqueued_at;
    std::optional<time::Instant> expires_at;
    bool redelivered = false;
  };

  struct Consumer {
    std::uint32_t prefetch;
    DeliveryCallback deliver;
    std::uint32_t unacked = 0;
  };

  struct Unacked {
    Stored stored;
    std::string consumer;
  };

  std::size_t level_of(std::uint8_t priority) const;
  void enqueue(Stored stored, bool front);
  std::optional<Stored> take_head();
  Consumer* next_consumer();
  void schedule_dispatch();
  void dispatch();
  void expire_heads();
  void dead_letter(Stored stored, std::string_view reason);
  Status settle(std::uint64_t delivery_tag, bool multiple, const std::function<void(Unacked)>& settle_one);
  void report(std::string_view what, std::int64_t value = 0);

  const std::string name_;
  const AmqpQueueConfig config_;
  time::Scheduler& scheduler_;
  observe::EventSink* events_;
  DeadLetterSink dead_letters_;
  std::vector<std::deque<Stored>> levels_;  // one FIFO per priority, highest last
  std::size_t ready_count_ = 0;
  std::uint64_t ready_bytes_ = 0;
  std::map<std::string, Consumer, std::less<>> consumers_;
  std::string last_consumer_;                 // round robin: the next consumer after this one
  std::map<std::uint64_t, Unacked> unacked_;  // by delivery tag
  std::uint64_t last_delivery_tag_ = 0;
  bool dispatch_scheduled_ = false;
  time::TimerId dispatch_timer_;
  time::TimerId expiry_timer_;
};

}  // namespace sluice::broker

#endif  // SLUICE_CORE_BROKER_AMQP_QUEUE_H_
