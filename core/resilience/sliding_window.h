// sliding_window.h: SlidingWindow, the recent calls a breaker judges rates over.
//
// Count-based: the last N recorded calls. Time-based: the calls of the last N seconds,
// kept in one-second buckets, so memory is N buckets however many calls arrive (the
// oldest second leaves the window whole, as in resilience4j).
//
//   SlidingWindow window(WindowKind::kCountBased, 100);
//   window.record(now, {.failure = true});
//   WindowTotals totals = window.totals(now);  // calls, failures, slow calls, ...
//
// Externally synchronised.
#ifndef SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_
#define SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_

#include <cstdint>
#include <vector>

#include "core/base/cache_line.h"
#include "core/time/instant.h"

namespace sluice::resilience {

enum class WindowKind : std::uint8_t {
  kCountBased,  // the last `size` calls
  kTimeBased,   // the calls of the last `size` seconds
};

// CallFlags: what one recorded call was.
struct CallFlags {
  bool failure = false;
  bool slow = false;                    // over the slow-call duration threshold
  bool over_latency_threshold = false;  // over the latency-percentile threshold
};

struct WindowTotals {
  std::uint32_t calls = 0;
  std::uint32_t failures = 0;
  std::uint32_t slow = 0;
  std::uint32_t over_latency_threshold = 0;

  // failure_rate_percent, slow_rate_percent: 0 when there are no calls.
  double failure_rate_percent() const { return calls == 0 ? 0.0 : 100.0 * failures / calls; }
  double slow_rate_percent() const { return calls == 0 ? 0.0 : 100.0 * slow / calls; }
};

class SlidingWindow {
 public:
  // SlidingWindow: REQUIRES size >= 1.
  SlidingWindow(WindowKind kind, std::uint32_t size);

  // record: one call that ended at `now`. True if it began a new second in a
  // time-based window (older seconds may have left the window, so totals may have
  // changed in any direction); always false for a count-based one.
  bool record(time::Instant now, CallFlags call) {
    if (kind_ == WindowKind::kCountBased) {
      record_in_ring(call);
      return false;
    }
    return record_in_bucket(now, call);
  }

  // totals: the calls inside the window as of `now`.
  WindowTotals totals(time::Instant now) const;

  // clear: forgets every call.
  void clear();

 private:
  static constexpr std::uint8_t kFailureBit = 1;
  static constexpr std::uint8_t kSlowBit = 2;
  static constexpr std::uint8_t kRecordedBit = 4;
  static constexpr std::uint8_t kOverLatencyBit = 8;

  // Inline: it is on every recorded call of a breaker.
  void record_in_ring(CallFlags call) {
    std::uint8_t& slot = ring_[next_];
    if (slot & kRecordedBit) {
      --ring_totals_.calls;
      ring_totals_.failures -= (slot & kFailureBit) ? 1 : 0;
      ring_totals_.slow -= (slot & kSlowBit) ? 1 : 0;
      ring_totals_.over_latency_threshold -= (slot & kOverLatencyBit) ? 1 : 0;
    }
    slot = kRecordedBit | (call.failure ? kFailureBit : 0) | (call.slow ? kSlowBit : 0) |
           (call.over_latency_threshold ? kOverLatencyBit : 0);
    ++ring_totals_.calls;
    ring_totals_.failures += call.failure ? 1 : 0;
    ring_totals_.slow += call.slow ? 1 : 0;
    ring_totals_.over_latency_threshold += call.over_latency_threshold ? 1 : 0;
    if (++next_ == size_) next_ = 0;
  }
  bool record_in_bucket(time::Instant now, CallFlags call);

  struct Bucket {
    std::int64_t second = INT64_MIN;  // the second (since the clock's epoch) it counts
    WindowTotals totals;
  };

  WindowKind kind_;
  std::uint32_t size_;
  // Count-based: a ring of CallFlags as bits (the k...Bit above); the totals are kept
  // up to date as entries are overwritten.
  // Cache-line allocations: windows of different threads' shards never share a line.
  std::vector<std::uint8_t, CacheLineAllocator<std::uint8_t>> ring_;
  std::uint32_t next_ = 0;
  WindowTotals ring_totals_;
  // Time-based: one bucket per second, indexed by second modulo size.
  std::vector<Bucket, CacheLineAllocator<Bucket>> buckets_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_
