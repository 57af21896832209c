#include "native/services/common/choreography_events.h"

#include <chrono>
#include <ctime>

namespace sluice::native {

std::string kebab(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string routing_key_of(std::string_view event_type) {
  std::string key = kebab(event_type);
  const std::size_t dash = key.find('-');
  if (dash != std::string::npos) key[dash] = '.';
  return key;
}

nlohmann::json follow_up(const services::OrderEvent& cause, std::string_view event_type, const nlohmann::json& fields) {
  nlohmann::json event = nlohmann::json::object();
  for (const char* kept : {"orderId", "userId", "items", "total", "card", "correlationId"}) {
    if (cause.body.contains(kept)) event[kept] = cause.body[kept];
  }
  event["eventType"] = event_type;
  event["idempotencyKey"] = kebab(event_type) + "-" + cause.order_id;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  event["timestamp"] = text;
  for (const auto& [key, value] : fields.items()) event[key] = value;
  return event;
}

void publish_follow_up(EventPublisher& publisher, JsonLog& log, const ConsumedEvent& cause, const nlohmann::json& event,
                       std::function<void(bool)> done) {
  const std::string type = event.value("eventType", "");
  // The follow-up continues the trace the cause came with, as the consumer read it.
  nlohmann::json sent = event;
  sent.erase("traceparent");
  sent.erase("tracestate");
  if (cause.trace) {
    sent["traceparent"] = cause.trace->traceparent();
    if (!cause.trace->tracestate.empty()) sent["tracestate"] = cause.trace->tracestate;
  }
  publisher.publish(routing_key_of(type), sent, [&log, cause, type, done = std::move(done)](Status published) {
    const observe::TraceContext* trace = cause.trace ? &*cause.trace : nullptr;
    log.log(published.ok() ? spdlog::level::info : spdlog::level::warn,
            published.ok() ? "choreography.published" : "choreography.publish_failed", trace, std::nullopt,
            {{"event", type}, {"orderId", cause.event.order_id}, {"error", published.message()}});
    done(published.ok());
  });
}

}  // namespace sluice::native
