// dst_run.h: run_seed, one deterministic simulation test: the random scenario of a
// seed, run through its traffic and the settling time, then every invariant checked.
#ifndef SLUICE_TESTS_SIM_DST_RUN_H_
#define SLUICE_TESTS_SIM_DST_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/sim/invariants.h"

namespace sluice::sim::testing {

struct SeedRun {
  std::uint64_t seed = 0;
  std::vector<std::string> failures;  // empty: every invariant held
  PathsHit paths;
  std::size_t faults = 0;
  std::uint64_t events = 0;
  std::uint64_t orders = 0;
};

SeedRun run_seed(std::uint64_t seed);

// replay_command: how to run one seed again, with its events.
std::string replay_command(std::uint64_t seed);

}  // namespace sluice::sim::testing

#endif  // SLUICE_TESTS_SIM_DST_RUN_H_
