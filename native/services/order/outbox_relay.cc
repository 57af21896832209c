#include "native/services/order/outbox_relay.h"

#include <nlohmann/json.hpp>

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

}  // namespace

OutboxRelay::OutboxRelay(asio::io_context& io, OrderStore& store, HttpClient& broker, std::string exchange,
                         JsonLog& log, std::chrono::milliseconds retry_every)
    : io_(io),
      store_(store),
      broker_(broker),
      exchange_(std::move(exchange)),
      log_(log),
      retry_every_(retry_every),
      timer_(io) {}

void OutboxRelay::poke() {
  if (busy_) {
    poked_while_busy_ = true;
    return;
  }
  busy_ = true;
  poked_while_busy_ = false;
  if (!declared_) return declare();
  publish_next();
}

void OutboxRelay::declare() {
  broker_.request(post("/v1/exchanges/" + exchange_, {{"type", "topic"}}), [this](Result<HttpClientResponse> response) {
    if (!response.ok() || response->status != 200) {
      log_.log(spdlog::level::warn, "outbox.broker_unavailable", nullptr, std::nullopt,
               {{"error", response.ok() ? response->body : response.status().message()}});
      return retry_later();
    }
    declared_ = true;
    publish_next();
  });
}

void OutboxRelay::publish_next() {
  Result<std::vector<OutboxEvent>> next = store_.unpublished(1);
  if (!next.ok()) {
    log_.log(spdlog::level::err, "outbox.read_failed", nullptr, std::nullopt, {{"error", next.status().message()}});
    return retry_later();
  }
  if (next->empty()) return round_done();
  const OutboxEvent event = next->front();
  HttpRequest request = post("/v1/exchanges/" + exchange_ + "/publish",
                             {{"routing_key", event.routing_key},
                              {"body", event.body},
                              {"headers",
                               {{"traceparent", event.traceparent},
                                {"idempotency-key", event.idempotency_key},
                                {"correlation-id", json::parse(event.body).value("correlationId", "")}}}});
  broker_.request(std::move(request), [this, event](Result<HttpClientResponse> response) {
    if (response.ok() && response->status == 404) {
      declared_ = false;  // the broker forgot the exchange
      return declare();
    }
    if (!response.ok() || response->status != 200) {
      log_.log(
          spdlog::level::warn, "outbox.publish_failed", nullptr, std::nullopt,
          {{"event", event.idempotency_key}, {"error", response.ok() ? response->body : response.status().message()}});
      return retry_later();
    }
    if (Status s = store_.mark_published(event.id); !s.ok()) {
      log_.log(spdlog::level::err, "outbox.mark_failed", nullptr, std::nullopt, {{"error", s.message()}});
      return retry_later();
    }
    ++published_;
    publish_next();
  });
}

void OutboxRelay::retry_later() {
  timer_.expires_after(retry_every_);
  timer_.async_wait([this](const asio::error_code& error) {
    if (error) return;
    busy_ = false;
    poke();
  });
}

void OutboxRelay::round_done() {
  busy_ = false;
  if (poked_while_busy_) poke();
}

}  // namespace sluice::native
