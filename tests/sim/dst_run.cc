#include "tests/sim/dst_run.h"

#include "tests/sim/random_faults.h"

namespace sluice::sim::testing {

SeedRun run_seed(std::uint64_t seed) {
  SeedRun run{.seed = seed};
  const Scenario scenario = random_scenario(seed);
  run.faults = scenario.faults.size();
  Result<std::unique_ptr<World>> created = World::create(scenario, seed);
  if (!created.ok()) {
    run.failures.push_back("the scenario was refused: " + created.status().message());
    return run;
  }
  World& world = **created;
  const time::RunResult result = world.run_until(world.end_of_traffic() + kDstSettle);
  if (result.stopped_at_limit) run.failures.push_back("a runaway loop: the timer limit was reached");
  run.failures = check_invariants(world);
  run.paths = paths_hit(world);
  run.events = world.trace().end();
  run.orders = world.orders_sent();
  return run;
}

std::string replay_command(std::uint64_t seed) {
  return "tools/sim-soak --seed=" + std::to_string(seed) + " --events > seed-" + std::to_string(seed) + ".jsonl";
}

}  // namespace sluice::sim::testing
