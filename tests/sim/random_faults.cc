#include "tests/sim/random_faults.h"

#include <array>
#include <utility>

#include "core/time/prng.h"

namespace sluice::sim::testing {
namespace {

using std::chrono::milliseconds;

constexpr std::array<Node, 6> kCrashable = {Node::kOrder,  Node::kInventory,    Node::kPayment,
                                            Node::kBroker, Node::kNotification, Node::kAnalytics};
constexpr std::array<Node, 5> kSlowable = {Node::kInventory, Node::kPayment, Node::kBroker, Node::kNotification,
                                           Node::kAnalytics};
constexpr std::array<std::pair<Node, Node>, 6> kLinks = {{{Node::kOrder, Node::kInventory},
                                                          {Node::kOrder, Node::kPayment},
                                                          {Node::kOrder, Node::kBroker},
                                                          {Node::kNotification, Node::kBroker},
                                                          {Node::kAnalytics, Node::kBroker},
                                                          {Node::kClient, Node::kOrder}}};

template <typename T, std::size_t N>
T pick(time::Prng& prng, const std::array<T, N>& from) {
  return from[prng.uniform_below(N)];
}

time::Duration between(time::Prng& prng, time::Duration low, time::Duration high) {
  return prng.uniform_duration(low, high);
}

Fault random_fault(time::Prng& prng) {
  Fault fault;
  fault.at = between(prng, std::chrono::seconds(1), kDstTraffic - std::chrono::seconds(2));
  fault.lasts = between(prng, std::chrono::seconds(1), std::chrono::seconds(8));
  switch (prng.uniform_below(8)) {
    case 0:
      fault.action = FaultAction::kCrash;
      fault.target = pick(prng, kCrashable);
      break;
    case 1:
      fault.action = FaultAction::kAddLatency;
      fault.target = pick(prng, kSlowable);
      fault.latency = between(prng, milliseconds(50), milliseconds(1000));
      break;
    case 2:
      fault.action = FaultAction::kErrorRate;
      fault.target = pick(prng, kSlowable);
      fault.value = 0.1 + 0.5 * prng.uniform_unit();
      break;
    case 3:
      fault.action = FaultAction::kSlowDown;
      fault.target = pick(prng, kSlowable);
      fault.value = 2 + static_cast<double>(prng.uniform_below(5));
      break;
    case 4: {
      const auto [a, b] = pick(prng, kLinks);
      fault.action = FaultAction::kPartition;
      fault.target = a;
      fault.peer = b;
      break;
    }
    case 5:
    case 6: {
      const bool forward = prng.chance(0.5);
      const auto [a, b] = pick(prng, kLinks);
      fault.action = prng.chance(0.5) ? FaultAction::kLinkLoss : FaultAction::kLinkDuplicate;
      fault.target = forward ? a : b;
      fault.peer = forward ? b : a;
      fault.value = 0.05 + 0.25 * prng.uniform_unit();
      break;
    }
    case 7:
      // A process's clock steps (NTP, a VM restored): forward or back by up to 20 s,
      // set right again after a while or not at all.
      fault.action = FaultAction::kClockJump;
      fault.target = prng.chance(0.5) ? Node::kOrder : pick(prng, kCrashable);  // the orchestrator's clock matters most
      fault.jump = between(prng, milliseconds(500), std::chrono::seconds(20));
      if (prng.chance(0.5)) fault.jump = -fault.jump;
      if (prng.chance(0.5)) fault.lasts.reset();
      break;
  }
  return fault;
}

}  // namespace

Scenario random_scenario(std::uint64_t seed) {
  time::Prng prng(seed ^ 0x5eed5eed5eed5eedull);
  Scenario s;
  s.name = "dst-" + std::to_string(seed);
  s.seed = seed;
  s.duration = kDstTraffic;
  s.saga.step_timeout = milliseconds(500);
  if (prng.chance(0.3)) s.saga.mode = SagaMode::kChoreography;
  s.traffic.orders_per_second = 10 + static_cast<double>(prng.uniform_below(40));
  s.traffic.declined_share = 0.05;
  s.traffic.out_of_stock_share = 0.02;
  s.traffic.products = 5;
  s.traffic.initial_stock = 2'000;  // some products run out under load
  s.network.latency_min = std::chrono::microseconds(200);
  s.network.latency_max = between(prng, milliseconds(1), milliseconds(20));  // reordering
  s.network.loss = prng.chance(0.5) ? 0.002 : 0;
  s.network.duplicate = prng.chance(0.5) ? 0.002 : 0;
  s.notifications.visibility_timeout = between(prng, milliseconds(500), std::chrono::seconds(5));
  s.notifications.max_receive_count = 2 + static_cast<std::uint32_t>(prng.uniform_below(4));
  s.inventory_client.timeout = milliseconds(300);
  s.inventory_client.circuit_breaker =
      resilience::CircuitBreakerConfig{.failure_rate_threshold_percent = 50,
                                       .window_size = 20,
                                       .minimum_calls = 10,
                                       .wait_in_open = std::chrono::seconds(2),
                                       .half_open_transition = resilience::HalfOpenTransition::kScheduled,
                                       .permitted_calls_in_half_open = 3};
  s.inventory_client.retry = resilience::RetryConfig{.max_attempts = 3, .initial_backoff = milliseconds(20)};
  s.inventory_client.retry_budget =
      resilience::RetryBudgetConfig{.ttl = std::chrono::seconds(10), .min_retries_per_second = 1};
  const std::uint64_t faults = 3 + prng.uniform_below(6);
  for (std::uint64_t i = 0; i < faults; ++i) s.faults.push_back(random_fault(prng));
  if (prng.chance(0.2)) {
    // A consumer that lagged (crashed, slowed) read older records while the bug was on,
    // so the replay re-reads the whole log; counting once per key makes that safe.
    const time::Duration bug_at = between(prng, std::chrono::seconds(2), std::chrono::seconds(15));
    s.faults.push_back({.at = bug_at,
                        .action = FaultAction::kConsumerBug,
                        .target = Node::kAnalytics,
                        .lasts = std::chrono::seconds(5)});
    s.faults.push_back({.at = bug_at + std::chrono::seconds(8),
                        .action = FaultAction::kReplay,
                        .target = Node::kAnalytics,
                        .from = time::Duration(0)});
  }
  return s;
}

}  // namespace sluice::sim::testing
