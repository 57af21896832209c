#include "core/broker/in_memory_broker.h"

#include <array>
#include <utility>

#include "core/broker/sqs_rules.h"

namespace sluice::broker {
namespace {

Status no_such_queue(std::string_view name) {
  return Status(StatusCode::kNotFound, "queue " + std::string(name) + " does not exist", sqs_error::kQueueDoesNotExist);
}

BrokerMessage from_standard(ReceivedMessage message) { return BrokerMessage{std::move(message), {}, {}}; }

BrokerMessage from_fifo(FifoReceivedMessage message) {
  return BrokerMessage{std::move(message.message), std::move(message.group_id), std::move(message.sequence_number)};
}

}  // namespace

InMemoryBroker::InMemoryBroker(time::Scheduler& scheduler, time::Prng prng, observe::EventSink* events,
                               InMemoryBrokerLimits limits)
    : scheduler_(scheduler), prng_(prng), events_(events), limits_(limits) {}

InMemoryBroker::~InMemoryBroker() = default;

Result<InMemoryBroker::Queue*> InMemoryBroker::find(std::string_view name) {
  const auto it = queues_.find(name);
  if (it == queues_.end()) return no_such_queue(name);
  return &it->second;
}

Result<const InMemoryBroker::Queue*> InMemoryBroker::find(std::string_view name) const {
  const auto it = queues_.find(name);
  if (it == queues_.end()) return no_such_queue(name);
  return &it->second;
}

Status InMemoryBroker::create_queue(std::string_view name, const QueueConfig& config) {
  SLUICE_RETURN_IF_ERROR(validate_queue_name(name, config.fifo));
  SLUICE_RETURN_IF_ERROR(config.validate());
  if (amqp_queues_.contains(name)) {
    return Status(StatusCode::kFailedPrecondition, "an AMQP queue is named " + std::string(name),
                  sqs_error::kQueueNameExists);
  }
  if (const auto existing = queues_.find(name); existing != queues_.end()) {
    if (existing->second.config == config) return Status();  // CreateQueue is idempotent
    return Status(StatusCode::kFailedPrecondition,
                  "queue " + std::string(name) + " already exists with other attributes", sqs_error::kQueueNameExists);
  }
  if (queues_.size() >= limits_.max_queues) {
    return Status(StatusCode::kResourceExhausted, "at most " + std::to_string(limits_.max_queues) + " queues",
                  sqs_error::kOverLimit);
  }
  Queue* dead_letter = nullptr;
  if (config.redrive) {
    const auto target = queues_.find(config.redrive->dead_letter_queue);
    if (target == queues_.end()) {
      return Status::invalid_argument(
          "the redrive policy's dead-letter queue " + config.redrive->dead_letter_queue + " does not exist",
          sqs_error::kInvalidParameterValue);
    }
    if (target->second.config.fifo != config.fifo) {
      return Status::invalid_argument("a dead-letter queue must be of the same kind (standard or FIFO) as its source",
                                      sqs_error::kInvalidParameterValue);
    }
    dead_letter = &target->second;
  }
  Queue queue{config, nullptr, nullptr};
  if (config.fifo) {
    queue.fifo = std::make_unique<FifoQueue>(std::string(name), config, scheduler_, prng_.fork(), events_);
    if (dead_letter != nullptr) queue.fifo->set_dead_letter_queue(dead_letter->fifo.get());
  } else {
    queue.standard = std::make_unique<StandardQueue>(std::string(name), config, scheduler_, prng_.fork(), events_);
    if (dead_letter != nullptr) queue.standard->set_dead_letter_queue(dead_letter->standard.get());
  }
  if (queue.fifo) queue.fifo->set_journal(journal_);
  if (queue.standard) queue.standard->set_journal(journal_);
  queues_.emplace(std::string(name), std::move(queue));
  if (journal_ != nullptr) journal_->queue_configured(name, config);
  return Status();
}

Status InMemoryBroker::delete_queue(std::string_view name) {
  if (const auto amqp = amqp_queues_.find(name); amqp != amqp_queues_.end()) {
    router_.remove_queue(name);
    amqp_queues_.erase(amqp);
    return Status();
  }
  const auto it = queues_.find(name);
  if (it == queues_.end()) return no_such_queue(name);
  // Sources that dead-letter into it stop doing so; its bindings go with it.
  for (auto& [source_name, source] : queues_) {
    if (source.config.redrive && source.config.redrive->dead_letter_queue == name) {
      if (source.standard) source.standard->set_dead_letter_queue(nullptr);
      if (source.fifo) source.fifo->set_dead_letter_queue(nullptr);
    }
  }
  router_.remove_queue(name);
  queues_.erase(it);
  if (journal_ != nullptr) journal_->queue_deleted(name);
  return Status();
}

std::vector<std::string> InMemoryBroker::list_queues(std::string_view prefix) const {
  std::vector<std::string> names;
  for (auto it = queues_.lower_bound(prefix); it != queues_.end() && it->first.starts_with(prefix); ++it) {
    names.push_back(it->first);
  }
  return names;
}

Status InMemoryBroker::check_request(const Queue& queue, const BrokerSendRequest& request) {
  if (!queue.config.fifo &&
      (!request.group_id.empty() || !request.deduplication_id.empty() || request.content_sha256)) {
    return Status::invalid_argument("MessageGroupId and MessageDeduplicationId are for FIFO queues only",
                                    sqs_error::kInvalidParameterValue);
  }
  return Status();
}

Result<BrokerSendResult> InMemoryBroker::send_to(Queue& queue, BrokerSendRequest request) {
  SLUICE_RETURN_IF_ERROR(check_request(queue, request));
  if (queue.standard) {
    Result<std::string> id =
        queue.standard->send({std::move(request.body), std::move(request.attributes), request.delay});
    if (!id.ok()) return id.status();
    return BrokerSendResult{*id, {}, false};
  }
  Result<FifoSendResult> sent =
      queue.fifo->send({std::move(request.body), std::move(request.attributes), std::move(request.group_id),
                        std::move(request.deduplication_id), request.content_sha256, request.delay});
  if (!sent.ok()) return sent.status();
  return BrokerSendResult{sent->message_id, sent->sequence_number, sent->deduplicated};
}

Result<BrokerSendResult> InMemoryBroker::send(std::string_view queue_name, BrokerSendRequest request) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return send_to(**queue, std::move(request));
}

void InMemoryBroker::receive(std::string_view queue_name, const ReceiveRequest& request, ReceiveCallback done) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) {
    scheduler_.schedule_after(time::Duration::zero(),
                              [done = std::move(done), status = queue.status()] { done(status); });
    return;
  }
  // The received messages are moved, not copied, into the answer.
  auto convert = [done = std::move(done)](auto result, auto from) {
    if (!result.ok()) return done(result.status());
    std::vector<BrokerMessage> messages;
    messages.reserve(result->size());
    for (auto& message : *result) messages.push_back(from(std::move(message)));
    done(std::move(messages));
  };
  if ((*queue)->standard) {
    (*queue)->standard->receive(request, [convert = std::move(convert)](Result<std::vector<ReceivedMessage>> r) {
      convert(std::move(r), from_standard);
    });
  } else {
    (*queue)->fifo->receive(request, [convert = std::move(convert)](Result<std::vector<FifoReceivedMessage>> r) {
      convert(std::move(r), from_fifo);
    });
  }
}

Result<DeleteResult> InMemoryBroker::delete_message(std::string_view queue_name, std::string_view receipt_handle) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return (*queue)->standard ? (*queue)->standard->delete_message(receipt_handle)
                            : (*queue)->fifo->delete_message(receipt_handle);
}

Status InMemoryBroker::change_visibility(std::string_view queue_name, std::string_view receipt_handle,
                                         time::Duration timeout) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return (*queue)->standard ? (*queue)->standard->change_visibility(receipt_handle, timeout)
                            : (*queue)->fifo->change_visibility(receipt_handle, timeout);
}

Status InMemoryBroker::purge(std::string_view queue_name) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  if ((*queue)->standard) {
    (*queue)->standard->purge();
  } else {
    (*queue)->fifo->purge();
  }
  return Status();
}

Result<QueueStats> InMemoryBroker::queue_stats(std::string_view queue_name) const {
  Result<const Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return (*queue)->standard ? (*queue)->standard->stats() : (*queue)->fifo->stats();
}

Result<QueueConfig> InMemoryBroker::queue_config(std::string_view queue_name) const {
  Result<const Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return (*queue)->config;
}

Status InMemoryBroker::set_queue_attributes(std::string_view name, const QueueConfig& requested) {
  const auto it = queues_.find(name);
  if (it == queues_.end()) return no_such_queue(name);
  Queue& queue = it->second;
  QueueConfig config = requested;
  config.max_messages = queue.config.max_messages;
  config.max_in_flight = queue.config.max_in_flight;
  config.max_waiting_receives = queue.config.max_waiting_receives;
  SLUICE_RETURN_IF_ERROR(config.validate());
  if (config.fifo != queue.config.fifo) {
    return Status::invalid_argument("a queue cannot change between standard and FIFO",
                                    sqs_error::kInvalidAttributeValue);
  }
  Queue* dead_letter = nullptr;
  if (config.redrive) {
    const auto target = queues_.find(config.redrive->dead_letter_queue);
    if (target == queues_.end() || target == it) {
      return Status::invalid_argument(
          "the redrive policy's dead-letter queue " + config.redrive->dead_letter_queue + " must be another queue",
          sqs_error::kInvalidParameterValue);
    }
    if (target->second.config.fifo != config.fifo) {
      return Status::invalid_argument("a dead-letter queue must be of the same kind (standard or FIFO) as its source",
                                      sqs_error::kInvalidParameterValue);
    }
    dead_letter = &target->second;
  }
  queue.config = config;
  if (queue.standard) {
    queue.standard->reconfigure(config);
    if (dead_letter != nullptr) queue.standard->set_dead_letter_queue(dead_letter->standard.get());
  } else {
    queue.fifo->reconfigure(config);
    if (dead_letter != nullptr) queue.fifo->set_dead_letter_queue(dead_letter->fifo.get());
  }
  if (journal_ != nullptr) journal_->queue_configured(name, config);
  return Status();
}

Status InMemoryBroker::declare_exchange(std::string_view name, ExchangeType type) {
  Status status = router_.declare_exchange(name, type);
  if (status.ok() && journal_ != nullptr) journal_->exchange_declared(name, type);
  return status;
}

Status InMemoryBroker::bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                                  const Headers& arguments) {
  if (!queues_.contains(queue) && !amqp_queues_.contains(queue)) return no_such_queue(queue);
  Status status = router_.bind(queue, exchange, key, arguments);
  if (status.ok() && journal_ != nullptr && queues_.contains(queue)) {
    journal_->queue_bound(queue, exchange, key, arguments);
  }
  return status;
}

void InMemoryBroker::set_journal(QueueJournal* journal) {
  journal_ = journal;
  for (auto& [name, queue] : queues_) {
    if (queue.standard) queue.standard->set_journal(journal);
    if (queue.fifo) queue.fifo->set_journal(journal);
  }
}

Status InMemoryBroker::restore_message(std::string_view queue_name, const JournaledMessage& message) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  return (*queue)->standard ? (*queue)->standard->restore(message) : (*queue)->fifo->restore(message);
}

Status InMemoryBroker::restore_deduplication(std::string_view queue_name, std::string_view key,
                                             std::string_view message_id, std::uint64_t sequence,
                                             time::Instant expires) {
  Result<Queue*> queue = find(queue_name);
  if (!queue.ok()) return queue.status();
  if (!(*queue)->fifo) return Status::invalid_argument("queue " + std::string(queue_name) + " is not a FIFO queue");
  (*queue)->fifo->restore_deduplication(key, message_id, sequence, expires);
  return Status();
}

Result<AmqpQueue*> InMemoryBroker::find_amqp(std::string_view name) {
  const auto it = amqp_queues_.find(name);
  if (it == amqp_queues_.end()) return no_such_queue(name);
  return it->second.queue.get();
}

Status InMemoryBroker::declare_amqp_queue(std::string_view name, const AmqpQueueDeclaration& declaration) {
  SLUICE_RETURN_IF_ERROR(validate_queue_name(name, name.ends_with(".fifo")));
  SLUICE_RETURN_IF_ERROR(declaration.config.validate());
  if (queues_.contains(name)) {
    return Status(StatusCode::kFailedPrecondition, "an SQS queue is named " + std::string(name),
                  amqp_error::kPreconditionFailed);
  }
  if (const auto existing = amqp_queues_.find(name); existing != amqp_queues_.end()) {
    if (equivalent(existing->second.declaration, declaration)) return Status();
    return Status(StatusCode::kFailedPrecondition, "queue " + std::string(name) + " was declared with other arguments",
                  amqp_error::kPreconditionFailed);
  }
  if (queues_.size() + amqp_queues_.size() >= limits_.max_queues) {
    return Status(StatusCode::kResourceExhausted, "at most " + std::to_string(limits_.max_queues) + " queues",
                  amqp_error::kResourceLocked);
  }
  auto queue = std::make_unique<AmqpQueue>(std::string(name), declaration.config, scheduler_, events_);
  const std::string source(name);
  queue->set_dead_letter_sink([this, source](AmqpMessage message, std::string_view reason) {
    const auto it = amqp_queues_.find(source);
    if (it != amqp_queues_.end()) route_dead_letter(source, it->second.declaration, std::move(message), reason);
  });
  amqp_queues_.emplace(source, Amqp{declaration, std::move(queue)});
  return Status();
}

void InMemoryBroker::route_dead_letter(const std::string& source, const AmqpQueueDeclaration& declaration,
                                       AmqpMessage message, std::string_view reason) {
  if (declaration.dead_letter_exchange.empty()) return;  // no DLX: dropped, as RabbitMQ does
  const std::string key = declaration.dead_letter_routing_key.value_or(message.routing_key);
  Result<std::vector<std::string>> targets = router_.route(declaration.dead_letter_exchange, key, message.headers);
  if (!targets.ok()) return;  // the DLX is gone: dropped, as RabbitMQ does
  BrokerSendRequest request{.body = std::move(message.body), .priority = message.priority};
  // What RabbitMQ records in x-death, as attributes.
  for (const auto& [name, value] : message.headers) request.attributes[name] = {"String", value, ""};
  request.attributes["x-death-reason"] = {"String", std::string(reason), ""};
  request.attributes["x-death-queue"] = {"String", source, ""};
  for (const std::string& target : *targets) {
    if (target == source) continue;  // a cycle back to the dead message's queue: dropped
    if (check_target(target, request).ok()) deliver(target, key, request);
  }
}

Status InMemoryBroker::consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                               AmqpQueue::DeliveryCallback deliver) {
  Result<AmqpQueue*> amqp = find_amqp(queue);
  if (!amqp.ok()) return amqp.status();
  return (*amqp)->consume(consumer_tag, prefetch, std::move(deliver));
}

Status InMemoryBroker::cancel(std::string_view queue, std::string_view consumer_tag) {
  Result<AmqpQueue*> amqp = find_amqp(queue);
  if (!amqp.ok()) return amqp.status();
  return (*amqp)->cancel(consumer_tag);
}

Status InMemoryBroker::ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) {
  Result<AmqpQueue*> amqp = find_amqp(queue);
  if (!amqp.ok()) return amqp.status();
  return (*amqp)->ack(delivery_tag, multiple);
}

Status InMemoryBroker::nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) {
  Result<AmqpQueue*> amqp = find_amqp(queue);
  if (!amqp.ok()) return amqp.status();
  return (*amqp)->nack(delivery_tag, requeue, multiple);
}

Status InMemoryBroker::check_target(std::string_view name, const BrokerSendRequest& request) {
  if (const auto amqp = amqp_queues_.find(name); amqp != amqp_queues_.end()) {
    const AmqpQueueConfig& config = amqp->second.declaration.config;
    const bool full = config.overflow == Overflow::kRejectPublish && config.max_length > 0 &&
                      amqp->second.queue->ready() >= config.max_length;
    if (full)
      return Status(StatusCode::kResourceExhausted, "queue " + std::string(name) + " is full",
                    amqp_error::kResourceLocked);
    return Status();
  }
  Result<Queue*> queue = find(name);
  if (!queue.ok()) return queue.status();
  const QueueConfig& config = (*queue)->config;
  Status status = check_request(**queue, request);
  if (status.ok()) status = validate_send(request.body, request.attributes, config.max_message_bytes);
  if (status.ok() && config.fifo) status = validate_fifo_id("MessageGroupId", request.group_id);
  if (status.ok() && config.fifo && request.deduplication_id.empty() &&
      !(config.content_based_deduplication && request.content_sha256)) {
    status = Status::invalid_argument("a FIFO queue bound to the exchange needs a deduplication id or body hash",
                                      sqs_error::kInvalidParameterValue);
  }
  if (status.ok()) {
    Result<QueueStats> stats = queue_stats(name);
    if (stats->visible + stats->in_flight + stats->delayed >= config.max_messages) {
      status = Status(StatusCode::kResourceExhausted, "queue " + std::string(name) + " is full", sqs_error::kOverLimit);
    }
  }
  return status;
}

void InMemoryBroker::deliver(std::string_view name, std::string_view routing_key, const BrokerSendRequest& request) {
  if (const auto amqp = amqp_queues_.find(name); amqp != amqp_queues_.end()) {
    AmqpMessage message{request.body, {}, std::string(routing_key), request.priority, request.expiration};
    for (const auto& [attribute, value] : request.attributes) message.headers[attribute] = value.string_value;
    amqp->second.queue->publish(std::move(message));
    return;
  }
  (void)send_to(**find(name), request);  // checked by check_target: cannot fail here
}

Result<std::vector<std::string>> InMemoryBroker::publish(std::string_view exchange, std::string_view routing_key,
                                                         const Headers& headers, const BrokerSendRequest& request,
                                                         bool mandatory) {
  Result<std::vector<std::string>> targets = router_.route(exchange, routing_key, headers);
  if (!targets.ok()) return targets.status();
  if (targets->empty() && mandatory) {
    return Status(StatusCode::kNotFound,
                  "no queue is bound to exchange " + std::string(exchange) + " for key \"" + std::string(routing_key) +
                      "\": the mandatory message is returned",
                  amqp_error::kNoRoute);
  }
  // Every target is checked first, so that a message goes to all of them or to none.
  for (const std::string& name : *targets) {
    if (Status status = check_target(name, request); !status.ok()) {
      return Status(status.code(), "queue " + name + " refuses the message: " + status.message(), status.reason());
    }
  }
  for (const std::string& name : *targets) deliver(name, routing_key, request);
  if (events_ != nullptr) {
    const std::array<observe::Attribute, 2> attributes = {{
        {"routing_key", routing_key},
        {"queues", static_cast<std::int64_t>(targets->size())},
    }};
    events_->on_event(observe::Event{"broker.routed", exchange, scheduler_.now(), {}, attributes});
  }
  return targets;
}

// ---- Logs

Result<InMemoryBroker::Log*> InMemoryBroker::find_topic(std::string_view name) {
  const auto it = topics_.find(name);
  if (it == topics_.end()) {
    return Status(StatusCode::kNotFound, "topic " + std::string(name) + " does not exist",
                  kafka_error::kUnknownTopicOrPartition);
  }
  return &it->second;
}

Result<ConsumerGroup*> InMemoryBroker::find_group(std::string_view topic, std::string_view group, bool make) {
  Result<Log*> log = find_topic(topic);
  if (!log.ok()) return log.status();
  auto it = (*log)->groups.find(group);
  if (it == (*log)->groups.end()) {
    if (!make) {
      return Status(StatusCode::kNotFound, "consumer group " + std::string(group) + " has no members",
                    kafka_error::kUnknownMemberId);
    }
    it = (*log)
             ->groups
             .emplace(std::string(group), std::make_unique<ConsumerGroup>(std::string(group), *(*log)->topic,
                                                                          scheduler_, ConsumerGroupConfig{}, events_))
             .first;
  }
  return it->second.get();
}

Status InMemoryBroker::create_topic(std::string_view name, const TopicConfig& config) {
  SLUICE_RETURN_IF_ERROR(config.validate());
  if (name.empty() || name.size() > 249) {
    return Status::invalid_argument("a topic name must be 1 to 249 characters", kafka_error::kInvalidConfig);
  }
  if (const auto existing = topics_.find(name); existing != topics_.end()) {
    const TopicConfig& had = existing->second.config;
    const bool same = had.partitions == config.partitions && had.retention_time == config.retention_time &&
                      had.retention_bytes == config.retention_bytes && had.compacted == config.compacted &&
                      had.max_record_bytes == config.max_record_bytes &&
                      had.max_records_per_partition == config.max_records_per_partition;
    if (same) return Status();
    return Status(StatusCode::kFailedPrecondition, "topic " + std::string(name) + " exists with another config",
                  kafka_error::kTopicAlreadyExists);
  }
  topics_.emplace(std::string(name),
                  Log{config, std::make_unique<Topic>(std::string(name), config, scheduler_, events_), {}});
  return Status();
}

Result<AppendResult> InMemoryBroker::append(std::string_view topic, AppendRequest request) {
  Result<Log*> log = find_topic(topic);
  if (!log.ok()) return log.status();
  return (*log)->topic->append(std::move(request));
}

Result<std::vector<LogRecord>> InMemoryBroker::fetch(std::string_view topic, std::uint32_t partition,
                                                     std::int64_t offset, std::size_t max_records) {
  Result<Log*> log = find_topic(topic);
  if (!log.ok()) return log.status();
  return (*log)->topic->fetch(partition, offset, max_records);
}

Result<std::int64_t> InMemoryBroker::offset_for_time(std::string_view topic, std::uint32_t partition,
                                                     time::Instant when) {
  Result<Log*> log = find_topic(topic);
  if (!log.ok()) return log.status();
  return (*log)->topic->offset_for_time(partition, when);
}

Result<std::uint64_t> InMemoryBroker::join_group(std::string_view topic, std::string_view group,
                                                 std::string_view member) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/true);
  if (!found.ok()) return found.status();
  return (*found)->join(member);
}

Status InMemoryBroker::leave_group(std::string_view topic, std::string_view group, std::string_view member) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/false);
  if (!found.ok()) return found.status();
  return (*found)->leave(member);
}

Status InMemoryBroker::heartbeat(std::string_view topic, std::string_view group, std::string_view member) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/false);
  if (!found.ok()) return found.status();
  return (*found)->heartbeat(member);
}

Result<std::vector<std::uint32_t>> InMemoryBroker::assignment(std::string_view topic, std::string_view group,
                                                              std::string_view member) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/false);
  if (!found.ok()) return found.status();
  return (*found)->assignment(member);
}

Status InMemoryBroker::commit(std::string_view topic, std::string_view group, std::string_view member,
                              std::uint64_t generation, std::uint32_t partition, std::int64_t offset) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/false);
  if (!found.ok()) return found.status();
  return (*found)->commit(member, generation, partition, offset);
}

Result<std::optional<std::int64_t>> InMemoryBroker::committed(std::string_view topic, std::string_view group,
                                                              std::uint32_t partition) {
  Result<ConsumerGroup*> found = find_group(topic, group, /*make=*/false);
  if (!found.ok()) return found.status();
  return (*found)->committed(partition);
}

}  // namespace sluice::broker
