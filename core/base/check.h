// check.h: contract checks for programming errors in core.
//
// Bad input from outside (a malformed message, an invalid config) is reported as a
// value. SLUICE_CHECK is for broken promises between pieces of code, such as asking a
// clock to go backwards: continuing would corrupt state, so the process stops with the
// condition, file and line.
//
//   SLUICE_CHECK(deadline >= now);
#ifndef SLUICE_CORE_BASE_CHECK_H_
#define SLUICE_CORE_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace sluice::internal {

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: SLUICE_CHECK failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace sluice::internal

// SLUICE_CHECK(condition): stops the process when `condition` is false. Always on,
// in every build mode: the conditions guard invariants, not hot loops.
#define SLUICE_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::sluice::internal::check_failed(#condition, __FILE__, __LINE__))

#endif  // SLUICE_CORE_BASE_CHECK_H_
