// latency_histogram.h: LatencyHistogram, call durations in logarithmic buckets.
//
// HDR-style: each power of two from 16 ns up is split into 16 equal buckets, so a
// bucket is at most 1/16 of its lower bound wide and a quantile is within 3.2% of
// the true value (reported at the bucket's midpoint). Durations below 16 ns are exact;
// above 2^40 ns (about 18 minutes) they land in the last bucket. Recording is an index
// computation and an increment; memory is fixed (608 counters), whatever the count.
//
//   LatencyHistogram histogram;
//   histogram.record(std::chrono::microseconds(250));
//   Duration p99 = histogram.quantile(0.99);
//
// Externally synchronised. Merge per-thread histograms with merge_from().
#ifndef SLUICE_CORE_OBSERVE_LATENCY_HISTOGRAM_H_
#define SLUICE_CORE_OBSERVE_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/time/instant.h"

namespace sluice::observe {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 4;
  static constexpr std::int64_t kSubBuckets = 1 << kSubBucketBits;                                          // 16
  static constexpr int kMaxExponent = 40;                                                                   // 2^40 ns
  static constexpr std::size_t kBuckets = kSubBuckets + (kMaxExponent - kSubBucketBits + 1) * kSubBuckets;  // 608

  // record: one duration; negative durations count as 0.
  void record(time::Duration duration) {
    ++counts_[bucket_of(duration.count())];
    ++count_;
  }

  // quantile: the duration below which a fraction `q` (0 to 1) of recorded durations
  // fall, at the midpoint of its bucket; 0 when nothing was recorded.
  time::Duration quantile(double q) const;

  // add_to_bucket: `count` durations in `bucket` (see bucket_of), for histograms kept
  // elsewhere as plain counts, e.g. the difference of two cumulative snapshots.
  // REQUIRES: bucket < kBuckets.
  void add_to_bucket(std::size_t bucket, std::uint64_t count) {
    counts_[bucket] += count;
    count_ += count;
  }

  std::uint64_t count() const { return count_; }

  void merge_from(const LatencyHistogram& other);
  void clear();

  // bucket_of, lower_bound_of, upper_bound_of: the bucket layout, for exporters
  // (Prometheus buckets, the playground's charts).
  static std::size_t bucket_of(std::int64_t nanos);
  static std::int64_t lower_bound_of(std::size_t bucket);
  static std::int64_t upper_bound_of(std::size_t bucket);  // exclusive
  std::uint64_t count_in(std::size_t bucket) const { return counts_[bucket]; }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
};

}  // namespace sluice::observe

#endif  // SLUICE_CORE_OBSERVE_LATENCY_HISTOGRAM_H_
