#include "core/time/prng.h"

#include "core/base/check.h"

namespace sluice::time {
namespace {

std::uint64_t rotate_left(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// SplitMix64 spreads one seed over the four state words; it never yields four zeros.
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

Prng::Prng(std::uint64_t seed) {
  for (auto& word : state_) word = splitmix64(seed);
}

Prng Prng::from_state(const State& state) {
  SLUICE_CHECK((state[0] | state[1] | state[2] | state[3]) != 0);
  Prng prng;
  prng.state_ = state;
  return prng;
}

std::uint64_t Prng::next_u64() {
  const std::uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

std::uint64_t Prng::uniform_below(std::uint64_t bound) {
  SLUICE_CHECK(bound > 0);
  // Reject the lowest (2^64 mod bound) values so that every residue is equally likely.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next_u64();
    if (r >= threshold) return r % bound;
  }
}

std::int64_t Prng::uniform_int(std::int64_t low, std::int64_t high) {
  SLUICE_CHECK(low <= high);
  // The span is computed in unsigned arithmetic, where it cannot overflow.
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  const std::uint64_t offset = span == UINT64_MAX ? next_u64() : uniform_below(span + 1);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + offset);
}

double Prng::uniform_unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

bool Prng::chance(double probability) {
  if (probability <= 0.0) return false;
  if (probability >= 1.0) return true;
  return uniform_unit() < probability;
}

Duration Prng::uniform_duration(Duration low, Duration high) {
  return Duration(uniform_int(low.count(), high.count()));
}

Prng Prng::fork() { return Prng(next_u64()); }

}  // namespace sluice::time
