// duration_text.h: durations written as text, as Istio, Envoy and Go write them.
//
//   parse_duration("30s")     -> 30 s
//   parse_duration("250ms")   -> 250 ms
//   parse_duration("1m30s")   -> 90 s
//   parse_duration("1.5s")    -> 1500 ms
//   parse_duration("10")      -> error: a unit is required
//
// Units: ns, us (or µs), ms, s, m, h. Parsed with integer arithmetic only, so the
// same text gives the same nanoseconds on every platform; fractions finer than a
// nanosecond are an error rather than silently rounded.
#ifndef SLUICE_CORE_BASE_DURATION_TEXT_H_
#define SLUICE_CORE_BASE_DURATION_TEXT_H_

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/time/instant.h"

namespace sluice {

// parse_duration: the duration `text` names, or an error quoting it.
Result<time::Duration> parse_duration(std::string_view text);

// format_duration: the shortest exact text for `duration` that parse_duration reads
// back, e.g. "1m30s", "250ms", "0s".
std::string format_duration(time::Duration duration);

}  // namespace sluice

#endif  // SLUICE_CORE_BASE_DURATION_TEXT_H_
