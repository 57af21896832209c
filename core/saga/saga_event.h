// saga_event.h: SagaEvent, the envelope of a choreographed saga's events on the broker.
//
// The body is JSON: {"type", "correlation_id", "idempotency_key", "traceparent",
// "tracestate", "payload"} ("tracestate" only when there is one). The type is also the
// routing key, and the correlation id, idempotency key, traceparent and tracestate are
// copied into message attributes so that a consumer (or a person reading a queue) sees
// them without parsing the body.
#ifndef SLUICE_CORE_SAGA_SAGA_EVENT_H_
#define SLUICE_CORE_SAGA_SAGA_EVENT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace sluice::saga {

struct SagaEvent {
  std::string type;            // e.g. "OrderCreated"; letters, digits, '_' and '-'
  std::string correlation_id;  // the saga: every event of one order carries its id
  // idempotency_key: the same for every copy of one event (a republish after a crash
  // included); consumers drop keys they have processed. Empty: "<correlation id>:<type>".
  std::string idempotency_key;
  std::string traceparent;  // W3C trace context of the work that caused it, or empty
  std::string tracestate;   // its validated tracestate, or empty
  nlohmann::json payload = nlohmann::json::object();

  // key: the idempotency key, or its default.
  std::string key() const { return idempotency_key.empty() ? correlation_id + ":" + type : idempotency_key; }
};

std::string encode_event(const SagaEvent& event);

// decode_event: the event in a message body, or an error naming what is wrong.
Result<SagaEvent> decode_event(std::string_view body);

}  // namespace sluice::saga

#endif  // SLUICE_CORE_SAGA_SAGA_EVENT_H_
