// prng.h: Prng, the seeded source of every random choice in core.
//
// Jitter, fault injection, load-balancer tie breaks and simulated latency all draw from
// a Prng passed in by the owner, never from std::random_device or rand(). The same
// seed gives the same numbers on every platform: natively, in WebAssembly and across
// standard libraries (which is why this does not use std::uniform_int_distribution,
// whose output differs between libstdc++ and libc++).
//
//   Prng prng(seed);
//   Duration jitter = prng.uniform_duration(Duration::zero(), backoff);
//   if (prng.chance(0.05)) drop_message();
//   Prng per_link = prng.fork();  // an independent stream for a sub-component
//
// The generator is xoshiro256** (Blackman and Vigna), seeded through SplitMix64 as its
// authors recommend. Only integer arithmetic and exactly rounded IEEE operations are
// used, so results are bit-identical everywhere. Not for cryptography. Externally
// synchronised.
#ifndef SLUICE_CORE_TIME_PRNG_H_
#define SLUICE_CORE_TIME_PRNG_H_

#include <array>
#include <cstdint>

#include "core/time/instant.h"

namespace sluice::time {

class Prng {
 public:
  using State = std::array<std::uint64_t, 4>;

  // Prng: a generator whose whole sequence is determined by `seed`.
  explicit Prng(std::uint64_t seed);

  // from_state: a generator resuming from a state saved with state().
  // REQUIRES: the state is not all zeros.
  static Prng from_state(const State& state);

  const State& state() const { return state_; }

  // next_u64: 64 uniformly random bits.
  std::uint64_t next_u64();

  // uniform_below: a uniform integer in [0, bound), without modulo bias.
  // REQUIRES: bound > 0.
  std::uint64_t uniform_below(std::uint64_t bound);

  // uniform_int: a uniform integer in [low, high], both included.
  // REQUIRES: low <= high.
  std::int64_t uniform_int(std::int64_t low, std::int64_t high);

  // uniform_unit: a uniform double in [0, 1) with 53 random bits.
  double uniform_unit();

  // chance: true with probability `probability` (<= 0 never, >= 1 always).
  bool chance(double probability);

  // uniform_duration: a uniform duration in [low, high], both included.
  // REQUIRES: low <= high.
  Duration uniform_duration(Duration low, Duration high);

  // fork: a new generator seeded from this one's next output. Give each sub-component
  // its own fork so that one drawing more numbers does not shift another's sequence.
  Prng fork();

 private:
  Prng() = default;

  State state_{};
};

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_PRNG_H_
