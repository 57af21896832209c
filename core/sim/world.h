// world.h: World, the simulated example system on virtual time: traffic from the
// client, the order service with its saga, inventory and payment, the broker, and the
// notification and analytics consumers, all built from the real core components,
// talking across a simulated network, with a scenario's faults on a timeline.
//
//   Result<std::unique_ptr<World>> world = World::create(scenario);     // or with a seed
//   (*world)->run_until(time::instant_from_nanos(60'000'000'000));
//   for (auto c = (*world)->trace().begin(); c < (*world)->trace().end(); ++c) ...
//
// Deterministic: the same scenario and seed give the same events, in the same order,
// natively and in WebAssembly. Every random draw comes from one seeded generator,
// forked per component so that one drawing more does not shift another.
//
// Orders arrive until the scenario's duration; after it the world keeps running (sagas
// finish, queues drain) for as long as the driver advances time.
// Externally synchronised; one thread.
#ifndef SLUICE_CORE_SIM_WORLD_H_
#define SLUICE_CORE_SIM_WORLD_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/base/result.h"
#include "core/broker/in_memory_broker.h"
#include "core/sim/choreography.h"
#include "core/sim/consumers.h"
#include "core/sim/network.h"
#include "core/sim/order_service.h"
#include "core/sim/participants.h"
#include "core/sim/scenario.h"
#include "core/sim/sim_context.h"
#include "core/sim/sim_service.h"
#include "core/sim/trace.h"
#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace sluice::sim {

class World {
 public:
  // create: a world for `scenario`, seeded with `seed` or else the scenario's own.
  static Result<std::unique_ptr<World>> create(const Scenario& scenario, std::optional<std::uint64_t> seed = {});
  ~World();

  World(const World&) = delete;
  World& operator=(const World&) = delete;

  time::Instant now() const { return time_.now(); }
  // end_of_traffic: when the last order may arrive (the scenario's duration).
  time::Instant end_of_traffic() const { return time::Instant(scenario_.duration); }
  std::uint64_t seed() const { return seed_; }

  // run_until: advances virtual time, running everything due, or stops after
  // `max_timers` callbacks (RunResult says so). REQUIRES: until >= now().
  time::RunResult run_until(time::Instant until, std::size_t max_timers = time::VirtualTime::kDefaultMaxTimersPerRun) {
    return time_.run_until(until, max_timers);
  }
  // run_in_steps: run_until(end) one `step` of virtual time at a time, calling
  // `after_each` after every step: to read and drop events as they come, or to show
  // progress, as the playground does.
  void run_in_steps(time::Instant end, time::Duration step, const std::function<void()>& after_each) {
    while (now() < end) {
      run_until(std::min(end, now() + step));
      after_each();
    }
  }

  // step: runs the next thing that happens; false if nothing is pending.
  bool step() { return time_.run_next(); }

  // inject: applies a fault now (its "at" is ignored; its "for" is honoured).
  void inject(const Fault& fault);

  // configure_stock_check: new settings for the order service's calls to inventory, from
  // now on (circuit_breaker, retry, retry_budget, timeout; others are refused). The
  // client is rebuilt as a config push restarting it would: a new breaker starts CLOSED.
  Status configure_stock_check(const resilience::ResilienceConfig& config);

  Trace& trace() { return trace_; }
  const Scenario& scenario() const { return scenario_; }
  const OrderService& orders() const { return *order_; }
  const NotificationConsumer& notifications() const { return *notification_; }
  const AnalyticsConsumer& analytics() const { return *analytics_; }
  const InventoryLedger& inventory() const { return inventory_; }
  const PaymentLedger& payment() const { return payment_; }
  const Network& network() const { return network_; }
  const SimService& service(Node node) const { return *services_[static_cast<std::size_t>(node)]; }
  broker::InMemoryBroker& broker() { return *broker_; }
  std::uint64_t orders_sent() const { return orders_sent_; }

  // stats: a snapshot of every counter the playground draws, as JSON.
  nlohmann::json stats();

 private:
  World(const Scenario& scenario, std::uint64_t seed);
  Status set_up_broker();
  void schedule_next_order();
  void send_order();
  double rate_at(time::Instant at) const;
  void apply(const Fault& fault);
  void undo(const Fault& fault);

  Scenario scenario_;
  std::uint64_t seed_;
  time::VirtualTime time_;
  std::array<std::unique_ptr<NodeClock>, kNodeCount> clocks_;  // each process's own, on time_
  time::Prng prng_;
  time::Prng traffic_prng_;
  Trace trace_;
  Network network_;
  std::array<std::unique_ptr<SimService>, kNodeCount> services_;
  std::unique_ptr<broker::InMemoryBroker> broker_;
  InventoryLedger inventory_;
  PaymentLedger payment_;
  SimContext context_;
  std::unique_ptr<OrderService> order_;
  std::unique_ptr<NotificationConsumer> notification_;
  std::unique_ptr<AnalyticsConsumer> analytics_;
  std::unique_ptr<ChoreographyParticipants> participants_;  // choreographed sagas only
  std::uint64_t orders_sent_ = 0;
};

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_WORLD_H_
