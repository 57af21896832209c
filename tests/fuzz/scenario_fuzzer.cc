// Scenario JSON (what the playground loads, from a file or a shared link): any text is
// either refused with an error or makes a world that builds and runs. A run is bounded
// (one virtual second, 20,000 timers) so that a scenario asking for a huge rate still
// finishes; a scenario that could not build, or a crash, is a finding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/sim/scenario.h"
#include "core/sim/world.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::sim::Scenario> scenario = sluice::sim::scenario_from_text(text);
  if (!scenario.ok()) return 0;
  auto world = sluice::sim::World::create(*scenario);
  if (!world.ok()) std::abort();  // accepted, yet it cannot run
  (*world)->run_until(sluice::time::Instant(std::chrono::seconds(1)), 20'000);
  return 0;
}
