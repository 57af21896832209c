#include "core/broker/amqp_queue.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"

namespace sluice::broker {
namespace {

std::uint64_t size_of(const AmqpMessage& message) {
  std::uint64_t size = message.body.size();
  for (const auto& [name, value] : message.headers) size += name.size() + value.size();
  return size;
}

}  // namespace

Status AmqpQueueConfig::validate() const {
  if (message_ttl && *message_ttl < time::Duration::zero()) {
    return Status::invalid_argument("x-message-ttl must not be negative", amqp_error::kPreconditionFailed);
  }
  if (max_consumers < 1) {
    return Status::invalid_argument("max_consumers must be at least 1", amqp_error::kPreconditionFailed);
  }
  return Status();
}

AmqpQueue::AmqpQueue(std::string name, AmqpQueueConfig config, time::Scheduler& scheduler, observe::EventSink* events)
    : name_(std::move(name)), config_(config), scheduler_(scheduler), events_(events) {
  SLUICE_CHECK(config_.validate().ok());
  levels_.resize(std::size_t{config_.max_priority} + 1);
}

AmqpQueue::~AmqpQueue() {
  if (dispatch_timer_.valid()) scheduler_.cancel(dispatch_timer_);
  if (expiry_timer_.valid()) scheduler_.cancel(expiry_timer_);
}

std::size_t AmqpQueue::level_of(std::uint8_t priority) const {
  return std::min<std::size_t>(priority, config_.max_priority);
}

void AmqpQueue::enqueue(Stored stored, bool front) {
  ++ready_count_;
  ready_bytes_ += size_of(stored.message);
  std::deque<Stored>& level = levels_[level_of(stored.message.priority)];
  if (front) {
    level.push_front(std::move(stored));
  } else {
    level.push_back(std::move(stored));
  }
}

std::optional<AmqpQueue::Stored> AmqpQueue::take_head() {
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {  // highest priority first
    if (level->empty()) continue;
    Stored stored = std::move(level->front());
    level->pop_front();
    --ready_count_;
    ready_bytes_ -= size_of(stored.message);
    return stored;
  }
  return std::nullopt;
}

PublishOutcome AmqpQueue::publish(AmqpMessage message) {
  expire_heads();
  const auto over_limit = [this](std::uint64_t extra_bytes) {
    return (config_.max_length > 0 && ready_count_ >= config_.max_length) ||
           (config_.max_length_bytes > 0 && ready_bytes_ + extra_bytes > config_.max_length_bytes);
  };
  if (over_limit(size_of(message))) {
    if (config_.overflow == Overflow::kRejectPublish) {
      report("amqp.rejected_publish");
      return PublishOutcome::kRejectedOverflow;
    }
    // Drop-head: the oldest of the least important messages make room.
    while (ready_count_ > 0 && over_limit(size_of(message))) {
      const auto lowest = std::find_if(levels_.begin(), levels_.end(), [](const auto& l) { return !l.empty(); });
      Stored dropped = std::move(lowest->front());
      lowest->pop_front();
      --ready_count_;
      ready_bytes_ -= size_of(dropped.message);
      report("amqp.dropped");
      dead_letter(std::move(dropped), "maxlen");
    }
  }
  const time::Instant now = scheduler_.now();
  Stored stored{std::move(message), now, std::nullopt, false};
  std::optional<time::Duration> ttl = config_.message_ttl;
  if (stored.message.expiration && (!ttl || *stored.message.expiration < *ttl)) ttl = stored.message.expiration;
  if (ttl) stored.expires_at = now + *ttl;
  enqueue(std::move(stored), /*front=*/false);
  report("amqp.published");
  schedule_dispatch();
  return PublishOutcome::kQueued;
}

Status AmqpQueue::consume(std::string_view consumer_tag, std::uint32_t prefetch, DeliveryCallback deliver) {
  if (consumer_tag.empty() || consumers_.contains(consumer_tag)) {
    return Status(StatusCode::kFailedPrecondition,
                  "consumer tag \"" + std::string(consumer_tag) + "\" is empty or already used on queue " + name_,
                  amqp_error::kPreconditionFailed);
  }
  if (consumers_.size() >= config_.max_consumers) {
    return Status(StatusCode::kResourceExhausted, "queue " + name_ + " has its maximum of consumers",
                  amqp_error::kResourceLocked);
  }
  consumers_.emplace(std::string(consumer_tag), Consumer{prefetch, std::move(deliver), 0});
  schedule_dispatch();
  return Status();
}

Status AmqpQueue::cancel(std::string_view consumer_tag) {
  const auto it = consumers_.find(consumer_tag);
  if (it == consumers_.end()) {
    return Status(StatusCode::kNotFound, "no consumer \"" + std::string(consumer_tag) + "\" on queue " + name_,
                  amqp_error::kNotFound);
  }
  consumers_.erase(it);
  // Its unacknowledged messages go back to the front, in their order.
  for (auto entry = unacked_.rbegin(); entry != unacked_.rend();) {
    if (entry->second.consumer == consumer_tag) {
      Stored stored = std::move(entry->second.stored);
      stored.redelivered = true;
      enqueue(std::move(stored), /*front=*/true);
      entry = std::make_reverse_iterator(unacked_.erase(std::next(entry).base()));
    } else {
      ++entry;
    }
  }
  schedule_dispatch();
  return Status();
}

Status AmqpQueue::settle(std::uint64_t delivery_tag, bool multiple, const std::function<void(Unacked)>& settle_one) {
  const auto it = unacked_.find(delivery_tag);
  if (it == unacked_.end()) {
    return Status(StatusCode::kFailedPrecondition,
                  "unknown delivery tag " + std::to_string(delivery_tag) + " on queue " + name_,
                  amqp_error::kPreconditionFailed);
  }
  const std::string consumer = it->second.consumer;
  std::vector<std::uint64_t> tags;
  if (multiple) {
    for (auto entry = unacked_.begin(); entry != unacked_.end() && entry->first <= delivery_tag; ++entry) {
      if (entry->second.consumer == consumer) tags.push_back(entry->first);
    }
  } else {
    tags.push_back(delivery_tag);
  }
  for (std::uint64_t tag : tags) {
    auto node = unacked_.extract(tag);
    if (const auto owner = consumers_.find(node.mapped().consumer); owner != consumers_.end()) --owner->second.unacked;
    settle_one(std::move(node.mapped()));
  }
  schedule_dispatch();
  return Status();
}

Status AmqpQueue::ack(std::uint64_t delivery_tag, bool multiple) {
  return settle(delivery_tag, multiple, [this](Unacked) { report("amqp.acked"); });
}

Status AmqpQueue::nack(std::uint64_t delivery_tag, bool requeue, bool multiple) {
  return settle(delivery_tag, multiple, [this, requeue](Unacked settled) {
    report("amqp.nacked");
    if (requeue) {
      settled.stored.redelivered = true;
      enqueue(std::move(settled.stored), /*front=*/true);
    } else {
      dead_letter(std::move(settled.stored), "rejected");
    }
  });
}

AmqpQueue::Consumer* AmqpQueue::next_consumer() {
  // Round robin: the first consumer with room after the last one served, wrapping.
  auto start = consumers_.upper_bound(last_consumer_);
  for (std::size_t i = 0; i < consumers_.size(); ++i) {
    if (start == consumers_.end()) start = consumers_.begin();
    Consumer& consumer = start->second;
    if (consumer.prefetch == 0 || consumer.unacked < consumer.prefetch) {
      last_consumer_ = start->first;
      return &consumer;
    }
    ++start;
  }
  return nullptr;
}

void AmqpQueue::schedule_dispatch() {
  if (dispatch_scheduled_) return;
  dispatch_scheduled_ = true;
  dispatch_timer_ = scheduler_.schedule_after(time::Duration::zero(), [this] {
    dispatch_timer_ = {};
    dispatch_scheduled_ = false;
    dispatch();
  });
}

void AmqpQueue::dispatch() {
  expire_heads();
  // Assign first, call consumers after: a callback may ack, nack or cancel.
  std::vector<std::pair<DeliveryCallback, AmqpDelivery>> deliveries;
  while (ready_count_ > 0) {
    Consumer* consumer = next_consumer();
    if (consumer == nullptr) break;
    std::optional<Stored> stored = take_head();
    ++consumer->unacked;
    const std::uint64_t tag = ++last_delivery_tag_;
    const AmqpMessage& m = stored->message;
    deliveries.emplace_back(consumer->deliver, AmqpDelivery{tag, last_consumer_, m.body, m.headers, m.routing_key,
                                                            m.priority, stored->redelivered});
    unacked_.emplace(tag, Unacked{std::move(*stored), last_consumer_});
    report("amqp.delivered", static_cast<std::int64_t>(tag));
  }
  // Re-arm the expiry timer for the earliest head still waiting.
  if (expiry_timer_.valid()) scheduler_.cancel(std::exchange(expiry_timer_, {}));
  std::optional<time::Instant> earliest;
  for (const auto& level : levels_) {
    if (!level.empty() && level.front().expires_at && (!earliest || *level.front().expires_at < *earliest)) {
      earliest = level.front().expires_at;
    }
  }
  if (earliest) {
    expiry_timer_ = scheduler_.schedule_at(*earliest, [this] {
      expiry_timer_ = {};
      dispatch();
    });
  }
  for (auto& [deliver, delivery] : deliveries) deliver(delivery);
}

void AmqpQueue::expire_heads() {
  // As RabbitMQ: a message expires when it reaches the head of the queue.
  const time::Instant now = scheduler_.now();
  for (auto& level : levels_) {
    while (!level.empty() && level.front().expires_at && *level.front().expires_at <= now) {
      Stored expired = std::move(level.front());
      level.pop_front();
      --ready_count_;
      ready_bytes_ -= size_of(expired.message);
      report("amqp.expired");
      dead_letter(std::move(expired), "expired");
    }
  }
}

void AmqpQueue::dead_letter(Stored stored, std::string_view reason) {
  report("amqp.dead_lettered");
  if (dead_letters_) dead_letters_(std::move(stored.message), reason);
}

void AmqpQueue::report(std::string_view what, std::int64_t value) {
  if (events_ == nullptr) return;
  const observe::Attribute attribute{"delivery_tag", value};
  events_->on_event(observe::Event{what, name_, scheduler_.now(), {}, {&attribute, value != 0 ? 1u : 0u}});
}

}  // namespace sluice::broker
