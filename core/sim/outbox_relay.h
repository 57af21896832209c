// outbox_relay.h: OutboxRelay, a service's transactional outbox: events stored with the
// service's own data, published to the broker until the broker acknowledges them.
//
// Events are core/saga SagaEvents (their encoded JSON is the message body), published
// to the "orders" topic exchange with their type as the routing key. Up to `kWindow` are
// in flight at once, but at most one per order (its FIFO group), so an order's events
// reach the FIFO queues in the order they were written even when the network reorders
// messages. An event not acknowledged within `kResendAfter` is sent again; the broker's
// FIFO deduplication (the event's key is its deduplication id) keeps a resend that had
// in fact arrived from being queued twice.
//
// The order service's relay also appends each event to the "order-events" log, as a
// RabbitMQ stream bound to the exchange would receive it.
#ifndef SLUICE_CORE_SIM_OUTBOX_RELAY_H_
#define SLUICE_CORE_SIM_OUTBOX_RELAY_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/saga/saga_event.h"
#include "core/sim/sim_context.h"

namespace sluice::sim {

inline constexpr std::string_view kOrdersExchange = "orders";

struct OutboxStats {
  std::uint64_t written = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t resent = 0;
  std::uint64_t pending = 0;
};

class OutboxRelay {
 public:
  static constexpr std::size_t kWindow = 16;
  static constexpr time::Duration kResendAfter = std::chrono::milliseconds(500);

  // OutboxRelay: publishes from `node`; `append_to_log` also appends to "order-events".
  OutboxRelay(SimContext& context, Node node, bool append_to_log)
      : context_(context), node_(node), append_to_log_(append_to_log) {}

  // add: stores an event (durably, with the service's data) and publishes it when it can.
  void add(saga::SagaEvent event);
  // pump: sends what the window and the groups allow.
  void pump();
  // crash: the process died; nothing is in flight any more. Stored events stay.
  void crash();

  // acknowledged: the keys of every event the broker acknowledged, in that order.
  const std::vector<std::string>& acknowledged() const { return acknowledged_; }
  OutboxStats stats() const;

 private:
  struct Entry {
    std::uint64_t sequence = 0;
    saga::SagaEvent event;
    bool in_flight = false;
    std::uint32_t sends = 0;
  };
  void send(Entry& entry);
  void on_acknowledged(std::uint64_t sequence);
  void on_resend_timer(std::uint64_t sequence, std::uint64_t generation, std::uint32_t send);

  SimContext& context_;
  Node node_;
  bool append_to_log_;
  std::deque<Entry> pending_;
  std::uint64_t last_sequence_ = 0;
  std::uint64_t generation_ = 0;  // bumped by crash(): older timers do nothing
  std::size_t in_flight_ = 0;
  std::vector<std::string> acknowledged_;
  OutboxStats stats_;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_OUTBOX_RELAY_H_
