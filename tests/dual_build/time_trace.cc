#include "tests/dual_build/time_trace.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/time/prng.h"
#include "core/time/virtual_time.h"

namespace sluice::testing {
namespace {

using time::Duration;
using time::TimerId;

void append(std::string& out, const char* format, auto... values) {
  char line[128];
  std::snprintf(line, sizeof line, format, values...);
  out += line;
}

// The bit pattern of a double (libc++ 14, em++'s, has no std::bit_cast).
std::uint64_t bits_of(double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

void trace_draws(time::Prng& prng, std::string& out) {
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bits = prng.next_u64();
    const std::uint64_t below = prng.uniform_below(1'000'003);
    const std::int64_t signed_value = prng.uniform_int(-5'000'000'000, 5'000'000'000);
    // Doubles as their bit patterns: no printf rounding can hide a difference.
    const double unit = prng.uniform_unit();
    append(out, "draw %d %016" PRIx64 " %" PRIu64 " %" PRId64 " %016" PRIx64 " %d\n", i, bits, below, signed_value,
           bits_of(unit), prng.chance(0.3) ? 1 : 0);
  }
}

// Timers at random deadlines, some cancelled, some scheduling children, fired in bounded
// steps; each firing prints its virtual time.
void trace_timers(time::Prng& prng, std::string& out) {
  time::VirtualTime clock;
  std::vector<TimerId> ids;
  for (int i = 0; i < 200; ++i) {
    const Duration delay = prng.uniform_duration(Duration(0), std::chrono::milliseconds(500));
    ids.push_back(clock.schedule_after(delay, [&clock, &prng, &out, i] {
      append(out, "fire %d at %" PRId64 "\n", i, time::nanos_since_epoch(clock.now()));
      if (prng.chance(0.2)) {
        clock.schedule_after(prng.uniform_duration(Duration(0), std::chrono::milliseconds(50)), [&clock, &out, i] {
          append(out, "child %d at %" PRId64 "\n", i, time::nanos_since_epoch(clock.now()));
        });
      }
    }));
  }
  for (TimerId id : ids) {
    if (prng.chance(0.25)) clock.cancel(id);
  }
  while (clock.pending_timers() > 0) {
    const time::RunResult step = clock.run_for(std::chrono::milliseconds(37));
    append(out, "step fired %zu now %" PRId64 "\n", step.timers_fired, time::nanos_since_epoch(clock.now()));
  }
}

}  // namespace

std::string time_trace(std::uint64_t seed) {
  std::string out;
  time::Prng prng(seed);
  trace_draws(prng, out);
  time::Prng timer_prng = prng.fork();
  trace_timers(timer_prng, out);
  return out;
}

}  // namespace sluice::testing
