#include "core/resilience/sliding_window.h"

#include <chrono>

#include "core/base/check.h"

namespace sluice::resilience {
namespace {

constexpr std::uint8_t kFailureBit = 1;
constexpr std::uint8_t kSlowBit = 2;
constexpr std::uint8_t kRecordedBit = 4;

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

bool SlidingWindow::record(time::Instant now, bool failure, bool slow) {
  if (kind_ == WindowKind::kCountBased) {
    std::uint8_t& slot = ring_[next_];
    if (slot & kRecordedBit) {
      --ring_totals_.calls;
      ring_totals_.failures -= (slot & kFailureBit) ? 1 : 0;
      ring_totals_.slow -= (slot & kSlowBit) ? 1 : 0;
    }
    slot = kRecordedBit | (failure ? kFailureBit : 0) | (slow ? kSlowBit : 0);
    ++ring_totals_.calls;
    ring_totals_.failures += failure ? 1 : 0;
    ring_totals_.slow += slow ? 1 : 0;
    next_ = (next_ + 1) % size_;
    return false;
  }
  const std::int64_t second = second_of(now);
  Bucket& bucket = buckets_[bucket_index(second, size_)];
  const bool new_second = bucket.second != second;
  if (new_second) bucket = Bucket{second, {}};
  ++bucket.totals.calls;
  bucket.totals.failures += failure ? 1 : 0;
  bucket.totals.slow += slow ? 1 : 0;
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
