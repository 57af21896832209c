// The simulated world: the same seed gives the same run; each shipped scenario shows
// what it promises; the invariants hold.
#include "core/sim/world.h"

#include <gtest/gtest.h>

#include "tests/core/sim/scenario_files.h"
#include "tests/sim/invariants.h"

namespace sluice::sim {
namespace {

using testing::check_invariants;
using testing::read_scenario_text;

constexpr time::Duration kSettle = std::chrono::seconds(60);

Scenario load(const std::string& name) {
  Result<Scenario> scenario = scenario_from_text(read_scenario_text(name));
  EXPECT_TRUE(scenario.ok()) << name << ": " << scenario.status().message();
  return *scenario;
}

std::unique_ptr<World> run(const Scenario& scenario, std::optional<std::uint64_t> seed = {}) {
  Result<std::unique_ptr<World>> world = World::create(scenario, seed);
  EXPECT_TRUE(world.ok()) << world.status().message();
  std::unique_ptr<World> w = std::move(world).value();
  const time::RunResult result = w->run_until(w->end_of_traffic() + kSettle);
  EXPECT_FALSE(result.stopped_at_limit);
  return w;
}

// breaker_states: the breaker's states in the order it entered them, with when.
std::vector<std::pair<std::string, time::Instant>> breaker_states(Trace& trace) {
  std::vector<std::pair<std::string, time::Instant>> states;
  for (std::uint64_t c = trace.begin(); c < trace.end(); ++c) {
    if (trace.text(trace.event(c).what) != "breaker.state_changed") continue;
    const nlohmann::json e = trace.json(c);
    states.emplace_back(e["to"], time::instant_from_nanos(e["t"]));
  }
  return states;
}

TEST(WorldTest, TheSameSeedGivesTheSameRunAndAnotherSeedAnother) {
  Scenario scenario = load("inventory-slows-down");
  scenario.duration = std::chrono::seconds(20);
  scenario.faults[0].at = std::chrono::seconds(5);
  std::unique_ptr<World> a = run(scenario, 11);
  std::unique_ptr<World> b = run(scenario, 11);
  std::unique_ptr<World> c = run(scenario, 12);
  ASSERT_GT(a->trace().end(), 10'000u);
  EXPECT_EQ(a->trace().end(), b->trace().end());
  EXPECT_EQ(a->trace().digest(), b->trace().digest());
  for (std::uint64_t i = 0; i < a->trace().end(); i += 997) ASSERT_EQ(a->trace().line(i), b->trace().line(i)) << i;
  EXPECT_NE(a->trace().digest(), c->trace().digest());
}

TEST(WorldTest, TheOrchestratedSagaConfirmsOrdersAndCompensatesDeclinedCards) {
  std::unique_ptr<World> w = run(load("orchestrated-order-saga"));
  const OrderStats& orders = w->orders().stats();
  EXPECT_GT(orders.sagas_started, 1000u);
  EXPECT_GT(orders.confirmed, orders.sagas_started * 8 / 10);
  EXPECT_GT(orders.cancelled, 0u) << "declined cards and missing stock compensate";
  EXPECT_GT(orders.rejected_out_of_stock, 0u) << "the stock check turns away orders for more than there is";
  EXPECT_EQ(orders.needs_attention, 0u);
  EXPECT_EQ(w->trace().count_of("saga.attempt_failed") > 0, true);
  EXPECT_EQ(check_invariants(*w), std::vector<std::string>{});
}

TEST(WorldTest, TheChoreographedSagaConfirmsAndCompensatesWithoutAnOrchestrator) {
  std::unique_ptr<World> w = run(load("choreographed-order-saga"));
  const OrderStats& orders = w->orders().stats();
  EXPECT_GT(orders.confirmed, orders.sagas_started * 8 / 10);
  EXPECT_GT(orders.cancelled, 0u);
  EXPECT_EQ(w->trace().count_of("saga.started"), 0u) << "no orchestrator";
  // Created, charged or failed, reserved or refused (and refunded), confirmed or cancelled.
  EXPECT_GE(w->trace().count_of("saga.event_observed"), 3 * orders.sagas_started) << "the tracker follows each saga";
  std::size_t refunded = 0;
  for (const auto& [key, charge] : w->payment().charges()) refunded += charge.state == HoldState::kUndone ? 1 : 0;
  EXPECT_GT(refunded, 0u) << "orders for more than the stock are refunded after StockReservationFailed";
  EXPECT_EQ(check_invariants(*w), std::vector<std::string>{});
}

TEST(WorldTest, InventorySlowingDownTripsTheBreakerWhichProbesAndClosesAfterRecovery) {
  const Scenario scenario = load("inventory-slows-down");
  std::unique_ptr<World> w = run(scenario);
  const auto states = breaker_states(w->trace());
  const time::Instant slow_from(scenario.faults[0].at);
  const time::Instant slow_until = slow_from + *scenario.faults[0].lasts;
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states.front().first, "OPEN");
  EXPECT_GT(states.front().second, slow_from);
  // Within the window size of calls (20 at 20/s) plus the 500 ms timeout.
  EXPECT_LT(states.front().second, slow_from + std::chrono::milliseconds(2500));
  bool probed_while_slow = false;
  for (const auto& [state, at] : states) {
    if (state == "HALF_OPEN" && at < slow_until) probed_while_slow = true;
  }
  EXPECT_TRUE(probed_while_slow) << "half-open probes find inventory still slow";
  EXPECT_EQ(states.back().first, "CLOSED");
  EXPECT_GT(states.back().second, slow_until);
  EXPECT_LT(states.back().second, slow_until + std::chrono::seconds(10)) << "wait_in_open is 5s";
  EXPECT_GT(w->orders().inventory_client()->stats().fallbacks, 100u);
  EXPECT_EQ(check_invariants(*w), std::vector<std::string>{});
}

TEST(WorldTest, PaymentCrashingCompensatesSagasAndReleasesTheirStock) {
  std::unique_ptr<World> w = run(load("payment-fails"));
  EXPECT_GT(w->orders().stats().cancelled, 100u);
  EXPECT_EQ(w->service(Node::kPayment).stats().crashes, 1u);
  std::size_t released = 0;
  for (const auto& [key, reservation] : w->inventory().reservations()) {
    if (reservation.state == HoldState::kUndone) ++released;
  }
  EXPECT_GT(released, 100u);
  EXPECT_EQ(check_invariants(*w), std::vector<std::string>{});
}

TEST(WorldTest, TheNotificationQueueBuffersASpikeAndDrains) {
  const Scenario scenario = load("queue-buffers-a-spike");
  Result<std::unique_ptr<World>> created = World::create(scenario);
  ASSERT_TRUE(created.ok());
  World& w = **created;
  std::uint64_t deepest = 0;
  time::Instant deepest_at;
  for (int second = 1; second <= 90; ++second) {
    w.run_until(time::Instant(std::chrono::seconds(second)));
    const std::uint64_t depth = w.stats()["queues"]["notifications"]["visible"];
    if (depth > deepest) {
      deepest = depth;
      deepest_at = w.now();
    }
  }
  EXPECT_GT(deepest, 300u) << "the spike outruns the consumer";
  EXPECT_GE(deepest_at, time::Instant(scenario.traffic.phases[0].from));
  EXPECT_EQ(w.stats()["queues"]["notifications"]["visible"], 0u) << "and the queue drains after it";
  EXPECT_EQ(check_invariants(w), std::vector<std::string>{});
}

TEST(WorldTest, ReplayingTheLogRepairsTheCountsAConsumerBugSkipped) {
  Scenario scenario = load("kafka-replay");
  Scenario without_replay = scenario;
  without_replay.faults.pop_back();
  std::unique_ptr<World> broken = run(without_replay);
  EXPECT_GT(broken->analytics().stats().miscounted, 100u);
  EXPECT_LT(broken->analytics().stats().counted, broken->orders().outbox().stats().acknowledged);

  std::unique_ptr<World> repaired = run(scenario);
  EXPECT_EQ(repaired->analytics().stats().replays, 1u);
  EXPECT_EQ(repaired->analytics().stats().counted, repaired->orders().outbox().stats().acknowledged);
  EXPECT_EQ(check_invariants(*repaired), std::vector<std::string>{});
}

TEST(WorldTest, ARetryBudgetStopsTheRetryStorm) {
  std::unique_ptr<World> storm = run(load("retry-storm-without-budget"));
  std::unique_ptr<World> budgeted = run(load("retry-storm-with-budget"));
  const InventoryClientStats& s = storm->orders().inventory_client()->stats();
  const InventoryClientStats& b = budgeted->orders().inventory_client()->stats();
  EXPECT_EQ(s.calls, b.calls) << "the same traffic";
  EXPECT_GT(s.retries, 5 * b.retries);
  EXPECT_LT(b.attempts, s.attempts * 6 / 10);
  EXPECT_GT(budgeted->trace().count_of("retry.refused"), 0u);
  EXPECT_EQ(check_invariants(*budgeted), std::vector<std::string>{});
  EXPECT_EQ(check_invariants(*storm), std::vector<std::string>{});
}

TEST(WorldTest, AnOrderServiceCrashResumesItsSagasFromTheLog) {
  Scenario scenario = load("orchestrated-order-saga");
  scenario.duration = std::chrono::seconds(20);
  scenario.traffic.orders_per_second = 100;
  // Slow payments keep about 20 sagas in flight when the order service dies.
  scenario.faults.push_back(
      {.action = FaultAction::kAddLatency, .target = Node::kPayment, .latency = std::chrono::milliseconds(200)});
  scenario.faults.push_back({.at = std::chrono::seconds(10),
                             .action = FaultAction::kCrash,
                             .target = Node::kOrder,
                             .lasts = std::chrono::seconds(2)});
  std::unique_ptr<World> w = run(scenario);
  EXPECT_EQ(w->service(Node::kOrder).stats().crashes, 1u);
  EXPECT_EQ(w->trace().count_of("order.recovered"), 1u);
  EXPECT_GT(w->trace().count_of("saga.recovered"), 0u) << "sagas in flight at the crash are resumed";
  EXPECT_EQ(w->orders().running_sagas(), 0u);
  EXPECT_EQ(check_invariants(*w), std::vector<std::string>{});
}

TEST(WorldTest, StockCheckSettingsAppliedMidRunTakeEffectFromThen) {
  Scenario scenario = load("payment-fails");  // no breaker on the stock check
  scenario.faults.clear();
  Result<std::unique_ptr<World>> created = World::create(scenario);
  ASSERT_TRUE(created.ok());
  World& w = **created;
  w.run_until(time::Instant(std::chrono::seconds(5)));
  EXPECT_EQ(w.orders().inventory_client()->breaker(), nullptr);
  resilience::ResilienceConfig settings;
  settings.circuit_breaker =
      resilience::CircuitBreakerConfig{.failure_rate_threshold_percent = 50, .window_size = 10, .minimum_calls = 5};
  settings.timeout = std::chrono::milliseconds(100);
  ASSERT_TRUE(w.configure_stock_check(settings).ok());
  ASSERT_NE(w.orders().inventory_client()->breaker(), nullptr);
  // Inventory slower than the new timeout: the new breaker trips.
  w.inject({.action = FaultAction::kAddLatency, .target = Node::kInventory, .latency = std::chrono::milliseconds(300)});
  w.run_until(time::Instant(std::chrono::seconds(8)));
  EXPECT_EQ(w.orders().inventory_client()->breaker()->state(), resilience::BreakerState::kOpen);
  EXPECT_EQ(w.trace().count_of("config.applied"), 1u);
  resilience::ResilienceConfig with_bulkhead;
  with_bulkhead.bulkhead = resilience::BulkheadConfig{};
  EXPECT_FALSE(w.configure_stock_check(with_bulkhead).ok()) << "a policy the stock check cannot honour is refused";
  EXPECT_EQ(w.trace().count_of("config.applied"), 1u);
}

TEST(WorldTest, AFaultInjectedNowTakesEffectAndIsUndoneAfterItsDuration) {
  Scenario scenario = load("orchestrated-order-saga");
  Result<std::unique_ptr<World>> created = World::create(scenario);
  ASSERT_TRUE(created.ok());
  World& w = **created;
  w.run_until(time::Instant(std::chrono::seconds(2)));
  Result<Fault> fault = fault_from_json({{"action", "crash"}, {"target", "inventory"}, {"for", "3s"}}, "fault");
  ASSERT_TRUE(fault.ok()) << fault.status().message();
  w.inject(*fault);
  EXPECT_FALSE(w.service(Node::kInventory).up());
  w.run_until(time::Instant(std::chrono::milliseconds(4900)));
  EXPECT_FALSE(w.service(Node::kInventory).up());
  w.run_until(time::Instant(std::chrono::milliseconds(5100)));
  EXPECT_TRUE(w.service(Node::kInventory).up());
}

}  // namespace
}  // namespace sluice::sim
