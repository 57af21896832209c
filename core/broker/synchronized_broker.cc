#include "core/broker/synchronized_broker.h"

#include <utility>

namespace sluice::broker {

using Lock = std::scoped_lock<RecursiveLock>;

time::TimerId SynchronizedBroker::LockingScheduler::schedule_at(time::Instant deadline, Callback callback) {
  return inner_.schedule_at(deadline, [&lock = lock_, callback = std::move(callback)] {
    Lock guard(lock);
    callback();
  });
}

SynchronizedBroker::SynchronizedBroker(time::Scheduler& scheduler, const MakeBackend& make_backend)
    : scheduler_(scheduler, lock_), backend_(make_backend(scheduler_)) {}

// The backend cancels its timers as it goes; it must not do so while a callback runs.
SynchronizedBroker::~SynchronizedBroker() {
  Lock guard(lock_);
  backend_.reset();
}

Status SynchronizedBroker::create_queue(std::string_view name, const QueueConfig& config) {
  Lock guard(lock_);
  return backend_->create_queue(name, config);
}
Status SynchronizedBroker::delete_queue(std::string_view name) {
  Lock guard(lock_);
  return backend_->delete_queue(name);
}
std::vector<std::string> SynchronizedBroker::list_queues(std::string_view prefix) const {
  Lock guard(lock_);
  return backend_->list_queues(prefix);
}
Result<BrokerSendResult> SynchronizedBroker::send(std::string_view queue, BrokerSendRequest request) {
  Lock guard(lock_);
  return backend_->send(queue, std::move(request));
}
void SynchronizedBroker::receive(std::string_view queue, const ReceiveRequest& request, ReceiveCallback done) {
  Lock guard(lock_);
  backend_->receive(queue, request, std::move(done));
}
Result<DeleteResult> SynchronizedBroker::delete_message(std::string_view queue, std::string_view receipt_handle) {
  Lock guard(lock_);
  return backend_->delete_message(queue, receipt_handle);
}
Status SynchronizedBroker::change_visibility(std::string_view queue, std::string_view receipt_handle,
                                             time::Duration timeout) {
  Lock guard(lock_);
  return backend_->change_visibility(queue, receipt_handle, timeout);
}
Status SynchronizedBroker::purge(std::string_view queue) {
  Lock guard(lock_);
  return backend_->purge(queue);
}
Result<QueueStats> SynchronizedBroker::queue_stats(std::string_view queue) const {
  Lock guard(lock_);
  return backend_->queue_stats(queue);
}

Result<QueueConfig> SynchronizedBroker::queue_config(std::string_view queue) const {
  Lock guard(lock_);
  return backend_->queue_config(queue);
}

Status SynchronizedBroker::set_queue_attributes(std::string_view queue, const QueueConfig& config) {
  Lock guard(lock_);
  return backend_->set_queue_attributes(queue, config);
}

Status SynchronizedBroker::declare_amqp_queue(std::string_view name, const AmqpQueueDeclaration& declaration) {
  Lock guard(lock_);
  return backend_->declare_amqp_queue(name, declaration);
}
Status SynchronizedBroker::consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                                   AmqpQueue::DeliveryCallback deliver) {
  Lock guard(lock_);
  return backend_->consume(queue, consumer_tag, prefetch, std::move(deliver));
}
Status SynchronizedBroker::cancel(std::string_view queue, std::string_view consumer_tag) {
  Lock guard(lock_);
  return backend_->cancel(queue, consumer_tag);
}
Status SynchronizedBroker::ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) {
  Lock guard(lock_);
  return backend_->ack(queue, delivery_tag, multiple);
}
Status SynchronizedBroker::nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) {
  Lock guard(lock_);
  return backend_->nack(queue, delivery_tag, requeue, multiple);
}

Status SynchronizedBroker::declare_exchange(std::string_view name, ExchangeType type) {
  Lock guard(lock_);
  return backend_->declare_exchange(name, type);
}
Status SynchronizedBroker::bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                                      const Headers& arguments) {
  Lock guard(lock_);
  return backend_->bind_queue(queue, exchange, key, arguments);
}
Result<std::vector<std::string>> SynchronizedBroker::publish(std::string_view exchange, std::string_view routing_key,
                                                             const Headers& headers, const BrokerSendRequest& request,
                                                             bool mandatory) {
  Lock guard(lock_);
  return backend_->publish(exchange, routing_key, headers, request, mandatory);
}

Status SynchronizedBroker::create_topic(std::string_view name, const TopicConfig& config) {
  Lock guard(lock_);
  return backend_->create_topic(name, config);
}
Result<AppendResult> SynchronizedBroker::append(std::string_view topic, AppendRequest request) {
  Lock guard(lock_);
  return backend_->append(topic, std::move(request));
}
Result<std::vector<LogRecord>> SynchronizedBroker::fetch(std::string_view topic, std::uint32_t partition,
                                                         std::int64_t offset, std::size_t max_records) {
  Lock guard(lock_);
  return backend_->fetch(topic, partition, offset, max_records);
}
Result<std::int64_t> SynchronizedBroker::offset_for_time(std::string_view topic, std::uint32_t partition,
                                                         time::Instant when) {
  Lock guard(lock_);
  return backend_->offset_for_time(topic, partition, when);
}
Result<std::uint64_t> SynchronizedBroker::join_group(std::string_view topic, std::string_view group,
                                                     std::string_view member) {
  Lock guard(lock_);
  return backend_->join_group(topic, group, member);
}
Status SynchronizedBroker::leave_group(std::string_view topic, std::string_view group, std::string_view member) {
  Lock guard(lock_);
  return backend_->leave_group(topic, group, member);
}
Status SynchronizedBroker::heartbeat(std::string_view topic, std::string_view group, std::string_view member) {
  Lock guard(lock_);
  return backend_->heartbeat(topic, group, member);
}
Result<std::vector<std::uint32_t>> SynchronizedBroker::assignment(std::string_view topic, std::string_view group,
                                                                  std::string_view member) {
  Lock guard(lock_);
  return backend_->assignment(topic, group, member);
}
Status SynchronizedBroker::commit(std::string_view topic, std::string_view group, std::string_view member,
                                  std::uint64_t generation, std::uint32_t partition, std::int64_t offset) {
  Lock guard(lock_);
  return backend_->commit(topic, group, member, generation, partition, offset);
}
Result<std::optional<std::int64_t>> SynchronizedBroker::committed(std::string_view topic, std::string_view group,
                                                                  std::uint32_t partition) {
  Lock guard(lock_);
  return backend_->committed(topic, group, partition);
}

}  // namespace sluice::broker
