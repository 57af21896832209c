#include "core/broker/in_memory_broker.h"

#include <utility>

#include "core/broker/sqs_rules.h"

namespace sluice::broker {
namespace {

Status no_such_queue(std::string_view name) {
  return Status(StatusCode::kNotFound, "queue " + std::string(name) + " does not exist",
                sqs_error::kQueueDoesNotExist);
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
  if (Status status = validate_queue_name(name, config.fifo); !status.ok()) return status;
  if (Status status = config.validate(); !status.ok()) return status;
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
      return Status::invalid_argument("the redrive policy's dead-letter queue " + config.redrive->dead_letter_queue +
                                          " does not exist",
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
  queues_.emplace(std::string(name), std::move(queue));
  return Status();
}

Status InMemoryBroker::delete_queue(std::string_view name) {
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
  if (!queue.config.fifo && (!request.group_id.empty() || !request.deduplication_id.empty() || request.content_sha256)) {
    return Status::invalid_argument("MessageGroupId and MessageDeduplicationId are for FIFO queues only",
                                    sqs_error::kInvalidParameterValue);
  }
  return Status();
}

Result<BrokerSendResult> InMemoryBroker::send_to(Queue& queue, BrokerSendRequest request) {
  if (Status status = check_request(queue, request); !status.ok()) return status;
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
    scheduler_.schedule_after(time::Duration::zero(), [done = std::move(done), status = queue.status()] { done(status); });
    return;
  }
  auto convert = [done = std::move(done)](auto result, auto from) {
    if (!result.ok()) return done(result.status());
    std::vector<BrokerMessage> messages;
    for (auto& message : *result) messages.push_back(from(message));
    done(std::move(messages));
  };
  if ((*queue)->standard) {
    (*queue)->standard->receive(request, [convert](Result<std::vector<ReceivedMessage>> r) {
      convert(std::move(r), [](const ReceivedMessage& m) { return from_standard(m); });
    });
  } else {
    (*queue)->fifo->receive(request, [convert](Result<std::vector<FifoReceivedMessage>> r) {
      convert(std::move(r), [](const FifoReceivedMessage& m) { return from_fifo(m); });
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

Status InMemoryBroker::declare_exchange(std::string_view name, ExchangeType type) {
  return router_.declare_exchange(name, type);
}

Status InMemoryBroker::bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                                  const Headers& arguments) {
  if (!queues_.contains(queue)) return no_such_queue(queue);
  return router_.bind(queue, exchange, key, arguments);
}

Result<std::vector<std::string>> InMemoryBroker::publish(std::string_view exchange, std::string_view routing_key,
                                                         const Headers& headers, const BrokerSendRequest& request) {
  Result<std::vector<std::string>> targets = router_.route(exchange, routing_key, headers);
  if (!targets.ok()) return targets.status();
  // Every target is checked first, so that a message goes to all of them or to none.
  for (const std::string& name : *targets) {
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
        status = Status(StatusCode::kResourceExhausted, "queue " + name + " is full", sqs_error::kOverLimit);
      }
    }
    if (!status.ok()) {
      return Status(status.code(), "queue " + name + " refuses the message: " + status.message(), status.reason());
    }
  }
  for (const std::string& name : *targets) {
    Result<BrokerSendResult> sent = send_to(**find(name), request);
    if (!sent.ok()) return sent.status();  // checked above: not expected
  }
  return targets;
}

}  // namespace sluice::broker
