// The simulator's speed natively: simulated events per second of wall time, for one
// shipped scenario run to its end as the playground runs it (one virtual second at a
// time, dropping events once read).
//   tools/bazel run -c opt //tools/bench/sim
//   tools/bazel run -c opt //tools/bench/sim:vs_wasm     (the same in WebAssembly, one run)
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "core/sim/scenario.h"
#include "core/sim/world.h"

namespace {

using namespace sluice;

sim::Scenario load(const std::string& name) {
  std::ifstream file("core/sim/scenarios/" + name + ".json");
  std::stringstream text;
  text << file.rdbuf();
  Result<sim::Scenario> scenario = sim::scenario_from_text(text.str());
  if (!scenario.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), scenario.status().message().c_str());
    std::abort();
  }
  return *scenario;
}

void BM_SimulateScenario(benchmark::State& state, const std::string& name) {
  const sim::Scenario scenario = load(name);
  std::uint64_t events = 0;
  for (auto _ : state) {
    auto world = std::move(sim::World::create(scenario)).value();
    world->run_in_steps(world->end_of_traffic() + std::chrono::seconds(10), std::chrono::seconds(1),
                        [&] { world->trace().discard_before(world->trace().end()); });
    events += world->trace().end();
    benchmark::DoNotOptimize(world->trace().digest());
  }
  state.counters["events_per_second"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events_per_run"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_SimulateScenario, inventory_slows_down, std::string("inventory-slows-down"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_SimulateScenario, queue_buffers_a_spike, std::string("queue-buffers-a-spike"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
