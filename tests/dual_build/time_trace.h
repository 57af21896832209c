// time_trace.h: a deterministic workout of core/time, printed as text.
//
// Compiled natively and to WebAssembly; the two must print the same trace for the same
// seed (tests/dual_build/time_trace_equal_test.js). The workout touches what differs
// between the platforms: 64-bit arithmetic on a 32-bit target, floating point, the
// standard library's containers and the timer queue's ordering.
#ifndef SLUICE_TESTS_DUAL_BUILD_TIME_TRACE_H_
#define SLUICE_TESTS_DUAL_BUILD_TIME_TRACE_H_

#include <cstdint>
#include <string>

namespace sluice::testing {

// time_trace: one line per random draw and per timer fired, for `seed`.
std::string time_trace(std::uint64_t seed);

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_DUAL_BUILD_TIME_TRACE_H_
