#include "core/time/prng.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace sluice::time {
namespace {

TEST(PrngTest, MatchesTheXoshiro256StarStarReferenceOutput) {
  // The reference implementation's first outputs from the state {1, 2, 3, 4}.
  Prng prng = Prng::from_state({1, 2, 3, 4});
  const std::array<std::uint64_t, 6> expected = {
      11520u, 0u, 1509978240u, 1215971899390074240u, 1216172134540287360u, 607988272756665600u};
  for (std::uint64_t value : expected) EXPECT_EQ(prng.next_u64(), value);
}

TEST(PrngTest, SeedsThroughSplitMix64) {
  // SplitMix64 from 0 gives e220a8397b1dcdaf, 6e789e6aa1b965f4, ... as the seeding state.
  Prng prng(0);
  EXPECT_EQ(prng.state()[0], 0xe220a8397b1dcdafULL);
  EXPECT_EQ(prng.state()[1], 0x6e789e6aa1b965f4ULL);
}

TEST(PrngTest, TheSameSeedGivesTheSameSequenceAndOthersDiffer) {
  Prng a(42), b(42), c(43);
  int differences = 0;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differences += x != c.next_u64();
  }
  EXPECT_EQ(differences, 100);
}

TEST(PrngTest, UniformBelowStaysInRangeAndIsEven) {
  Prng prng(7);
  std::array<int, 10> counts{};
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t value = prng.uniform_below(10);
    ASSERT_LT(value, 10u);
    ++counts[value];
  }
  for (int count : counts) {
    EXPECT_NEAR(count, kDraws / 10, kDraws / 100) << "a bucket is more than 10% off";
  }
  EXPECT_EQ(prng.uniform_below(1), 0u);
}

TEST(PrngTest, UniformIntCoversBothEndsAndTheFullRange) {
  Prng prng(9);
  bool saw_low = false, saw_high = false;
  for (int i = 0; i < 1'000; ++i) {
    const std::int64_t value = prng.uniform_int(-3, 3);
    ASSERT_GE(value, -3);
    ASSERT_LE(value, 3);
    saw_low |= value == -3;
    saw_high |= value == 3;
  }
  EXPECT_TRUE(saw_low);
  EXPECT_TRUE(saw_high);
  EXPECT_EQ(prng.uniform_int(5, 5), 5);
  // The widest range must not overflow; both signs appear.
  bool saw_negative = false, saw_positive = false;
  for (int i = 0; i < 64; ++i) {
    const std::int64_t value = prng.uniform_int(INT64_MIN, INT64_MAX);
    saw_negative |= value < 0;
    saw_positive |= value > 0;
  }
  EXPECT_TRUE(saw_negative && saw_positive);
}

TEST(PrngTest, UniformUnitIsInTheHalfOpenUnitInterval) {
  Prng prng(11);
  double sum = 0;
  constexpr int kDraws = 100'000;
  for (int i = 0; i < kDraws; ++i) {
    const double value = prng.uniform_unit();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
    sum += value;
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 0.01);
}

TEST(PrngTest, ChanceHonoursItsEdgesAndItsProbability) {
  Prng prng(13);
  int hits = 0;
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_FALSE(prng.chance(0.0));
    EXPECT_FALSE(prng.chance(-1.0));
    EXPECT_TRUE(prng.chance(1.0));
    hits += prng.chance(0.25);
  }
  EXPECT_NEAR(hits, 2'500, 250);
}

TEST(PrngTest, UniformDurationIncludesBothBounds) {
  Prng prng(17);
  const Duration low = std::chrono::milliseconds(10), high = low + Duration(2);
  std::array<int, 3> counts{};
  for (int i = 0; i < 300; ++i) {
    const Duration value = prng.uniform_duration(low, high);
    ASSERT_GE(value, low);
    ASSERT_LE(value, high);
    ++counts[(value - low).count()];
  }
  for (int count : counts) EXPECT_GT(count, 0);
}

TEST(PrngTest, ForksAreIndependentOfTheirParentsLaterDraws) {
  Prng parent(21);
  Prng child = parent.fork();
  Prng replay_parent(21);
  Prng replay_child = replay_parent.fork();
  // Drawing from one parent and not the other must not change what the child gives.
  for (int i = 0; i < 10; ++i) parent.next_u64();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(child.next_u64(), replay_child.next_u64());
}

TEST(PrngTest, StateRoundTripsThroughFromState) {
  Prng prng(23);
  prng.next_u64();
  Prng resumed = Prng::from_state(prng.state());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(prng.next_u64(), resumed.next_u64());
}

TEST(PrngDeathTest, RejectsImpossibleRequests) {
  Prng prng(1);
  EXPECT_DEATH(prng.uniform_below(0), "bound > 0");
  EXPECT_DEATH(prng.uniform_int(2, 1), "low <= high");
  EXPECT_DEATH(Prng::from_state({0, 0, 0, 0}), "state");
}

}  // namespace
}  // namespace sluice::time
