#include "native/amqp/amqp_broker.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "core/broker/sqs_rules.h"

namespace sluice::native {
namespace {

using namespace std::chrono_literals;
using broker::BrokerMessage;
using broker::QueueConfig;

amqp_bytes_t bytes_of(std::string_view text) { return {text.size(), const_cast<char*>(text.data())}; }

constexpr std::string_view kAttributesHeader = "x-sluice-attributes";
constexpr std::string_view kSentHeader = "x-sluice-sent-ns";
constexpr std::uint64_t kTagBits = 40;  // our delivery tag: generation above, the server's below

Status unsupported(std::string what) {
  return Status(StatusCode::kFailedPrecondition, what + " is unsupported on the RabbitMQ backend",
                broker::broker_error::kUnsupported);
}

Status no_such_queue(std::string_view name) {
  return Status(StatusCode::kNotFound, "queue " + std::string(name) + " does not exist",
                broker::sqs_error::kQueueDoesNotExist);
}

std::string_view exchange_type_name(broker::ExchangeType type) {
  switch (type) {
    case broker::ExchangeType::kDirect:
      return "direct";
    case broker::ExchangeType::kFanout:
      return "fanout";
    case broker::ExchangeType::kTopic:
      return "topic";
    case broker::ExchangeType::kHeaders:
      return "headers";
  }
  return "direct";
}

// Receipt handles: "amqp:<message id>:<connection generation>:<delivery tag>:<nonce>".
std::string make_handle(std::string_view message_id, std::uint64_t generation, std::uint64_t tag, std::uint64_t nonce) {
  return "amqp:" + std::string(message_id) + ":" + std::to_string(generation) + ":" + std::to_string(tag) + ":" +
         std::to_string(nonce);
}

std::optional<std::string> message_id_of_handle(std::string_view handle) {
  if (!handle.starts_with("amqp:")) return std::nullopt;
  handle.remove_prefix(5);
  const std::size_t colon = handle.find(':');
  if (colon == std::string_view::npos || std::count(handle.begin(), handle.end(), ':') != 3) return std::nullopt;
  return std::string(handle.substr(0, colon));
}

void add_headers(AmqpTable& table, const broker::Headers& headers) {
  for (const auto& [key, value] : headers) table.add(key, value);
}

}  // namespace

AmqpBroker::AmqpBroker(time::Scheduler& scheduler, AmqpBrokerOptions options)
    : scheduler_(scheduler), options_(std::move(options)), prng_(std::random_device{}()) {}

AmqpBroker::~AmqpBroker() {
  scheduler_.cancel(poll_timer_);
  for (auto& [handle, flight] : in_flight_) scheduler_.cancel(flight.visibility_timer);
}

Result<std::unique_ptr<AmqpBroker>> AmqpBroker::connect(time::Scheduler& scheduler, AmqpBrokerOptions options) {
  std::unique_ptr<AmqpBroker> broker(new AmqpBroker(scheduler, std::move(options)));
  AmqpBroker* self = broker.get();
  auto session = AmqpSession::connect({.url = broker->options_.url, .reconnect_for = broker->options_.reconnect_for},
                                      [self](AmqpIncoming incoming) { self->on_delivery(std::move(incoming)); });
  if (!session.ok()) return session.status();
  broker->session_ = *std::move(session);
  broker->session_->set_on_reconnected([self] { return self->redeclare_everything(); });
  return broker;
}

namespace {
StatusCode code_of(const Status& status) { return status.code(); }
template <typename T>
StatusCode code_of(const Result<T>& result) {
  return result.status().code();
}
}  // namespace

template <typename Call>
auto AmqpBroker::retrying(Call call) -> decltype(call()) {
  auto result = call();
  if (!result.ok() && code_of(result) == StatusCode::kUnavailable && !session_->connected()) {
    result = call();  // reconnects (and declares everything again) first
  }
  return result;
}

// ---- Declarations, and declaring them again after a reconnect

Status AmqpBroker::redeclare_everything() {
  for (const auto& [name, type] : exchanges_) {
    SLUICE_RETURN_IF_ERROR(declare_exchange_on_server(name, type));
  }
  for (const auto& [name, queue] : sqs_queues_) {
    SLUICE_RETURN_IF_ERROR(declare_sqs_queue(name, queue.config));
  }
  for (const auto& [name, declaration] : amqp_queues_) {
    SLUICE_RETURN_IF_ERROR(declare_classic_queue(name, declaration));
  }
  for (const Binding& binding : bindings_) {
    SLUICE_RETURN_IF_ERROR(bind_on_server(binding));
  }
  // What was in flight went back to its queue when the connection closed: its handles
  // and tags are stale now.
  for (auto& [handle, flight] : in_flight_) scheduler_.cancel(flight.visibility_timer);
  in_flight_.clear();
  unacked_.clear();
  for (const auto& [tag, consumer] : consumers_) {
    SLUICE_RETURN_IF_ERROR(subscribe(tag, consumer));
  }
  return Status();
}

Result<std::optional<std::uint32_t>> AmqpBroker::ready_count(std::string_view queue) const {
  AmqpSession& session = *session_;
  SLUICE_RETURN_IF_ERROR(session.ready(AmqpSession::kControl));
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(session.raw(), AmqpSession::kControl, bytes_of(queue), 1, 0, 0, 0, amqp_empty_table);
  Status s = session.check(amqp_get_rpc_reply(session.raw()), AmqpSession::kControl, "queue.declare (passive)");
  if (s.reason() == "NOT_FOUND") return std::optional<std::uint32_t>();
  if (!s.ok()) return s;
  return std::optional<std::uint32_t>(ok->message_count);
}

Status AmqpBroker::require_queue(std::string_view queue) const {
  if (sqs_queues_.contains(queue) || amqp_queues_.contains(queue)) return Status();
  Result<std::optional<std::uint32_t>> count = ready_count(queue);
  if (!count.ok()) return count.status();
  return count->has_value() ? Status() : no_such_queue(queue);
}

Status AmqpBroker::declare_sqs_queue(std::string_view name, const QueueConfig& config) {
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  AmqpTable arguments;
  arguments.add("x-queue-type", "quorum");
  if (config.redrive) {
    // The default exchange routes by queue name: dead letters go straight to the DLQ.
    arguments.add("x-dead-letter-exchange", "");
    arguments.add("x-dead-letter-routing-key", config.redrive->dead_letter_queue);
    arguments.add("x-delivery-limit", static_cast<std::int64_t>(config.redrive->max_receive_count) - 1);
  }
  amqp_queue_declare(session_->raw(), AmqpSession::kControl, bytes_of(name), 0, 1, 0, 0, arguments.table());
  Status s = session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "queue.declare");
  if (s.reason() == "PRECONDITION_FAILED") {
    return Status(StatusCode::kFailedPrecondition, "queue " + std::string(name) + " exists with other attributes",
                  broker::sqs_error::kQueueNameExists);
  }
  return s;
}

Status AmqpBroker::declare_classic_queue(std::string_view name, const broker::AmqpQueueDeclaration& declaration) {
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  const broker::AmqpQueueConfig& c = declaration.config;
  AmqpTable arguments;
  arguments.add("x-queue-type", "classic");
  if (c.max_priority > 0) arguments.add("x-max-priority", std::int64_t{c.max_priority});
  if (c.max_length > 0) arguments.add("x-max-length", std::int64_t{c.max_length});
  if (c.max_length_bytes > 0) arguments.add("x-max-length-bytes", static_cast<std::int64_t>(c.max_length_bytes));
  if (c.max_length > 0 || c.max_length_bytes > 0) {
    arguments.add("x-overflow", c.overflow == broker::Overflow::kRejectPublish ? "reject-publish" : "drop-head");
  }
  if (c.message_ttl) {
    arguments.add("x-message-ttl", std::chrono::duration_cast<std::chrono::milliseconds>(*c.message_ttl).count());
  }
  if (!declaration.dead_letter_exchange.empty()) {
    arguments.add("x-dead-letter-exchange", declaration.dead_letter_exchange);
    if (declaration.dead_letter_routing_key) {
      arguments.add("x-dead-letter-routing-key", *declaration.dead_letter_routing_key);
    }
  }
  amqp_queue_declare(session_->raw(), AmqpSession::kControl, bytes_of(name), 0, 1, 0, 0, arguments.table());
  return session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "queue.declare");
}

Status AmqpBroker::declare_exchange_on_server(std::string_view name, broker::ExchangeType type) {
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  amqp_exchange_declare(session_->raw(), AmqpSession::kControl, bytes_of(name), bytes_of(exchange_type_name(type)), 0,
                        1, 0, 0, amqp_empty_table);
  return session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "exchange.declare");
}

Status AmqpBroker::bind_on_server(const Binding& binding) {
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  AmqpTable arguments;
  add_headers(arguments, binding.arguments);
  amqp_queue_bind(session_->raw(), AmqpSession::kControl, bytes_of(binding.queue), bytes_of(binding.exchange),
                  bytes_of(binding.key), arguments.table());
  return session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "queue.bind");
}

// ---- SQS queues

Status AmqpBroker::create_queue(std::string_view name, const QueueConfig& config) {
  SLUICE_RETURN_IF_ERROR(broker::validate_queue_name(name, config.fifo));
  SLUICE_RETURN_IF_ERROR(config.validate());
  if (config.fifo) return unsupported("a FIFO queue (message groups, deduplication)");
  if (config.delay > 0s) return unsupported("a queue delay (DelaySeconds)");
  if (config.retention != QueueConfig{}.retention) return unsupported("a retention period other than 4 days");
  if (auto it = sqs_queues_.find(name); it != sqs_queues_.end()) {
    if (it->second.config == config) return Status();
    return Status(StatusCode::kFailedPrecondition, "queue " + std::string(name) + " exists with other attributes",
                  broker::sqs_error::kQueueNameExists);
  }
  if (amqp_queues_.contains(name)) {
    return Status(StatusCode::kFailedPrecondition, "an AMQP queue is named " + std::string(name),
                  broker::sqs_error::kQueueNameExists);
  }
  if (config.redrive) {
    const std::string& dlq = config.redrive->dead_letter_queue;
    if (!sqs_queues_.contains(dlq)) {
      return Status::invalid_argument("the dead-letter queue " + dlq + " does not exist (or is not an SQS queue)",
                                      broker::sqs_error::kInvalidParameterValue);
    }
  }
  SLUICE_RETURN_IF_ERROR(retrying([&] { return declare_sqs_queue(name, config); }));
  sqs_queues_.emplace(std::string(name), SqsQueue{.config = config});
  return Status();
}

Status AmqpBroker::delete_queue(std::string_view name) {
  SLUICE_RETURN_IF_ERROR(require_queue(name));
  for (const auto& [source, queue] : sqs_queues_) {
    if (queue.config.redrive && queue.config.redrive->dead_letter_queue == name) {
      // RabbitMQ would drop the dead letters of `source` from then on.
      return unsupported("deleting " + std::string(name) + " while it is the dead-letter queue of " + source);
    }
  }
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  amqp_queue_delete(session_->raw(), AmqpSession::kControl, bytes_of(name), 0, 0);
  SLUICE_RETURN_IF_ERROR(session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "queue.delete"));
  std::erase_if(in_flight_, [&](const auto& entry) {
    if (entry.second.queue != name) return false;
    scheduler_.cancel(entry.second.visibility_timer);
    return true;
  });
  std::erase_if(bindings_, [&](const Binding& b) { return b.queue == name; });
  routes_.remove_queue(name);
  if (auto it = sqs_queues_.find(name); it != sqs_queues_.end()) sqs_queues_.erase(it);
  if (auto it = amqp_queues_.find(name); it != amqp_queues_.end()) amqp_queues_.erase(it);
  return Status();
}

std::vector<std::string> AmqpBroker::list_queues(std::string_view prefix) const {
  // AMQP cannot list a server's queues: these are the ones this client declared.
  std::vector<std::string> names;
  for (const auto& [name, queue] : sqs_queues_) {
    if (name.starts_with(prefix)) names.push_back(name);
  }
  for (const auto& [name, queue] : amqp_queues_) {
    if (name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<broker::BrokerSendResult> AmqpBroker::send(std::string_view queue, broker::BrokerSendRequest request) {
  auto it = sqs_queues_.find(queue);
  const std::uint32_t max_bytes =
      it != sqs_queues_.end() ? it->second.config.max_message_bytes : QueueConfig{}.max_message_bytes;
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  SLUICE_RETURN_IF_ERROR(broker::validate_send(request.body, request.attributes, max_bytes));
  if (!request.group_id.empty() || !request.deduplication_id.empty()) {
    return Status::invalid_argument("MessageGroupId and MessageDeduplicationId are for FIFO queues only",
                                    broker::sqs_error::kInvalidParameterValue);
  }
  if (request.delay && *request.delay > 0s) return unsupported("a message delay (DelaySeconds)");
  const std::string message_id = broker::make_message_id(prng_).text();
  Result<std::vector<std::string>> routed = retrying([&] {
    broker::BrokerSendRequest copy = request;
    return publish_once("", queue, {}, copy, /*mandatory=*/true, message_id);
  });
  if (!routed.ok()) {
    if (routed.status().reason() == "NO_ROUTE") return no_such_queue(queue);
    return routed.status();
  }
  if (it != sqs_queues_.end()) ++it->second.sent;
  serve_waiters(queue);
  return broker::BrokerSendResult{.message_id = message_id};
}

Result<std::vector<std::string>> AmqpBroker::publish_once(std::string_view exchange, std::string_view routing_key,
                                                          const broker::Headers& headers,
                                                          const broker::BrokerSendRequest& request, bool mandatory,
                                                          const std::string& message_id) {
  AmqpTable table;
  add_headers(table, headers);
  table.add(kSentHeader, time::nanos_since_epoch(scheduler_.now()));
  if (!request.attributes.empty()) {
    nlohmann::json attributes = nlohmann::json::object();
    for (const auto& [name, value] : request.attributes) {
      attributes[name] = {value.data_type, value.string_value, value.binary_value};
    }
    table.add(kAttributesHeader, attributes.dump());
  }
  AmqpOutgoing outgoing{.message_id = message_id, .priority = request.priority};
  if (request.expiration) {
    outgoing.expiration = std::chrono::duration_cast<std::chrono::milliseconds>(*request.expiration);
  }
  Result<PublishConfirm> confirm =
      session_->publish(exchange, routing_key, /*mandatory=*/true, table, outgoing, request.body);
  if (!confirm.ok()) return confirm.status();
  if (!confirm->accepted) {
    // RabbitMQ nacks a publish a reject-publish queue refused, having delivered it to
    // the queues that took it: unlike the in-memory broker, not "all or none".
    return Status(StatusCode::kResourceExhausted, "a queue refused the message (full, with overflow reject-publish)",
                  broker::amqp_error::kResourceLocked);
  }
  if (!confirm->routed) {
    if (mandatory) {
      return Status(StatusCode::kNotFound, "no queue is bound for routing key " + std::string(routing_key),
                    broker::amqp_error::kNoRoute);
    }
    return std::vector<std::string>();
  }
  if (exchange.empty()) return std::vector<std::string>{std::string(routing_key)};
  Result<std::vector<std::string>> names = routes_.route(exchange, routing_key, headers);
  if (names.ok() && !names->empty()) return names;
  // Routed by bindings another client made: RabbitMQ does not say to which queues.
  return std::vector<std::string>{"(bound by another client)"};
}

void AmqpBroker::receive(std::string_view queue, const broker::ReceiveRequest& request, ReceiveCallback done) {
  const auto answer = [&](Result<std::vector<BrokerMessage>> result) {
    scheduler_.schedule_after(0s, [done = std::move(done), result = std::move(result)] { done(result); });
  };
  if (Status s = broker::validate_receive(request); !s.ok()) return answer(s);
  if (Status s = require_queue(queue); !s.ok()) return answer(s);
  Result<std::vector<BrokerMessage>> got = take(queue, request);
  auto it = sqs_queues_.find(queue);
  const time::Duration wait =
      request.wait.value_or(it != sqs_queues_.end() ? it->second.config.receive_wait : time::Duration(0));
  if (!got.ok() || !got->empty() || wait <= 0s) return answer(std::move(got));
  waiters_.push_back({std::string(queue), request, std::move(done), scheduler_.now() + wait});
  if (!poll_timer_.valid())
    poll_timer_ = scheduler_.schedule_after(options_.long_poll_interval, [this] { poll_waiters(); });
}

Result<std::vector<BrokerMessage>> AmqpBroker::take(std::string_view queue, const broker::ReceiveRequest& request) {
  auto it = sqs_queues_.find(queue);
  const time::Duration visibility = request.visibility_timeout.value_or(
      it != sqs_queues_.end() ? it->second.config.visibility_timeout : QueueConfig{}.visibility_timeout);
  std::vector<BrokerMessage> messages;
  while (messages.size() < request.max_messages) {
    Result<std::optional<AmqpIncoming>> got = retrying([&] { return session_->get(queue); });
    if (!got.ok()) {
      if (got.status().reason() == "NOT_FOUND") return no_such_queue(queue);
      return got.status();
    }
    if (!got->has_value()) break;
    AmqpIncoming in = **std::move(got);
    BrokerMessage out;
    broker::ReceivedMessage& m = out.message;
    m.message_id = in.message_id;
    m.body = std::move(in.body);
    m.receive_count = static_cast<std::uint32_t>(in.delivery_count.value_or(0) + 1);
    m.sent_at = in.sent_ns ? time::Instant(std::chrono::nanoseconds(*in.sent_ns)) : scheduler_.now();
    m.first_received_at = scheduler_.now();
    for (auto& [key, value] : in.string_headers) {
      if (key == kAttributesHeader) {
        const nlohmann::json attributes = nlohmann::json::parse(value, nullptr, false);
        if (!attributes.is_object()) continue;
        for (const auto& [name, v] : attributes.items()) {
          if (v.is_array() && v.size() == 3) m.attributes[name] = {v[0], v[1], v[2]};
        }
      } else if (!key.starts_with("x-sluice-")) {
        m.attributes[key] = {"String", value, ""};  // AMQP headers, as the in-memory broker hands them on
      }
    }
    if (in.death) {
      m.attributes["x-death-reason"] = {"String", in.death->reason, ""};
      m.attributes["x-death-queue"] = {"String", in.death->queue, ""};
    }
    const std::string handle = make_handle(m.message_id, session_->generation(), in.delivery_tag, prng_.next_u64());
    m.receipt_handle = handle;
    const time::TimerId timer = scheduler_.schedule_after(visibility, [this, handle] { expire(handle); });
    in_flight_[handle] = {std::string(queue), m.message_id, session_->generation(), in.delivery_tag, timer};
    latest_handle_[m.message_id] = handle;
    if (it != sqs_queues_.end()) ++it->second.delivered;
    messages.push_back(std::move(out));
  }
  return messages;
}

void AmqpBroker::expire(const std::string& handle) {
  auto it = in_flight_.find(handle);
  if (it == in_flight_.end()) return;
  const InFlight flight = it->second;
  in_flight_.erase(it);
  if (flight.generation != session_->generation() || !session_->connected()) return;  // requeued by the server
  // Visible again; a quorum queue counts the return and dead-letters past its limit.
  session_->give_back(AmqpSession::kGets, flight.tag);
}

void AmqpBroker::serve_waiters(std::string_view queue) {
  for (std::size_t i = 0; i < waiters_.size();) {
    if (waiters_[i].queue != queue) {
      ++i;
      continue;
    }
    Result<std::vector<BrokerMessage>> got = take(queue, waiters_[i].request);
    if (got.ok() && got->empty()) {
      ++i;
      continue;
    }
    Waiter waiter = std::move(waiters_[i]);
    waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
    scheduler_.schedule_after(0s, [done = std::move(waiter.done), got = std::move(got)] { done(got); });
  }
}

void AmqpBroker::poll_waiters() {
  poll_timer_ = {};
  std::set<std::string> queues;
  for (const Waiter& w : waiters_) queues.insert(w.queue);
  for (const std::string& queue : queues) serve_waiters(queue);
  const time::Instant now = scheduler_.now();
  for (std::size_t i = 0; i < waiters_.size();) {
    if (waiters_[i].deadline > now) {
      ++i;
      continue;
    }
    Waiter waiter = std::move(waiters_[i]);
    waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(i));
    waiter.done(std::vector<BrokerMessage>());
  }
  if (!waiters_.empty()) {
    poll_timer_ = scheduler_.schedule_after(options_.long_poll_interval, [this] { poll_waiters(); });
  }
}

Result<broker::DeleteResult> AmqpBroker::delete_message(std::string_view queue, std::string_view receipt_handle) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  auto it = in_flight_.find(receipt_handle);
  if (it != in_flight_.end() && it->second.queue == queue) {
    const InFlight flight = it->second;
    scheduler_.cancel(flight.visibility_timer);
    in_flight_.erase(it);
    if (flight.generation != session_->generation()) return broker::DeleteResult::kStaleHandle;
    if (Status s =
            session_->check_status(amqp_basic_ack(session_->raw(), AmqpSession::kGets, flight.tag, 0), "basic.ack");
        !s.ok()) {
      return broker::DeleteResult::kStaleHandle;  // the connection went: the server requeued it
    }
    latest_handle_.erase(flight.message_id);
    if (auto q = sqs_queues_.find(queue); q != sqs_queues_.end()) ++q->second.deleted;
    return broker::DeleteResult::kDeleted;
  }
  const std::optional<std::string> message_id = message_id_of_handle(receipt_handle);
  if (!message_id) return broker::invalid_handle(receipt_handle, queue);
  auto latest = latest_handle_.find(*message_id);
  if (latest != latest_handle_.end() && latest->second != receipt_handle) return broker::DeleteResult::kStaleHandle;
  return broker::DeleteResult::kAlreadyDeleted;
}

Status AmqpBroker::change_visibility(std::string_view queue, std::string_view receipt_handle, time::Duration timeout) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  SLUICE_RETURN_IF_ERROR(broker::validate_visibility_timeout(timeout));
  auto it = in_flight_.find(receipt_handle);
  if (it == in_flight_.end() || it->second.queue != queue) {
    if (!message_id_of_handle(receipt_handle)) return broker::invalid_handle(receipt_handle, queue);
    return Status(StatusCode::kFailedPrecondition, "the message is not in flight",
                  broker::sqs_error::kMessageNotInflight);
  }
  scheduler_.cancel(it->second.visibility_timer);
  const std::string handle(receipt_handle);
  it->second.visibility_timer = scheduler_.schedule_after(timeout, [this, handle] { expire(handle); });
  return Status();
}

Status AmqpBroker::purge(std::string_view queue) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
  amqp_queue_purge(session_->raw(), AmqpSession::kControl, bytes_of(queue));
  return session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "queue.purge");
}

Result<broker::QueueStats> AmqpBroker::queue_stats(std::string_view queue) const {
  Result<std::optional<std::uint32_t>> ready = ready_count(queue);
  if (!ready.ok()) return ready.status();
  if (!ready->has_value()) return no_such_queue(queue);
  broker::QueueStats stats;
  stats.visible = **ready;
  // In flight: what this client holds; RabbitMQ does not count other clients' gets here.
  stats.in_flight = static_cast<std::uint64_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(), [&](const auto& e) { return e.second.queue == queue; }));
  if (auto it = sqs_queues_.find(queue); it != sqs_queues_.end()) {
    stats.sent = it->second.sent;
    stats.delivered = it->second.delivered;
    stats.deleted = it->second.deleted;
  }
  return stats;
}

Result<QueueConfig> AmqpBroker::queue_config(std::string_view queue) const {
  if (auto it = sqs_queues_.find(queue); it != sqs_queues_.end()) return it->second.config;
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  return unsupported("reading the attributes of a queue another client declared");
}

Status AmqpBroker::set_queue_attributes(std::string_view queue, const QueueConfig& config) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  auto it = sqs_queues_.find(queue);
  if (it == sqs_queues_.end()) return unsupported("changing a queue another client declared");
  if (config.fifo != it->second.config.fifo) {
    return Status::invalid_argument("a queue cannot change between standard and FIFO",
                                    broker::sqs_error::kInvalidAttributeValue);
  }
  if (config.redrive && config.redrive->dead_letter_queue == queue) {
    return Status::invalid_argument("a queue cannot be its own dead-letter queue",
                                    broker::sqs_error::kInvalidParameterValue);
  }
  SLUICE_RETURN_IF_ERROR(config.validate());
  // Kept here, not on the server: these change at once.
  QueueConfig client_side = it->second.config;
  client_side.visibility_timeout = config.visibility_timeout;
  client_side.receive_wait = config.receive_wait;
  client_side.max_message_bytes = config.max_message_bytes;
  if (!(client_side == config)) {
    // A queue's arguments are fixed once declared; changing them takes a policy, through
    // RabbitMQ's management API, which AMQP does not reach.
    return unsupported("changing a queue's redrive policy, delay or retention after it was created");
  }
  it->second.config = client_side;
  return Status();
}

// ---- AMQP queues

Status AmqpBroker::declare_amqp_queue(std::string_view name, const broker::AmqpQueueDeclaration& declaration) {
  SLUICE_RETURN_IF_ERROR(declaration.config.validate());
  if (sqs_queues_.contains(name)) {
    return Status(StatusCode::kFailedPrecondition, "an SQS queue is named " + std::string(name),
                  broker::amqp_error::kPreconditionFailed);
  }
  if (auto it = amqp_queues_.find(name); it != amqp_queues_.end()) {
    if (broker::equivalent(it->second, declaration)) return Status();
    return Status(StatusCode::kFailedPrecondition, "queue " + std::string(name) + " was declared otherwise",
                  broker::amqp_error::kPreconditionFailed);
  }
  SLUICE_RETURN_IF_ERROR(retrying([&] { return declare_classic_queue(name, declaration); }));
  amqp_queues_.emplace(std::string(name), declaration);
  return Status();
}

Status AmqpBroker::subscribe(std::string_view consumer_tag, const Consumer& consumer) {
  SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kConsume));
  amqp_basic_qos(session_->raw(), AmqpSession::kConsume, 0,
                 static_cast<std::uint16_t>(std::min<std::uint32_t>(consumer.prefetch, 65535)), 0);
  SLUICE_RETURN_IF_ERROR(session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kConsume, "basic.qos"));
  amqp_basic_consume(session_->raw(), AmqpSession::kConsume, bytes_of(consumer.queue), bytes_of(consumer_tag), 0, 0, 0,
                     amqp_empty_table);
  return session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kConsume, "basic.consume");
}

Status AmqpBroker::consume(std::string_view queue, std::string_view consumer_tag, std::uint32_t prefetch,
                           broker::AmqpQueue::DeliveryCallback deliver) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  if (consumers_.contains(consumer_tag)) {
    return Status(StatusCode::kFailedPrecondition, "consumer tag " + std::string(consumer_tag) + " is in use",
                  broker::amqp_error::kPreconditionFailed);
  }
  Consumer consumer{std::string(queue), prefetch, std::move(deliver)};
  SLUICE_RETURN_IF_ERROR(subscribe(consumer_tag, consumer));
  consumers_.emplace(std::string(consumer_tag), std::move(consumer));
  return Status();
}

Status AmqpBroker::cancel(std::string_view queue, std::string_view consumer_tag) {
  auto it = consumers_.find(consumer_tag);
  if (it == consumers_.end() || it->second.queue != queue) {
    return Status(StatusCode::kNotFound, "no consumer " + std::string(consumer_tag) + " on " + std::string(queue),
                  broker::amqp_error::kNotFound);
  }
  consumers_.erase(it);
  if (!session_->connected()) return Status();  // nothing to cancel on a connection that went
  amqp_basic_cancel(session_->raw(), AmqpSession::kConsume, bytes_of(consumer_tag));
  SLUICE_RETURN_IF_ERROR(session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kConsume, "basic.cancel"));
  // What it had not settled goes back to the queue (RabbitMQ would keep it with the
  // channel; the in-memory broker, and this interface, hand it to the next consumer).
  for (auto entry = unacked_.begin(); entry != unacked_.end();) {
    if (entry->second.consumer != consumer_tag) {
      ++entry;
      continue;
    }
    if (entry->first >> kTagBits == session_->generation()) {
      session_->give_back(AmqpSession::kConsume, entry->second.server_tag);
    }
    entry = unacked_.erase(entry);
  }
  return Status();
}

void AmqpBroker::on_delivery(AmqpIncoming in) {
  if (in.channel != AmqpSession::kConsume) return;
  auto consumer = consumers_.find(in.consumer_tag);
  if (consumer == consumers_.end()) {
    // Sent before the cancel took effect: back to the queue, as a cancel does.
    session_->give_back(AmqpSession::kConsume, in.delivery_tag);
    return;
  }
  const std::uint64_t tag = (session_->generation() << kTagBits) | in.delivery_tag;
  unacked_[tag] = {consumer->second.queue, in.consumer_tag, in.delivery_tag};
  broker::AmqpDelivery delivery{.delivery_tag = tag,
                                .consumer = in.consumer_tag,
                                .body = std::move(in.body),
                                .routing_key = std::move(in.routing_key),
                                .priority = in.priority,
                                .redelivered = in.redelivered};
  for (auto& [key, value] : in.string_headers) {
    if (!key.starts_with("x-sluice-")) delivery.headers.emplace(key, std::move(value));
  }
  scheduler_.schedule_after(0s, [this, consumer_tag = in.consumer_tag, delivery = std::move(delivery)] {
    // The consumer may have been cancelled since: the message goes back then.
    if (auto it = consumers_.find(consumer_tag); it != consumers_.end()) it->second.deliver(delivery);
  });
}

Status AmqpBroker::ack(std::string_view queue, std::uint64_t delivery_tag, bool multiple) {
  return settle(queue, delivery_tag, multiple, std::nullopt);
}

Status AmqpBroker::nack(std::string_view queue, std::uint64_t delivery_tag, bool requeue, bool multiple) {
  return settle(queue, delivery_tag, multiple, requeue);
}

Status AmqpBroker::settle(std::string_view queue, std::uint64_t delivery_tag, bool multiple,
                          std::optional<bool> requeue) {
  // Checked here: RabbitMQ answers an unknown tag by closing the channel, and with it
  // every consumer on it.
  auto it = unacked_.find(delivery_tag);
  if (it == unacked_.end() || it->second.queue != queue) {
    return Status(
        StatusCode::kFailedPrecondition,
        "delivery tag " + std::to_string(delivery_tag) + " is not an unsettled delivery of " + std::string(queue),
        broker::amqp_error::kPreconditionFailed);
  }
  const std::uint64_t server_tag = it->second.server_tag;
  if (multiple) {
    const std::uint64_t generation = delivery_tag >> kTagBits;
    std::erase_if(unacked_, [&](const auto& entry) {
      return entry.first >> kTagBits == generation && entry.first <= delivery_tag && entry.second.queue == queue;
    });
  } else {
    unacked_.erase(it);
  }
  const int status = requeue ? amqp_basic_nack(session_->raw(), AmqpSession::kConsume, server_tag, multiple, *requeue)
                             : amqp_basic_ack(session_->raw(), AmqpSession::kConsume, server_tag, multiple);
  return session_->check_status(status, requeue ? "basic.nack" : "basic.ack");
}

// ---- Routing

Status AmqpBroker::declare_exchange(std::string_view name, broker::ExchangeType type) {
  if (name.empty() || name.starts_with("amq.")) {
    return Status::invalid_argument("exchange names may not be empty or start with amq.",
                                    broker::amqp_error::kPreconditionFailed);
  }
  if (auto it = exchanges_.find(name); it != exchanges_.end() && it->second != type) {
    return Status(StatusCode::kFailedPrecondition, "exchange " + std::string(name) + " has another type",
                  broker::amqp_error::kPreconditionFailed);
  }
  SLUICE_RETURN_IF_ERROR(retrying([&] { return declare_exchange_on_server(name, type); }));
  SLUICE_RETURN_IF_ERROR(routes_.declare_exchange(name, type));
  exchanges_.emplace(std::string(name), type);
  return Status();
}

Status AmqpBroker::bind_queue(std::string_view queue, std::string_view exchange, std::string_view key,
                              const broker::Headers& arguments) {
  SLUICE_RETURN_IF_ERROR(require_queue(queue));
  Binding binding{std::string(queue), std::string(exchange), std::string(key), arguments};
  SLUICE_RETURN_IF_ERROR(retrying([&] { return bind_on_server(binding); }));
  if (!exchanges_.contains(exchange)) {
    // Declared by another client: mirror it for naming the queues a publish reaches.
    (void)routes_.declare_exchange(exchange, broker::ExchangeType::kDirect);
  }
  (void)routes_.bind(queue, exchange, key, arguments);
  bindings_.push_back(std::move(binding));
  return Status();
}

Result<std::vector<std::string>> AmqpBroker::publish(std::string_view exchange, std::string_view routing_key,
                                                     const broker::Headers& headers,
                                                     const broker::BrokerSendRequest& request, bool mandatory) {
  if (!request.group_id.empty() || !request.deduplication_id.empty()) {
    return unsupported("publishing to FIFO queues (message groups, deduplication)");
  }
  if (request.delay && *request.delay > 0s) return unsupported("a message delay");
  Result<std::vector<std::string>> routed = retrying([&, message_id = broker::make_message_id(prng_).text()] {
    return publish_once(exchange, routing_key, headers, request, mandatory, message_id);
  });
  if (routed.ok()) {
    for (const std::string& queue : *routed) serve_waiters(queue);
  }
  return routed;
}

// ---- Logs: Kafka's model has no faithful RabbitMQ equivalent here.

Status AmqpBroker::create_topic(std::string_view, const broker::TopicConfig&) {
  return unsupported("a Kafka-style log (topics, partitions, consumer groups)");
}
Result<broker::AppendResult> AmqpBroker::append(std::string_view, broker::AppendRequest) {
  return unsupported("a Kafka-style log");
}
Result<std::vector<broker::LogRecord>> AmqpBroker::fetch(std::string_view, std::uint32_t, std::int64_t, std::size_t) {
  return unsupported("a Kafka-style log");
}
Result<std::int64_t> AmqpBroker::offset_for_time(std::string_view, std::uint32_t, time::Instant) {
  return unsupported("a Kafka-style log");
}
Result<std::uint64_t> AmqpBroker::join_group(std::string_view, std::string_view, std::string_view) {
  return unsupported("a Kafka-style consumer group");
}
Status AmqpBroker::leave_group(std::string_view, std::string_view, std::string_view) {
  return unsupported("a Kafka-style consumer group");
}
Status AmqpBroker::heartbeat(std::string_view, std::string_view, std::string_view) {
  return unsupported("a Kafka-style consumer group");
}
Result<std::vector<std::uint32_t>> AmqpBroker::assignment(std::string_view, std::string_view, std::string_view) {
  return unsupported("a Kafka-style consumer group");
}
Status AmqpBroker::commit(std::string_view, std::string_view, std::string_view, std::uint64_t, std::uint32_t,
                          std::int64_t) {
  return unsupported("a Kafka-style consumer group");
}
Result<std::optional<std::int64_t>> AmqpBroker::committed(std::string_view, std::string_view, std::uint32_t) {
  return unsupported("a Kafka-style consumer group");
}

Status AmqpBroker::delete_declared() {
  for (const auto& [tag, consumer] : std::map(consumers_)) (void)cancel(consumer.queue, tag);
  std::vector<std::string> queues = list_queues("");
  // Sources before their dead-letter queues.
  std::sort(queues.begin(), queues.end(), [&](const std::string& a, const std::string& b) {
    auto redrives = [&](const std::string& q) {
      auto it = sqs_queues_.find(q);
      return it != sqs_queues_.end() && it->second.config.redrive.has_value();
    };
    return redrives(a) > redrives(b);
  });
  for (const std::string& queue : queues) {
    if (sqs_queues_.contains(queue)) {
      for (auto& [name, q] : sqs_queues_) {
        if (name != queue && q.config.redrive && q.config.redrive->dead_letter_queue == queue) q.config.redrive.reset();
      }
    }
    SLUICE_RETURN_IF_ERROR(delete_queue(queue));
  }
  for (const auto& [name, type] : exchanges_) {
    SLUICE_RETURN_IF_ERROR(session_->ready(AmqpSession::kControl));
    amqp_exchange_delete(session_->raw(), AmqpSession::kControl, bytes_of(name), 0);
    SLUICE_RETURN_IF_ERROR(
        session_->check(amqp_get_rpc_reply(session_->raw()), AmqpSession::kControl, "exchange.delete"));
    (void)routes_.delete_exchange(name);
  }
  exchanges_.clear();
  bindings_.clear();
  return Status();
}

void AmqpBroker::pump(std::chrono::milliseconds wait) {
  if (!session_->connected() && !consumers_.empty()) (void)session_->ready(AmqpSession::kConsume);
  session_->pump(wait);
}

}  // namespace sluice::native
