#include "tests/sim/invariants.h"

#include <map>
#include <set>
#include <string_view>

namespace sluice::sim::testing {
namespace {

using Failures = std::vector<std::string>;

std::string order_of(std::string_view key) { return std::string(key.substr(0, key.find(':'))); }

// The keys in the dead-letter queue, read (and so consumed) from the broker.
std::set<std::string> drain_dead_letters(World& world) {
  std::set<std::string> keys;
  for (int round = 0; round < 100'000; ++round) {
    bool empty = true;
    world.broker().receive(kNotificationDlq, {.max_messages = 10, .wait = time::Duration(0)},
                           [&](Result<std::vector<broker::BrokerMessage>> received) {
                             if (!received.ok()) return;
                             for (const broker::BrokerMessage& m : *received) {
                               Result<saga::SagaEvent> event = saga::decode_event(m.message.body);
                               keys.insert(event.ok() ? event->key() : m.message.body);
                               (void)world.broker().delete_message(kNotificationDlq, m.message.receipt_handle);
                               empty = false;
                             }
                           });
    world.run_until(world.now() + std::chrono::milliseconds(1));
    if (empty) break;
  }
  return keys;
}

void check_sagas(World& world, Failures& failures) {
  for (const auto& [id, order] : world.orders().orders()) {
    if (order.status == OrderStatus::kPending) failures.push_back("saga " + id + " is stuck (order still PENDING)");
  }
  const OutboxStats outbox = world.orders().outbox().stats();
  if (outbox.pending != 0) failures.push_back(std::to_string(outbox.pending) + " outbox events never acknowledged");
}

void check_stock(World& world, Failures& failures) {
  const InventoryLedger& inventory = world.inventory();
  std::uint64_t held = 0;
  std::set<std::string> holding;
  for (const auto& [key, reservation] : inventory.reservations()) {
    if (reservation.state != HoldState::kHeld) continue;
    held += reservation.quantity;
    holding.insert(order_of(key));
  }
  if (inventory.initial_total() != inventory.stock_total() + held) {
    failures.push_back("stock not conserved: initial " + std::to_string(inventory.initial_total()) + " != on hand " +
                       std::to_string(inventory.stock_total()) + " + held " + std::to_string(held));
  }
  const PaymentLedger& payment = world.payment();
  std::int64_t held_cents = 0;
  std::set<std::string> charged;
  for (const auto& [key, charge] : payment.charges()) {
    if (charge.state != HoldState::kHeld) continue;
    held_cents += charge.cents;
    charged.insert(order_of(key));
  }
  if (payment.charged_cents() - payment.refunded_cents() != held_cents) {
    failures.push_back("money not conserved: charged " + std::to_string(payment.charged_cents()) + " - refunded " +
                       std::to_string(payment.refunded_cents()) + " != held " + std::to_string(held_cents));
  }
  for (const auto& [id, order] : world.orders().orders()) {
    const bool confirmed = order.status == OrderStatus::kConfirmed;
    if (order.status == OrderStatus::kNeedsAttention) continue;  // a person decides
    if (confirmed != holding.contains(id)) {
      failures.push_back("order " + id + (confirmed ? " confirmed without" : " not confirmed but holds") + " stock");
    }
    if (confirmed != charged.contains(id)) {
      failures.push_back("order " + id + (confirmed ? " confirmed without" : " not confirmed but holds") + " a charge");
    }
  }
}

void check_messages(World& world, Failures& failures) {
  const std::vector<std::string>& acknowledged = world.orders().outbox().acknowledged();
  const std::set<std::string> distinct(acknowledged.begin(), acknowledged.end());
  if (distinct.size() != acknowledged.size()) failures.push_back("the outbox had an event acknowledged twice");
  const std::set<std::string> dead = drain_dead_letters(world);
  const auto& handled = world.notifications().handled();
  std::size_t lost = 0;
  for (const std::string& key : distinct) {
    if (!handled.contains(key) && !dead.contains(key)) {
      if (++lost <= 3) failures.push_back("event " + key + " acknowledged but never handled nor dead-lettered");
    }
  }
  if (lost > 3) failures.push_back("... " + std::to_string(lost) + " such events in all");
  if (const Result<broker::QueueStats> q = world.broker().queue_stats(kNotificationQueue);
      q.ok() && q->sent != distinct.size()) {
    failures.push_back("deduplication: the queue accepted " + std::to_string(q->sent) + " messages for " +
                       std::to_string(distinct.size()) + " distinct events");
  }
  for (const auto& [order, types] : world.notifications().first_handled()) {
    std::size_t outcomes = 0;
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (types[i] == "OrderCreated") {
        if (i != 0) failures.push_back("FIFO broken for " + order + ": created handled after its outcome");
      } else {
        ++outcomes;
      }
    }
    if (outcomes > 1) failures.push_back("order " + order + " had " + std::to_string(outcomes) + " outcomes");
  }
  bool bug_unrepaired = false;
  for (const Fault& fault : world.scenario().faults) {
    if (fault.action == FaultAction::kConsumerBug) bug_unrepaired = true;
    if (fault.action == FaultAction::kReplay) bug_unrepaired = false;
  }
  if (!bug_unrepaired &&
      world.analytics().counted() != std::set<std::string, std::less<>>(distinct.begin(), distinct.end())) {
    failures.push_back("analytics counted " + std::to_string(world.analytics().counted().size()) + " events, " +
                       std::to_string(distinct.size()) + " were published");
  }
}

// Scans the trace: probes let through while HALF_OPEN, per half-open period.
void check_breaker(World& world, Failures& failures) {
  const auto& breaker = world.scenario().inventory_client.circuit_breaker;
  if (!breaker) return;
  Trace& trace = world.trace();
  bool half_open = false;
  std::uint32_t probes = 0;
  for (std::uint64_t c = trace.begin(); c < trace.end(); ++c) {
    const TraceEvent& e = trace.event(c);
    const std::string_view what = trace.text(e.what);
    const TraceAttribute* a = trace.attributes(e);
    auto text_of = [&](std::string_view key) -> std::string_view {
      for (std::uint32_t i = 0; i < e.attribute_count; ++i) {
        if (trace.text(a[i].key) == key && a[i].kind == TraceAttribute::Kind::kText) {
          return trace.text(static_cast<std::uint32_t>(a[i].number));
        }
      }
      return {};
    };
    if (what == "breaker.state_changed") {
      half_open = text_of("to") == "HALF_OPEN";
      probes = 0;
    } else if (what == "service.crashed" && trace.text(e.where) == "order") {
      half_open = false;  // the breaker died with the process; the next one starts CLOSED
    } else if (half_open && what == "msg.sent" && trace.text(e.where) == "order" && text_of("label") == "checkStock") {
      if (++probes > breaker->permitted_calls_in_half_open) {
        failures.push_back("half-open breaker let through " + std::to_string(probes) + " probes, " +
                           std::to_string(breaker->permitted_calls_in_half_open) + " permitted");
        return;
      }
    }
  }
}

void check_retry_budget(World& world, Failures& failures) {
  const auto& budget = world.scenario().inventory_client.retry_budget;
  const InventoryClient* client = world.orders().inventory_client();
  if (!budget || client == nullptr || client->budget() == nullptr) return;
  // Over the client's life: retries may add percent_can_retry of the requests, plus the
  // floor of min_retries_per_second over every second it lived.
  const double seconds = static_cast<double>(world.now().time_since_epoch().count()) / 1e9;
  const double allowed = budget->percent_can_retry / 100.0 * static_cast<double>(client->stats().calls) +
                         budget->min_retries_per_second * (seconds + 1);
  if (static_cast<double>(client->stats().retries) > allowed) {
    failures.push_back("retry budget exceeded: " + std::to_string(client->stats().retries) + " retries, at most " +
                       std::to_string(allowed) + " allowed");
  }
}

}  // namespace

std::vector<std::string> check_invariants(World& world) {
  Failures failures;
  check_sagas(world, failures);
  check_stock(world, failures);
  check_breaker(world, failures);
  check_retry_budget(world, failures);
  check_messages(world, failures);  // last: it drains the dead-letter queue
  return failures;
}

PathsHit paths_hit(World& world) {
  Trace& trace = world.trace();
  PathsHit hit;
  for (std::uint64_t c = trace.begin(); c < trace.end(); ++c) {
    const TraceEvent& e = trace.event(c);
    const std::string_view what = trace.text(e.what);
    const TraceAttribute* a = trace.attributes(e);
    for (std::uint32_t i = 0; i < e.attribute_count; ++i) {
      if (a[i].kind != TraceAttribute::Kind::kText || trace.text(a[i].key) != "to") continue;
      const std::string_view to = trace.text(static_cast<std::uint32_t>(a[i].number));
      if (what == "breaker.state_changed" && to == "OPEN") hit.breaker_opened = true;
      if (what == "breaker.state_changed" && to == "HALF_OPEN") hit.breaker_half_open = true;
    }
  }
  hit.compensated = world.orders().stats().cancelled > 0 && world.payment().refunded_cents() > 0;
  hit.dead_lettered = trace.count_of("queue.dead_lettered") > 0;
  hit.redelivered = trace.count_of("queue.visible_again") > 0 || world.notifications().stats().duplicates > 0;
  hit.order_recovered = trace.count_of("order.recovered") > 0;
  hit.retry_refused = trace.count_of("retry.refused") > 0;
  hit.message_lost = world.network().stats().lost > 0;
  hit.message_duplicated = world.network().stats().duplicated > 0;
  for (const Fault& fault : world.scenario().faults) {
    if (fault.action != FaultAction::kClockJump) continue;
    hit.clock_jumped_forward |= fault.jump.count() > 0;
    hit.clock_jumped_back |= fault.jump.count() < 0;
  }
  return hit;
}

}  // namespace sluice::sim::testing
