// sim_run: runs one scenario of the simulated example system (core/sim) natively and
// prints what happened: a summary, the stats as JSON, or every event as a JSON line.
//
//   tools/bazel run //tools/sim:run -- --scenario=core/sim/scenarios/inventory-slows-down.json
//   tools/bazel run //tools/sim:run -- --scenario=... --seed=7 --events > events.jsonl
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "core/base/duration_text.h"
#include "core/sim/scenario.h"
#include "core/sim/world.h"
#include "native/cli/cli.h"

ABSL_FLAG(std::string, scenario, "", "The scenario's JSON file (see core/sim/scenarios/).");
ABSL_FLAG(std::string, seed, "", "The seed (a whole number); the scenario's own if empty.");
ABSL_FLAG(std::string, settle, "30s",
          "How long to keep running after the traffic ends, so sagas finish and queues drain.");
ABSL_FLAG(bool, events, false, "Print every event as a JSON line on stdout (instead of the summary).");
ABSL_FLAG(bool, stats, false, "Print the final stats as JSON on stdout (instead of the summary).");

namespace {

int fail(const std::string& message) {
  std::cerr << "sim_run: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sluice::native::parse_command_line(
      argc, argv,
      "Runs a scenario of the simulated example system on virtual time and reports it.\n"
      "  sim_run --scenario=core/sim/scenarios/payment-fails.json [--seed=7] [--events | --stats]");
  const std::string path = absl::GetFlag(FLAGS_scenario);
  if (path.empty()) return fail("--scenario is required");
  std::ifstream file(path);
  if (!file) return fail("cannot read " + path);
  std::stringstream text;
  text << file.rdbuf();
  auto scenario = sluice::sim::scenario_from_text(text.str());
  if (!scenario.ok()) return fail(path + ": " + scenario.status().message());
  std::optional<std::uint64_t> seed;
  if (const std::string s = absl::GetFlag(FLAGS_seed); !s.empty()) {
    try {
      std::size_t used = 0;
      seed = std::stoull(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      return fail("--seed must be a whole number; got \"" + s + "\"");
    }
  }
  auto settle = sluice::parse_duration(absl::GetFlag(FLAGS_settle));
  if (!settle.ok()) return fail("--settle: " + settle.status().message());

  auto world = sluice::sim::World::create(*scenario, seed);
  if (!world.ok()) return fail(world.status().message());
  sluice::sim::World& w = **world;
  const bool print_events = absl::GetFlag(FLAGS_events);
  const sluice::time::Instant end = w.end_of_traffic() + *settle;
  const bool show_progress = !print_events && isatty(STDERR_FILENO);
  // One virtual second at a time, so events are printed (and dropped) as they come.
  w.run_in_steps(end, std::chrono::seconds(1), [&] {
    if (print_events) {
      for (std::uint64_t c = w.trace().begin(); c < w.trace().end(); ++c) std::cout << w.trace().line(c) << "\n";
      w.trace().discard_before(w.trace().end());
    }
    if (show_progress) {
      std::fprintf(stderr, "\r%s: %3lld / %lld s virtual", scenario->name.c_str(),
                   static_cast<long long>(w.now().time_since_epoch().count() / 1'000'000'000),
                   static_cast<long long>(end.time_since_epoch().count() / 1'000'000'000));
    }
  });
  if (show_progress) std::fprintf(stderr, "\n");
  if (print_events) return 0;
  const nlohmann::json stats = w.stats();
  if (absl::GetFlag(FLAGS_stats)) {
    std::cout << stats.dump(2) << "\n";
    return 0;
  }
  const auto& orders = stats["orders"];
  std::cout << scenario->title << " (seed " << w.seed() << ")\n"
            << "  orders sent " << orders["sent"] << ", sagas " << orders["sagas_started"] << ": confirmed "
            << orders["confirmed"] << ", cancelled " << orders["cancelled"] << ", needs attention "
            << orders["needs_attention"] << ", still running " << orders["running"] << "\n"
            << "  rejected by the stock check " << orders["rejected_out_of_stock"] << "\n";
  if (stats.contains("stock_check")) {
    const auto& c = stats["stock_check"];
    std::cout << "  stock checks " << c["calls"] << ": attempts " << c["attempts"] << ", retries " << c["retries"]
              << ", timeouts " << c["timeouts"] << ", rejected by the breaker " << c["rejected"] << ", fallbacks "
              << c["fallbacks"] << " (breaker now " << c["breaker"].get<std::string>() << ")\n";
  }
  std::cout << "  breaker transitions " << w.trace().count_of("breaker.state_changed") << ", events " << stats["events"]
            << ", digest " << std::hex << w.trace().digest() << std::dec << "\n"
            << "  notifications handled " << stats["notification"]["handled"] << " (duplicates "
            << stats["notification"]["duplicates"] << "), dead-lettered "
            << stats["queues"]["notifications"]["dead_lettered"] << "\n"
            << "  analytics counted " << stats["analytics"]["counted"] << " (miscounted "
            << stats["analytics"]["miscounted"] << ", replays " << stats["analytics"]["replays"] << ")\n";
  return 0;
}
