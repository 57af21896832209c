// instant.h: Duration and Instant, the only time types in core.
//
// An Instant is a point on a monotonic timeline whose epoch is the clock's own start,
// counted in nanoseconds in a signed 64-bit integer (about 292 years either way) so
// that arithmetic is the same natively and in WebAssembly. It is a std::chrono
// time_point, so mixing it with durations of other units converts safely:
//
//   Instant deadline = clock.now() + std::chrono::milliseconds(30);
//   Duration left = deadline - clock.now();
//
// Instants from different clocks are not comparable; nothing in the type stops that,
// so components keep to the one clock they were given.
#ifndef SLUICE_CORE_TIME_INSTANT_H_
#define SLUICE_CORE_TIME_INSTANT_H_

#include <chrono>
#include <cstdint>

namespace sluice::time {

using Duration = std::chrono::nanoseconds;

// MonotonicEpoch: the tag clock of Instant. It has no now(): core never reads time
// except through an injected Clock.
struct MonotonicEpoch {
  using duration = Duration;
  using rep = duration::rep;
  using period = duration::period;
  static constexpr bool is_steady = true;
};

using Instant = std::chrono::time_point<MonotonicEpoch, Duration>;

// nanos_since_epoch: an Instant as a plain count, for logs, events and JSON.
constexpr std::int64_t nanos_since_epoch(Instant instant) { return instant.time_since_epoch().count(); }

// instant_from_nanos: the inverse of nanos_since_epoch.
constexpr Instant instant_from_nanos(std::int64_t nanos) { return Instant(Duration(nanos)); }

}  // namespace sluice::time

#endif  // SLUICE_CORE_TIME_INSTANT_H_
