#include "native/services/common/event_publisher.h"

namespace sluice::native {
namespace {

using nlohmann::json;

HttpRequest post(std::string target, const json& body) {
  HttpRequest request;
  request.method = "POST";
  request.path = target;
  request.target = std::move(target);
  request.headers = {{"content-type", "application/json"}};
  request.body = body.dump();
  return request;
}

Status verdict(const Result<HttpClientResponse>& response) {
  if (!response.ok()) return response.status();
  if (response->status == 200) return Status();
  return Status(response->status == 404 ? StatusCode::kNotFound : StatusCode::kUnavailable,
                "the broker answered " + std::to_string(response->status) + ": " + response->body);
}

}  // namespace

void EventPublisher::declare(std::function<void(Status)> done) {
  broker_.request(post("/v1/exchanges/" + exchange_, {{"type", "topic"}}),
                  [this, done = std::move(done)](Result<HttpClientResponse> response) {
                    Status status = verdict(response);
                    declared_ = status.ok();
                    done(status);
                  });
}

void EventPublisher::publish(const std::string& routing_key, const json& event, std::function<void(Status)> done) {
  if (!declared_) {
    return declare([this, routing_key, event, done = std::move(done)](Status declared) {
      if (!declared.ok()) return done(declared);
      publish(routing_key, event, done);
    });
  }
  json body = {{"routing_key", routing_key},
               {"body", event.dump()},
               {"headers",
                {{"traceparent", event.value("traceparent", "")},
                 {"idempotency-key", event.value("idempotencyKey", "")},
                 {"correlation-id", event.value("correlationId", "")}}}};
  // The trace headers travel as message attributes (SQS) and headers (AMQP).
  if (const std::string tracestate = event.value("tracestate", ""); !tracestate.empty()) {
    body["headers"]["tracestate"] = tracestate;
  }
  broker_.request(post("/v1/exchanges/" + exchange_ + "/publish", body),
                  [this, done = std::move(done)](Result<HttpClientResponse> response) {
                    Status status = verdict(response);
                    if (status.code() == StatusCode::kNotFound) declared_ = false;  // the broker forgot it
                    done(status);
                  });
}

}  // namespace sluice::native
