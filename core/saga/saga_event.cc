#include "core/saga/saga_event.h"

#include "core/config/json_fields.h"
#include "core/config/parse_json.h"

namespace sluice::saga {

namespace {

bool is_event_type(std::string_view type) {
  if (type.empty()) return false;
  for (char c : type) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string encode_event(const SagaEvent& event) {
  nlohmann::json body = {{"type", event.type},
                         {"correlation_id", event.correlation_id},
                         {"idempotency_key", event.key()},
                         {"traceparent", event.traceparent},
                         {"payload", event.payload}};
  if (!event.tracestate.empty()) body["tracestate"] = event.tracestate;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<SagaEvent> decode_event(std::string_view body) {
  Result<nlohmann::json> parsed = config::parse_json(body);
  if (!parsed.ok()) return Status::invalid_argument("saga event: " + parsed.status().message());
  SagaEvent event;
  config::JsonFields f(*parsed, "saga event");
  f.text("type", event.type);
  f.text("correlation_id", event.correlation_id);
  f.text("idempotency_key", event.idempotency_key);
  f.text("traceparent", event.traceparent);
  f.text("tracestate", event.tracestate);
  const nlohmann::json* payload = f.object("payload");
  SLUICE_RETURN_IF_ERROR(f.finish());
  if (!is_event_type(event.type)) {
    return Status::invalid_argument("saga event: \"type\" must be letters, digits, '_' or '-'; got \"" + event.type +
                                    "\"");
  }
  if (event.correlation_id.empty()) return Status::invalid_argument("saga event: \"correlation_id\" is missing");
  if (payload != nullptr) {
    if (!payload->is_object()) return Status::invalid_argument("saga event: \"payload\" must be an object");
    event.payload = *payload;
  }
  return event;
}

}  // namespace sluice::saga
