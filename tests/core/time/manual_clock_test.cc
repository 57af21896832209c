#include "core/time/manual_clock.h"

#include <gtest/gtest.h>

namespace sluice::time {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ManualClockTest, StartsWhereToldAndMovesOnlyWhenTold) {
  ManualClock clock(instant_from_nanos(1'000));
  EXPECT_EQ(nanos_since_epoch(clock.now()), 1'000);
  EXPECT_EQ(nanos_since_epoch(clock.now()), 1'000);  // reading does not move it

  clock.advance(milliseconds(30));
  EXPECT_EQ(nanos_since_epoch(clock.now()), 30'001'000);

  clock.set(instant_from_nanos(30'001'000));  // setting to now is allowed
  EXPECT_EQ(nanos_since_epoch(clock.now()), 30'001'000);
}

TEST(ManualClockTest, DefaultStartIsTheEpoch) {
  ManualClock clock;
  EXPECT_EQ(clock.now(), Instant());
}

TEST(ManualClockDeathTest, RefusesToGoBackwards) {
  ManualClock clock(Instant(seconds(10)));
  EXPECT_DEATH(clock.set(Instant(seconds(9))), "instant >= now_");
  EXPECT_DEATH(clock.advance(-milliseconds(1)), "instant >= now_");
}

}  // namespace
}  // namespace sluice::time
