#include "core/resilience/sliding_window.h"

#include <chrono>

#include "core/base/check.h"

namespace sluice::resilience {
namespace {

void add(WindowTotals& totals, CallFlags call) {
  ++totals.calls;
  totals.failures += call.failure ? 1 : 0;
  totals.slow += call.slow ? 1 : 0;
  totals.over_latency_threshold += call.over_latency_threshold ? 1 : 0;
}

std::int64_t second_of(time::Instant now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

// Floor modulo, so instants before the epoch land in a valid bucket too.
std::uint32_t bucket_index(std::int64_t second, std::uint32_t size) {
  const std::int64_t m = second % static_cast<std::int64_t>(size);
  return static_cast<std::uint32_t>(m < 0 ? m + size : m);
}

}  // namespace

SlidingWindow::SlidingWindow(WindowKind kind, std::uint32_t size) : kind_(kind), size_(size) {
  SLUICE_CHECK(size >= 1);
  if (kind_ == WindowKind::kCountBased) {
    ring_.assign(size_, 0);
  } else {
    buckets_.assign(size_, Bucket{});
  }
}

bool SlidingWindow::record_in_bucket(time::Instant now, CallFlags call) {
  const std::int64_t second = second_of(now);
  Bucket& bucket = buckets_[bucket_index(second, size_)];
  const bool new_second = bucket.second != second;
  if (new_second) bucket = Bucket{second, {}};
  add(bucket.totals, call);
  return new_second;
}

WindowTotals SlidingWindow::totals(time::Instant now) const {
  if (kind_ == WindowKind::kCountBased) return ring_totals_;
  const std::int64_t newest = second_of(now);
  WindowTotals sum;
  for (const Bucket& bucket : buckets_) {
    if (bucket.second > newest - static_cast<std::int64_t>(size_) && bucket.second <= newest) {
      sum.calls += bucket.totals.calls;
      sum.failures += bucket.totals.failures;
      sum.slow += bucket.totals.slow;
      sum.over_latency_threshold += bucket.totals.over_latency_threshold;
    }
  }
  return sum;
}

void SlidingWindow::clear() {
  if (kind_ == WindowKind::kCountBased) {
    ring_.assign(size_, 0);
    next_ = 0;
    ring_totals_ = {};
  } else {
    buckets_.assign(size_, Bucket{});
  }
}

}  // namespace sluice::resilience
