#include "native/services/order/outbox_relay.h"

#include <nlohmann/json.hpp>

namespace sluice::native {

OutboxRelay::OutboxRelay(asio::io_context& io, OrderStore& store, EventPublisher& publisher, JsonLog& log,
                         std::chrono::milliseconds retry_every)
    : io_(io), store_(store), publisher_(publisher), log_(log), retry_every_(retry_every), timer_(io) {}

void OutboxRelay::poke() {
  if (busy_) {
    poked_while_busy_ = true;
    return;
  }
  busy_ = true;
  poked_while_busy_ = false;
  publish_next();
}

void OutboxRelay::publish_next() {
  Result<std::vector<OutboxEvent>> next = store_.unpublished(1);
  if (!next.ok()) {
    log_.log(spdlog::level::err, "outbox.read_failed", nullptr, std::nullopt, {{"error", next.status().message()}});
    return retry_later();
  }
  if (next->empty()) return round_done();
  const OutboxEvent event = next->front();
  publisher_.publish(event.routing_key, nlohmann::json::parse(event.body), [this, event](Status published) {
    if (!published.ok()) {
      log_.log(spdlog::level::warn, "outbox.publish_failed", nullptr, std::nullopt,
               {{"event", event.idempotency_key}, {"error", published.message()}});
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
