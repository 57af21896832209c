#include "core/observe/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sluice::observe {

std::size_t LatencyHistogram::bucket_of(std::int64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<std::size_t>(std::max<std::int64_t>(nanos, 0));
  const auto value = static_cast<std::uint64_t>(nanos);
  const int exponent = std::bit_width(value) - 1;  // >= kSubBucketBits
  if (exponent > kMaxExponent) return kBuckets - 1;
  const auto sub_bucket = static_cast<std::size_t>((value >> (exponent - kSubBucketBits)) & (kSubBuckets - 1));
  return static_cast<std::size_t>(kSubBuckets + (exponent - kSubBucketBits) * kSubBuckets) + sub_bucket;
}

std::int64_t LatencyHistogram::lower_bound_of(std::size_t bucket) {
  if (bucket < static_cast<std::size_t>(kSubBuckets)) return static_cast<std::int64_t>(bucket);
  const auto offset = static_cast<std::int64_t>(bucket) - kSubBuckets;
  const std::int64_t exponent = offset / kSubBuckets + kSubBucketBits;
  const std::int64_t sub_bucket = offset % kSubBuckets;
  return (std::int64_t{1} << exponent) + sub_bucket * (std::int64_t{1} << (exponent - kSubBucketBits));
}

std::int64_t LatencyHistogram::upper_bound_of(std::size_t bucket) {
  if (bucket + 1 >= kBuckets) return INT64_MAX;
  return lower_bound_of(bucket + 1);
}

time::Duration LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return time::Duration::zero();
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample at quantile q, counting from 1.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) {
      const std::int64_t low = lower_bound_of(bucket);
      if (bucket + 1 >= kBuckets) return time::Duration(low);
      return time::Duration(low + (upper_bound_of(bucket) - 1 - low) / 2);
    }
  }
  return time::Duration(lower_bound_of(kBuckets - 1));
}

void LatencyHistogram::merge_from(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
}

void LatencyHistogram::clear() {
  counts_.fill(0);
  count_ = 0;
}

}  // namespace sluice::observe
