#include "core/observe/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/time/prng.h"

namespace sluice::observe {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using time::Duration;

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlaps) {
  for (std::size_t bucket = 0; bucket + 1 < LatencyHistogram::kBuckets; ++bucket) {
    ASSERT_EQ(LatencyHistogram::upper_bound_of(bucket), LatencyHistogram::lower_bound_of(bucket + 1));
    ASSERT_LT(LatencyHistogram::lower_bound_of(bucket), LatencyHistogram::upper_bound_of(bucket));
    // Each value maps back into the bucket whose bounds hold it.
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::lower_bound_of(bucket)), bucket);
    ASSERT_EQ(LatencyHistogram::bucket_of(LatencyHistogram::upper_bound_of(bucket) - 1), bucket);
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(-5), 0u);
  EXPECT_EQ(LatencyHistogram::bucket_of(INT64_MAX), LatencyHistogram::kBuckets - 1);
}

TEST(LatencyHistogramTest, BucketsAreAtMostASixteenthOfTheirLowerBoundWide) {
  for (std::size_t bucket = LatencyHistogram::kSubBuckets; bucket + 1 < LatencyHistogram::kBuckets; ++bucket) {
    const double low = static_cast<double>(LatencyHistogram::lower_bound_of(bucket));
    const double width = static_cast<double>(LatencyHistogram::upper_bound_of(bucket)) - low;
    ASSERT_LE(width / low, 1.0 / 16 + 1e-12) << bucket;
  }
}

TEST(LatencyHistogramTest, SmallDurationsAreExact) {
  LatencyHistogram histogram;
  for (int ns = 0; ns < 16; ++ns) histogram.record(Duration(ns));
  EXPECT_EQ(histogram.quantile(0.0), Duration(0));
  EXPECT_EQ(histogram.quantile(0.5), Duration(7));  // the 8th of 16
  EXPECT_EQ(histogram.quantile(1.0), Duration(15));
}

TEST(LatencyHistogramTest, QuantilesAreWithinThreePercentOfTheTruth) {
  time::Prng prng(5);
  LatencyHistogram histogram;
  std::vector<std::int64_t> samples;
  for (int i = 0; i < 20'000; ++i) {
    // Latencies from 50 us to 2 s, skewed towards the low end as real ones are.
    const double u = prng.uniform_unit();
    const auto nanos = static_cast<std::int64_t>(50'000 + u * u * u * 2e9);
    samples.push_back(nanos);
    histogram.record(Duration(nanos));
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(samples[static_cast<std::size_t>(std::ceil(q * samples.size())) - 1]);
    const auto estimate = static_cast<double>(histogram.quantile(q).count());
    EXPECT_NEAR(estimate / exact, 1.0, 0.032) << "q=" << q;
  }
  EXPECT_EQ(histogram.count(), 20'000u);
}

TEST(LatencyHistogramTest, MergeAddsAndClearEmpties) {
  LatencyHistogram a, b;
  for (int i = 0; i < 99; ++i) a.record(milliseconds(1));
  b.record(milliseconds(900));
  a.merge_from(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_NEAR(static_cast<double>(a.quantile(0.99).count()), 1e6, 1e6 * 0.032);
  EXPECT_NEAR(static_cast<double>(a.quantile(1.0).count()), 9e8, 9e8 * 0.032);
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.quantile(0.5), Duration::zero());
}

TEST(LatencyHistogramTest, HugeDurationsLandInTheLastBucket) {
  LatencyHistogram histogram;
  histogram.record(std::chrono::hours(5));
  EXPECT_EQ(histogram.count_in(LatencyHistogram::kBuckets - 1), 1u);
  EXPECT_GE(histogram.quantile(1.0), Duration(std::int64_t{1} << 40));
}

}  // namespace
}  // namespace sluice::observe
