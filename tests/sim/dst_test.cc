// Deterministic simulation testing: random faults over a fixed set of seeds, every
// invariant after every run, and "sometimes" checks that the faults were real.
// More seeds: tools/sim-soak --seeds=10000.
#include <gtest/gtest.h>

#include "tests/sim/dst_run.h"

namespace sluice::sim::testing {
namespace {

constexpr std::uint64_t kFirstSeed = 1;
constexpr std::uint64_t kSeeds = 120;

TEST(DstTest, EveryInvariantHoldsForEverySeed) {
  PathsHit any;
  std::size_t seeds_with = 0;
  for (std::uint64_t seed = kFirstSeed; seed < kFirstSeed + kSeeds; ++seed) {
    const SeedRun run = run_seed(seed);
    for (const std::string& failure : run.failures) {
      ADD_FAILURE() << "seed " << seed << ": " << failure << "\n  replay: " << replay_command(seed);
    }
    any.breaker_opened |= run.paths.breaker_opened;
    any.breaker_half_open |= run.paths.breaker_half_open;
    any.compensated |= run.paths.compensated;
    any.dead_lettered |= run.paths.dead_lettered;
    any.redelivered |= run.paths.redelivered;
    any.order_recovered |= run.paths.order_recovered;
    any.retry_refused |= run.paths.retry_refused;
    any.message_lost |= run.paths.message_lost;
    any.message_duplicated |= run.paths.message_duplicated;
    any.clock_jumped_forward |= run.paths.clock_jumped_forward;
    any.clock_jumped_back |= run.paths.clock_jumped_back;
    seeds_with += run.paths.order_recovered ? 1 : 0;
  }
  // Sometimes: each interesting path is taken by some seed, so the faults are real.
  EXPECT_TRUE(any.breaker_opened);
  EXPECT_TRUE(any.breaker_half_open);
  EXPECT_TRUE(any.compensated);
  EXPECT_TRUE(any.dead_lettered);
  EXPECT_TRUE(any.redelivered);
  EXPECT_TRUE(any.order_recovered);
  EXPECT_TRUE(any.retry_refused);
  EXPECT_TRUE(any.message_lost);
  EXPECT_TRUE(any.message_duplicated);
  EXPECT_TRUE(any.clock_jumped_forward);
  EXPECT_TRUE(any.clock_jumped_back);
  EXPECT_LT(seeds_with, kSeeds) << "not every seed crashes the order service";
}

}  // namespace
}  // namespace sluice::sim::testing
