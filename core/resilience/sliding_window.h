// sliding_window.h: SlidingWindow, the recent calls a breaker judges rates over.
//
// Count-based: the last N recorded calls. Time-based: the calls of the last N seconds,
// kept in one-second buckets, so memory is N buckets however many calls arrive (the
// oldest second leaves the window whole, as in resilience4j).
//
//   SlidingWindow window(WindowKind::kCountBased, 100);
//   window.record(now, /*failure=*/true, /*slow=*/false);
//   WindowTotals totals = window.totals(now);  // calls, failures, slow calls
//
// Externally synchronised.
#ifndef SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_
#define SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_

#include <cstdint>
#include <vector>

#include "core/time/instant.h"

namespace sluice::resilience {

enum class WindowKind : std::uint8_t {
  kCountBased,  // the last `size` calls
  kTimeBased,   // the calls of the last `size` seconds
};

struct WindowTotals {
  std::uint32_t calls = 0;
  std::uint32_t failures = 0;
  std::uint32_t slow = 0;

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
  bool record(time::Instant now, bool failure, bool slow);

  // totals: the calls inside the window as of `now`.
  WindowTotals totals(time::Instant now) const;

  // clear: forgets every call.
  void clear();

 private:
  struct Bucket {
    std::int64_t second = INT64_MIN;  // the second (since the clock's epoch) it counts
    WindowTotals totals;
  };

  WindowKind kind_;
  std::uint32_t size_;
  // Count-based: a ring of outcomes (bit 0 failure, bit 1 slow); the totals are kept
  // up to date as entries are overwritten.
  std::vector<std::uint8_t> ring_;
  std::uint32_t next_ = 0;
  WindowTotals ring_totals_;
  // Time-based: one bucket per second, indexed by second modulo size.
  std::vector<Bucket> buckets_;
};

}  // namespace sluice::resilience

#endif  // SLUICE_CORE_RESILIENCE_SLIDING_WINDOW_H_
