// scenario.h: Scenario, a simulated run as data: how orders arrive, how each service
// and link behaves, the resilience settings of the order service's calls, and faults
// on a timeline.
//
//   {"name": "inventory-slows-down", "title": "Inventory slows down",
//    "saga": "orchestration", "duration": "60s", "seed": 7,
//    "traffic": {"orders_per_second": 20, "declined_share": 0.05,
//                "phases": [{"from": "20s", "until": "30s", "orders_per_second": 100}]},
//    "network": {"latency_min": "500us", "latency_max": "2ms"},
//    "links": [{"from": "order", "to": "inventory", "loss": 0.01}],
//    "services": {"inventory": {"service_time_min": "2ms", "service_time_max": "5ms"}},
//    "inventory_client": {"timeout": "500ms", "circuit_breaker": {...}, "retry": {...}},
//    "faults": [{"at": "15s", "action": "add_latency", "target": "inventory",
//                "latency": "800ms", "for": "20s"}]}
//
// Every field but "name" is optional. Unknown fields, wrong types, unknown nodes and
// actions, and faults missing what their action needs are errors that name the field.
//
// Fault actions and what they need:
//   crash, restart               target (a service)
//   add_latency                  target, latency         (0 removes it)
//   error_rate                   target, rate            (0 to 1)
//   slow_down                    target, factor          (1 is normal speed)
//   partition, heal              target, peer            (both directions)
//   link_loss, link_duplicate    target, peer, probability (from target to peer)
//   consumer_bug                 target: analytics       (it miscounts until undone)
//   replay                       target: analytics, from (re-reads the log from then)
//   clock_jump                   target, by, back?       (its clock steps by that, forward
//                                                         or with "back": true backward)
// "for" undoes a fault after that long (crash -> restart, partition -> heal, and
// the others back to normal).
#ifndef SLUICE_CORE_SIM_SCENARIO_H_
#define SLUICE_CORE_SIM_SCENARIO_H_

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/resilience/config_json.h"
#include "core/sim/network.h"
#include "core/sim/node.h"
#include "core/sim/sim_service.h"

namespace sluice::sim {

enum class SagaMode : std::uint8_t { kOrchestration, kChoreography };

enum class FaultAction : std::uint8_t {
  kCrash,
  kRestart,
  kAddLatency,
  kErrorRate,
  kSlowDown,
  kPartition,
  kHeal,
  kLinkLoss,
  kLinkDuplicate,
  kConsumerBug,
  kReplay,
  kClockJump,
};

std::string_view fault_action_name(FaultAction action);
std::optional<FaultAction> fault_action_from_name(std::string_view name);

struct Fault {
  time::Duration at{0};
  FaultAction action = FaultAction::kCrash;
  Node target = Node::kInventory;
  std::optional<Node> peer;             // partition, heal, link_*
  time::Duration latency{0};            // add_latency
  double value = 0;                     // error_rate: rate; slow_down: factor; link_*: probability
  time::Duration from{0};               // replay
  time::Duration jump{0};               // clock_jump: "by", later (earlier with "back": true)
  std::optional<time::Duration> lasts;  // "for"
};

struct TrafficPhase {
  time::Duration from{0};
  time::Duration until{0};
  double orders_per_second = 0;
};

struct TrafficConfig {
  double orders_per_second = 20;
  double declined_share = 0.05;      // orders paid with a card ending 0000
  double out_of_stock_share = 0.02;  // orders for more than any stock
  std::uint32_t products = 20;
  std::uint32_t initial_stock = 1'000'000;  // per product
  std::vector<TrafficPhase> phases;         // a phase's rate replaces the base rate
};

struct LinkOverride {
  Node from = Node::kOrder;
  Node to = Node::kInventory;
  LinkConfig config;
};

struct SagaConfig {
  SagaMode mode = SagaMode::kOrchestration;
  time::Duration step_timeout = std::chrono::seconds(1);
  std::uint32_t max_attempts = 3;
};

struct NotificationConfig {
  time::Duration visibility_timeout = std::chrono::seconds(5);
  std::uint32_t max_receive_count = 3;
};

struct Scenario {
  std::string name;
  std::string title;
  std::string description;
  SagaConfig saga;
  time::Duration duration = std::chrono::seconds(60);
  std::uint64_t seed = 1;
  TrafficConfig traffic;
  LinkConfig network;
  std::vector<LinkOverride> links;
  std::array<ServiceConfig, kNodeCount> services{};
  // inventory_client: the order service's calls to inventory (the stock check):
  // timeout, circuit_breaker, retry, retry_budget; absent ones are off.
  resilience::ResilienceConfig inventory_client;
  NotificationConfig notifications;
  std::vector<Fault> faults;  // in the order given; equal times apply in that order
};

Result<Scenario> scenario_from_json(const nlohmann::json& json);
// scenario_from_text: the same from JSON text; malformed text says where.
Result<Scenario> scenario_from_text(std::string_view text);

// fault_from_json: one fault as a scenario's "faults" holds it (also what the
// playground sends to inject a fault now; "at" is then ignored).
Result<Fault> fault_from_json(const nlohmann::json& json, std::string where);

}  // namespace sluice::sim

#endif  // SLUICE_CORE_SIM_SCENARIO_H_
