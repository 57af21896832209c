// random_faults.h: random_scenario, a scenario whose faults are drawn from a seed, for
// deterministic simulation testing (tests/sim/dst_test.cc, tools/sim-soak).
//
// The system is the example, its saga orchestrated (or in 3 seeds of 10 choreographed),
// with every resilience policy on (breaker, retries, retry budget) and a lossy network; on top, 3 to 8 faults at random times,
// each undone after a while: crashes of any service, added latency, error rates,
// slow-downs (slow consumers included), partitions, loss and duplication on links, and
// sometimes a consumer bug followed by a replay. The same seed always gives the same
// scenario, and the world is run with that seed too, so a seed is a whole reproducer.
#ifndef SLUICE_TESTS_SIM_RANDOM_FAULTS_H_
#define SLUICE_TESTS_SIM_RANDOM_FAULTS_H_

#include <cstdint>

#include "core/sim/scenario.h"

namespace sluice::sim::testing {

// The traffic lasts this long; runs then settle for kDstSettle before the invariants.
inline constexpr time::Duration kDstTraffic = std::chrono::seconds(30);
// Long enough for a compensation's last retries (about a minute) after the last fault.
inline constexpr time::Duration kDstSettle = std::chrono::seconds(120);

Scenario random_scenario(std::uint64_t seed);

}  // namespace sluice::sim::testing

#endif  // SLUICE_TESTS_SIM_RANDOM_FAULTS_H_
