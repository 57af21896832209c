#include "core/resilience/sliding_window.h"

#include <gtest/gtest.h>

namespace sluice::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using time::Instant;

TEST(SlidingWindowTest, CountBasedKeepsTheLastNCalls) {
  SlidingWindow window(WindowKind::kCountBased, 4);
  const Instant now;
  window.record(now, {.failure = true, .slow = true});
  window.record(now, {.failure = true, .slow = false});
  window.record(now, {.failure = false, .slow = false});
  EXPECT_EQ(window.totals(now).calls, 3u);
  EXPECT_EQ(window.totals(now).failures, 2u);
  EXPECT_EQ(window.totals(now).slow, 1u);

  window.record(now, {.failure = false, .slow = false});  // full: 4 calls
  window.record(now, {.failure = false, .slow = false});  // pushes out the first (failed, slow) call
  const WindowTotals totals = window.totals(now);
  EXPECT_EQ(totals.calls, 4u);
  EXPECT_EQ(totals.failures, 1u);
  EXPECT_EQ(totals.slow, 0u);
  EXPECT_DOUBLE_EQ(totals.failure_rate_percent(), 25.0);
}

TEST(SlidingWindowTest, CountBasedIgnoresTime) {
  SlidingWindow window(WindowKind::kCountBased, 2);
  window.record(Instant(), {.failure = true, .slow = false});
  EXPECT_EQ(window.totals(Instant(seconds(3600))).failures, 1u);
}

TEST(SlidingWindowTest, TimeBasedDropsWholeSecondsAsTheyAge) {
  SlidingWindow window(WindowKind::kTimeBased, 3);                                // the last 3 seconds
  window.record(Instant(milliseconds(100)), {.failure = true, .slow = false});    // second 0
  window.record(Instant(milliseconds(1500)), {.failure = false, .slow = false});  // second 1
  window.record(Instant(milliseconds(2999)), {.failure = false, .slow = true});   // second 2
  EXPECT_EQ(window.totals(Instant(milliseconds(2999))).calls, 3u);

  // At 3.0 s second 0 has left the window; its failure goes with it.
  const WindowTotals at_3s = window.totals(Instant(seconds(3)));
  EXPECT_EQ(at_3s.calls, 2u);
  EXPECT_EQ(at_3s.failures, 0u);
  EXPECT_EQ(at_3s.slow, 1u);

  // Long quiet: nothing is left, even though the buckets still hold old counts.
  EXPECT_EQ(window.totals(Instant(seconds(60))).calls, 0u);
}

TEST(SlidingWindowTest, TimeBasedReusesABucketForItsNextSecond) {
  SlidingWindow window(WindowKind::kTimeBased, 2);
  window.record(Instant(seconds(0)), {.failure = true, .slow = false});
  window.record(Instant(seconds(2)), {.failure = false, .slow = false});  // same bucket index, two seconds on
  const WindowTotals totals = window.totals(Instant(seconds(2)));
  EXPECT_EQ(totals.calls, 1u);
  EXPECT_EQ(totals.failures, 0u);
}

TEST(SlidingWindowTest, ClearForgetsEverything) {
  for (WindowKind kind : {WindowKind::kCountBased, WindowKind::kTimeBased}) {
    SlidingWindow window(kind, 5);
    window.record(Instant(), {.failure = true, .slow = true});
    window.clear();
    EXPECT_EQ(window.totals(Instant()).calls, 0u);
    window.record(Instant(), {.failure = false, .slow = false});
    EXPECT_EQ(window.totals(Instant()).calls, 1u);
    EXPECT_EQ(window.totals(Instant()).failures, 0u);
  }
}

TEST(SlidingWindowTest, CountsCallsOverTheLatencyThresholdLikeTheOtherFlags) {
  for (WindowKind kind : {WindowKind::kCountBased, WindowKind::kTimeBased}) {
    SlidingWindow window(kind, 2);
    window.record(Instant(), {.over_latency_threshold = true});
    window.record(Instant(), {});
    EXPECT_EQ(window.totals(Instant()).over_latency_threshold, 1u);
    if (kind == WindowKind::kCountBased) {
      window.record(Instant(), {});  // pushes the slow one out
      EXPECT_EQ(window.totals(Instant()).over_latency_threshold, 0u);
    }
  }
}

TEST(SlidingWindowTest, RatesAreZeroWithNoCalls) {
  WindowTotals empty;
  EXPECT_EQ(empty.failure_rate_percent(), 0.0);
  EXPECT_EQ(empty.slow_rate_percent(), 0.0);
}

}  // namespace
}  // namespace sluice::resilience
