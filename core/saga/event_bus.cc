#include "core/saga/event_bus.h"

#include <array>
#include <memory>
#include <utility>

#include "core/observe/trace_context.h"

namespace sluice::saga {
namespace {

const std::string* string_attribute(const broker::MessageAttributes& attributes, std::string_view name) {
  const auto it = attributes.find(name);
  return it == attributes.end() ? nullptr : &it->second.string_value;
}

// continue_trace: the trace context the reaction continues. The message attributes
// are the transport's trace headers and win over the body; either way it is validated
// as any incoming context is, and an invalid one is not carried into follow-ups.
void continue_trace(const broker::MessageAttributes& attributes, SagaEvent& event) {
  const std::string* traceparent = string_attribute(attributes, "traceparent");
  const std::string* tracestate = string_attribute(attributes, "tracestate");
  const observe::TraceHeaders headers =
      traceparent != nullptr ? observe::TraceHeaders::one(*traceparent, tracestate ? *tracestate : std::string_view())
                             : observe::TraceHeaders::one(event.traceparent, event.tracestate);
  const Result<observe::TraceContext> context = observe::read_trace_context(headers);
  event.traceparent = context.ok() ? context->traceparent() : std::string();
  event.tracestate = context.ok() ? context->tracestate : std::string();
}

}  // namespace

EventBus::EventBus(broker::MessageBroker& broker, std::string exchange, observe::EventSink* events,
                   std::size_t remembered_keys)
    : broker_(broker), exchange_(std::move(exchange)), events_(events), remembered_keys_(remembered_keys) {}

Status EventBus::declare() { return broker_.declare_exchange(exchange_, broker::ExchangeType::kTopic); }

Status EventBus::subscribe(std::string_view service, const std::vector<std::string>& event_types,
                           const broker::QueueConfig& config) {
  if (service.empty()) return Status::invalid_argument("event bus: a service name must not be empty");
  const std::string queue = queue_for(service);
  SLUICE_RETURN_IF_ERROR(broker_.create_queue(queue, config));
  for (const std::string& type : event_types) {
    SLUICE_RETURN_IF_ERROR(broker_.bind_queue(queue, exchange_, type));
  }
  return Status();
}

Status EventBus::publish(const SagaEvent& event) {
  broker::BrokerSendRequest request;
  request.body = encode_event(event);
  request.attributes["correlation_id"] = {.data_type = "String", .string_value = event.correlation_id};
  request.attributes["idempotency_key"] = {.data_type = "String", .string_value = event.key()};
  // The trace context goes as message attributes (SQS) and as headers (what an AMQP
  // consumer of a RabbitMQ backend reads), as the broker's /v1 publish sends them.
  broker::Headers headers;
  if (!event.traceparent.empty()) {
    request.attributes["traceparent"] = {.data_type = "String", .string_value = event.traceparent};
    headers.emplace("traceparent", event.traceparent);
  }
  if (!event.tracestate.empty()) {
    request.attributes["tracestate"] = {.data_type = "String", .string_value = event.tracestate};
    headers.emplace("tracestate", event.tracestate);
  }
  Result<std::vector<std::string>> routed = broker_.publish(exchange_, event.type, headers, request);
  if (!routed.ok()) return routed.status();
  if (routed->empty()) report("saga.event_unrouted", event.type, event.correlation_id);
  return Status();
}

void EventBus::poll(std::string_view service, const broker::ReceiveRequest& request, Reaction react, PollDone done) {
  std::string name(service);
  broker_.receive(queue_for(service), request,
                  [this, name = std::move(name), react = std::move(react),
                   done = std::move(done)](Result<std::vector<broker::BrokerMessage>> received) {
                    if (!received.ok()) return done(received.status());
                    std::size_t handled = 0;
                    for (const broker::BrokerMessage& message : *received) handled += handle(name, message, react);
                    done(handled);
                  });
}

bool EventBus::handle(const std::string& service, const broker::BrokerMessage& message, const Reaction& react) {
  const std::string queue = queue_for(service);
  Result<SagaEvent> event = decode_event(message.message.body);
  if (!event.ok()) {
    // Left in the queue: its redrive policy moves it to a dead-letter queue, where a
    // person can look at it. Nothing is dropped silently.
    report("saga.event_malformed", service, event.status().message());
    return false;
  }
  SagaEvent cause = *event;
  continue_trace(message.message.attributes, cause);
  RecentKeys& processed = processed_.try_emplace(service, remembered_keys_).first->second;
  const std::string key = cause.key();
  if (processed.contains(key)) {
    report("saga.event_duplicate", service, key);
    static_cast<void>(broker_.delete_message(queue, message.message.receipt_handle));
    return false;
  }
  Result<std::vector<SagaEvent>> reaction = react(cause);
  if (!reaction.ok()) {
    report("saga.reaction_failed", service, reaction.status().message());
    return false;
  }
  for (const SagaEvent& next : *reaction) {
    if (Status s = publish(next); !s.ok()) {
      report("saga.publish_failed", service, s.message());
      return false;  // redelivered; the reaction's effects are idempotent by key
    }
  }
  processed.insert(key);
  static_cast<void>(broker_.delete_message(queue, message.message.receipt_handle));
  return true;
}

void EventBus::report(std::string_view what, std::string_view service, std::string_view detail) {
  if (events_ == nullptr) return;
  const std::array<observe::Attribute, 1> attributes = {{{"detail", detail}}};
  events_->on_event({.what = what, .where = service, .attributes = attributes});
}

}  // namespace sluice::saga
