#include "core/sim/scenario.h"

#include <gtest/gtest.h>

#include "tests/core/sim/scenario_files.h"

namespace sluice::sim {
namespace {

using testing::read_scenario_text;
using testing::scenario_names;

TEST(ScenarioTest, EveryShippedScenarioLoads) {
  const std::vector<std::string> names = scenario_names();
  ASSERT_GE(names.size(), 7u);
  for (const std::string& name : names) {
    Result<Scenario> scenario = scenario_from_text(read_scenario_text(name));
    ASSERT_TRUE(scenario.ok()) << name << ": " << scenario.status().message();
    EXPECT_EQ(scenario->name, name) << "a scenario's file is named after it";
    EXPECT_FALSE(scenario->description.empty()) << name;
  }
}

TEST(ScenarioTest, ReadsEverySection) {
  Result<Scenario> s = scenario_from_text(R"({
    "name": "x", "duration": "30s", "seed": 42,
    "saga": {"mode": "orchestration", "step_timeout": "250ms", "max_attempts": 5},
    "traffic": {"orders_per_second": 7.5, "phases": [{"from": "5s", "until": "10s", "orders_per_second": 70}]},
    "network": {"latency_min": "1ms", "latency_max": "9ms", "loss": 0.01},
    "links": [{"from": "order", "to": "payment", "duplicate": 0.5}],
    "services": {"inventory": {"concurrency": 3, "error_rate": 0.25}},
    "inventory_client": {"timeout": "300ms", "retry": {"max_attempts": 2}},
    "notifications": {"max_receive_count": 4},
    "faults": [{"at": "3s", "action": "partition", "target": "order", "peer": "broker", "for": "2s"},
               {"at": "4s", "action": "error_rate", "target": "payment", "rate": 0.5}]})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->duration, std::chrono::seconds(30));
  EXPECT_EQ(s->saga.step_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(s->saga.max_attempts, 5u);
  EXPECT_DOUBLE_EQ(s->traffic.orders_per_second, 7.5);
  ASSERT_EQ(s->traffic.phases.size(), 1u);
  EXPECT_DOUBLE_EQ(s->traffic.phases[0].orders_per_second, 70);
  EXPECT_EQ(s->network.latency_max, std::chrono::milliseconds(9));
  ASSERT_EQ(s->links.size(), 1u);
  EXPECT_EQ(s->links[0].to, Node::kPayment);
  EXPECT_DOUBLE_EQ(s->links[0].config.duplicate, 0.5);
  EXPECT_DOUBLE_EQ(s->links[0].config.loss, 0.01) << "a link starts from the network's settings";
  EXPECT_EQ(s->services[static_cast<std::size_t>(Node::kInventory)].concurrency, 3u);
  EXPECT_EQ(s->inventory_client.timeout, std::chrono::milliseconds(300));
  EXPECT_FALSE(s->inventory_client.circuit_breaker.has_value());
  EXPECT_EQ(s->notifications.max_receive_count, 4u);
  ASSERT_EQ(s->faults.size(), 2u);
  EXPECT_EQ(s->faults[0].action, FaultAction::kPartition);
  EXPECT_EQ(s->faults[0].peer, Node::kBroker);
  EXPECT_EQ(s->faults[0].lasts, std::chrono::seconds(2));
  EXPECT_DOUBLE_EQ(s->faults[1].value, 0.5);
}

TEST(ScenarioTest, AClockJumpGoesForwardOrBack) {
  Result<Scenario> s = scenario_from_text(
      R"({"name": "x", "faults": [{"at": "1s", "action": "clock_jump", "target": "order", "by": "30s"},
                                  {"at": "2s", "action": "clock_jump", "target": "order", "by": "5s", "back": true}]})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->faults[0].jump, std::chrono::seconds(30));
  EXPECT_EQ(s->faults[1].jump, std::chrono::seconds(-5));
}

TEST(ScenarioTest, BadInputIsAnErrorNamingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "malformed JSON"},
      {"[]", "scenario must be an object"},
      {R"({})", "\"name\" is required"},
      {R"({"name": "x", "speed": 3})", "unknown field \"speed\""},
      {R"({"name": "x", "duration": "10"})", "scenario.duration"},
      {R"({"name": "x", "seed": -1})", "seed"},
      {R"({"name": "x", "saga": "sideways"})", "saga.mode must be one of"},
      {R"({"name": "x", "traffic": {"declined_share": 2}})", "traffic.declined_share must be from 0 to 1"},
      {R"({"name": "x", "traffic": {"products": 1000000000}})", "traffic.products must be from 1 to 100000"},
      {R"({"name": "x", "traffic": {"phases": [{"from": "5s", "until": "1s"}]}})", "until must be after from"},
      {R"({"name": "x", "network": {"latency_min": "5ms", "latency_max": "1ms"}})", "latency_min"},
      {R"({"name": "x", "links": [{"from": "order", "to": "mars"}]})", "links[0].to must be one of"},
      {R"({"name": "x", "services": {"mars": {}}})", "unknown service \"mars\""},
      {R"({"name": "x", "services": {"order": {"concurrency": 0}}})", "concurrency must be at least 1"},
      {R"({"name": "x", "inventory_client": {"retry": {"max_attempts": "3"}}})",
       "inventory_client: retry.max_attempts"},
      {R"({"name": "x", "faults": [{"at": "1s", "action": "explode", "target": "order"}]})", "faults[0].action"},
      {R"({"name": "x", "faults": [{"at": "1s", "target": "order"}]})", "\"action\" is required"},
      {R"({"name": "x", "faults": [{"action": "crash"}]})", "\"target\" is required"},
      {R"({"name": "x", "faults": [{"action": "partition", "target": "order"}]})", "need a \"peer\""},
      {R"({"name": "x", "faults": [{"action": "add_latency", "target": "order"}]})", "needs \"latency\""},
      {R"({"name": "x", "faults": [{"action": "slow_down", "target": "order", "factor": 0.5}]})",
       "\"factor\" (1 to 1000)"},
      {R"({"name": "x", "faults": [{"action": "replay", "target": "order"}]})", "apply to \"analytics\""},
      {R"({"name": "x", "faults": [{"action": "crash", "target": "order", "for": "0s"}]})", "\"for\" must be positive"},
      {R"({"name": "x", "faults": [{"action": "clock_jump", "target": "order"}]})", "clock_jump needs \"by\""},
      {R"({"name": "x", "faults": [{"action": "clock_jump", "target": "order", "by": "48h"}]})", "up to 24h"},
      {R"({"name": "x", "faults": [{"action": "clock_jump", "target": "order", "by": "1s", "back": "yes"}]})", "back"},
  };
  for (const auto& [text, expected] : cases) {
    Result<Scenario> s = scenario_from_text(text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.status().message().find(expected), std::string::npos)
        << text << "\n  got: " << s.status().message() << "\n  expected to contain: " << expected;
  }
}

}  // namespace
}  // namespace sluice::sim
