// outbox_relay.h: OutboxRelay, publishes the order store's outbox to the broker's
// topic exchange (through an EventPublisher), oldest first, marking each event
// published only after the broker accepted it: at-least-once, in order, nothing lost
// across a crash of either side (consumers deduplicate by idempotency key). While the
// broker is away it retries every `retry_every`.
#ifndef SLUICE_NATIVE_SERVICES_ORDER_OUTBOX_RELAY_H_
#define SLUICE_NATIVE_SERVICES_ORDER_OUTBOX_RELAY_H_

#include <asio.hpp>
#include <chrono>
#include <string>

#include "native/runtime/json_log.h"
#include "native/services/common/event_publisher.h"
#include "native/services/order/order_store.h"

namespace sluice::native {

class OutboxRelay {
 public:
  OutboxRelay(asio::io_context& io, OrderStore& store, EventPublisher& publisher, JsonLog& log,
              std::chrono::milliseconds retry_every = std::chrono::milliseconds(500));

  // poke: there may be new events; publishes them now unless a round is running.
  void poke();
  std::uint64_t published() const { return published_; }

 private:
  void publish_next();
  void retry_later();
  void round_done();

  asio::io_context& io_;
  OrderStore& store_;
  EventPublisher& publisher_;
  JsonLog& log_;
  std::chrono::milliseconds retry_every_;
  asio::steady_timer timer_;
  bool busy_ = false;
  bool poked_while_busy_ = false;
  std::uint64_t published_ = 0;
};

}  // namespace sluice::native

#endif  // SLUICE_NATIVE_SERVICES_ORDER_OUTBOX_RELAY_H_
