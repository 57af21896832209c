// sim_soak: deterministic simulation testing for as many seeds as wanted. Prints
// progress, every failing seed with the command that replays it, and a summary.
//
//   tools/sim-soak --seeds=10000            # seeds 1..10000
//   tools/sim-soak --seed=4242 --events     # one seed again, every event as JSON lines
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "core/sim/world.h"
#include "native/cli/cli.h"
#include "tests/sim/dst_run.h"
#include "tests/sim/random_faults.h"

ABSL_FLAG(std::uint64_t, seeds, 1000, "How many seeds to run.");
ABSL_FLAG(std::uint64_t, first, 1, "The first seed.");
ABSL_FLAG(std::uint64_t, seed, 0, "Run only this seed and print its failures (0: run --seeds).");
ABSL_FLAG(bool, events, false, "With --seed: print every event of the run as a JSON line on stdout.");

namespace {

using sluice::sim::testing::replay_command;
using sluice::sim::testing::run_seed;

int print_events(std::uint64_t seed) {
  const sluice::sim::Scenario scenario = sluice::sim::testing::random_scenario(seed);
  auto world = sluice::sim::World::create(scenario, seed);
  if (!world.ok()) {
    std::cerr << "sim_soak: " << world.status().message() << "\n";
    return 2;
  }
  sluice::sim::World& w = **world;
  w.run_in_steps(w.end_of_traffic() + sluice::sim::testing::kDstSettle, std::chrono::seconds(1), [&] {
    for (auto c = w.trace().begin(); c < w.trace().end(); ++c) std::cout << w.trace().line(c) << "\n";
    w.trace().discard_before(w.trace().end());
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(
      argc, argv,
      "Deterministic simulation testing of the example system: random faults per seed, every invariant after "
      "each run.\n  sim_soak --seeds=10000 [--first=1]\n  sim_soak --seed=4242 [--events]");
  if (const std::uint64_t seed = absl::GetFlag(FLAGS_seed); seed != 0) {
    if (absl::GetFlag(FLAGS_events)) return print_events(seed);
    const auto run = run_seed(seed);
    std::cout << "seed " << seed << ": " << run.orders << " orders, " << run.faults << " faults, " << run.events
              << " events: " << (run.failures.empty() ? "every invariant holds" : "FAILED") << "\n";
    for (const std::string& failure : run.failures) std::cout << "  " << failure << "\n";
    return run.failures.empty() ? 0 : 1;
  }
  const std::uint64_t first = absl::GetFlag(FLAGS_first);
  const std::uint64_t count = absl::GetFlag(FLAGS_seeds);
  const bool tty = isatty(STDERR_FILENO);
  std::uint64_t failed = 0;
  std::uint64_t faults = 0;
  std::uint64_t events = 0;
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t seed = first + i;
    const auto run = run_seed(seed);
    faults += run.faults;
    events += run.events;
    if (!run.failures.empty()) {
      ++failed;
      std::cout << "FAILED seed " << seed << ": " << run.failures.front() << "\n  replay: " << replay_command(seed)
                << "\n"
                << std::flush;
    }
    if (tty || (i + 1) % 100 == 0 || i + 1 == count) {
      std::fprintf(stderr, "%s%llu/%llu seeds, %llu failed", tty ? "\r" : "", static_cast<unsigned long long>(i + 1),
                   static_cast<unsigned long long>(count), static_cast<unsigned long long>(failed));
      if (!tty) std::fprintf(stderr, "\n");
    }
  }
  if (tty) std::fprintf(stderr, "\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << count << " seeds (" << first << ".." << first + count - 1 << "), " << faults << " faults injected, "
            << events << " events, " << failed << " failed, in " << static_cast<long long>(seconds) << " s\n";
  return failed == 0 ? 0 : 1;
}
