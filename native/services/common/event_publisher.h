// event_publisher.h: EventPublisher, how services put an event on the broker's topic
// exchange (POST /v1/exchanges/:exchange/publish), with its traceparent, tracestate,
// correlation-id and idempotency-key as headers (message attributes for SQS
// consumers, AMQP headers on RabbitMQ). The exchange is declared on first use, and again if the broker forgot it.
#ifndef SLUICE_NATIVE_SERVICES_COMMON_EVENT_PUBLISHER_H_
#define SLUICE_NATIVE_SERVICES_COMMON_EVENT_PUBLISHER_H_

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "core/base/status.h"
#include "native/runtime/http_client.h"

namespace sluice::native {

class EventPublisher {
 public:
  EventPublisher(HttpClient& broker, std::string exchange) : broker_(broker), exchange_(std::move(exchange)) {}

  // publish: `event` (an object with correlationId, idempotencyKey, traceparent and
  // perhaps tracestate, as order events have) under `routing_key`; `done` gets the broker's verdict.
  void publish(const std::string& routing_key, const nlohmann::json& event, std::function<void(Status)> done);

 private:
  void declare(std::function<void(Status)> done);

  HttpClient& broker_;
  std::string exchange_;
  bool declared_ = false;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_COMMON_EVENT_PUBLISHER_H_
