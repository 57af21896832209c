// The trace exported to JavaScript. Seeds come as decimal strings so that all 64 bits
// reach the generator (a JS number holds only 53).
#include <emscripten/bind.h>

#include <cstdlib>
#include <string>

#include "tests/dual_build/time_trace.h"

namespace {

std::string time_trace_for(const std::string& seed) {
  return sluice::testing::time_trace(std::strtoull(seed.c_str(), nullptr, 10));
}

}  // namespace

EMSCRIPTEN_BINDINGS(time_trace) { emscripten::function("timeTrace", &time_trace_for); }
