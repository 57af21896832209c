// event_bus.h: EventBus, choreography over any MessageBroker: services publish saga
// events to one topic exchange and react to the ones they subscribed to, each from its
// own SQS-style queue.
//
//   EventBus bus(broker);
//   bus.declare();
//   bus.subscribe("payment", {"OrderCreated", "StockReservationFailed"});
//   bus.publish({.type = "OrderCreated", .correlation_id = "order-42", .payload = order});
//   bus.poll("payment", {.max_messages = 10}, [&](const SagaEvent& e) -> Result<std::vector<SagaEvent>> {
//     ... charge ...
//     return std::vector<SagaEvent>{{.type = "PaymentCharged", .correlation_id = e.correlation_id}};
//   }, [](Result<std::size_t> handled) {});
//
// Delivery is at least once, processing effectively once: a message is deleted only
// after its reaction succeeded and the events it returned were published; a failed
// reaction leaves it to come back after the visibility timeout (and to the queue's
// dead-letter queue after maxReceiveCount). A copy of an event this bus already
// processed for that service (same idempotency key) is deleted without reacting again.
//
// Trace context: publish() copies the event's traceparent and tracestate into message
// attributes; a reaction sees the context of the message it consumes, read from those
// attributes (or the body, when a producer set none) by observe::read_trace_context, so
// an invalid traceparent or tracestate never reaches its follow-ups.
#ifndef SLUICE_CORE_SAGA_EVENT_BUS_H_
#define SLUICE_CORE_SAGA_EVENT_BUS_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/broker/message_broker.h"
#include "core/observe/event.h"
#include "core/saga/recent_keys.h"
#include "core/saga/saga_event.h"

namespace sluice::saga {

class EventBus {
 public:
  using Reaction = std::function<Result<std::vector<SagaEvent>>(const SagaEvent&)>;
  using PollDone = std::function<void(Result<std::size_t>)>;

  // EventBus: the broker and sink outlive the bus. Each service remembers the last
  // `remembered_keys` idempotency keys it processed.
  explicit EventBus(broker::MessageBroker& broker, std::string exchange = "saga-events",
                    observe::EventSink* events = nullptr, std::size_t remembered_keys = 100'000);

  // declare: the topic exchange the events go through.
  Status declare();
  // subscribe: the queue "<service>-events", bound to each event type.
  Status subscribe(std::string_view service, const std::vector<std::string>& event_types,
                   const broker::QueueConfig& config = {});
  // publish: sends the event to every subscribed queue; it returns once stored.
  Status publish(const SagaEvent& event);
  // poll: one receive from the service's queue; `done` gets how many events reacted.
  void poll(std::string_view service, const broker::ReceiveRequest& request, Reaction react, PollDone done);

  static std::string queue_for(std::string_view service) { return std::string(service) + "-events"; }

 private:
  // handle: reacts to one message and acknowledges it; false if it stays for redelivery.
  bool handle(const std::string& service, const broker::BrokerMessage& message, const Reaction& react);
  void report(std::string_view what, std::string_view service, std::string_view detail);

  broker::MessageBroker& broker_;
  std::string exchange_;
  observe::EventSink* events_;
  std::size_t remembered_keys_;
  std::map<std::string, RecentKeys, std::less<>> processed_;  // service -> recent idempotency keys
};

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_EVENT_BUS_H_
