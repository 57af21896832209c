// time_trace_native: prints core/time's trace for a seed, natively.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/dual_build/time_trace.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: %s SEED\nPrints the core/time trace for SEED (an unsigned integer).\n", argv[0]);
    return argc == 2 ? 0 : 2;
  }
  char* end = nullptr;
  const unsigned long long seed = std::strtoull(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || argv[1][0] == '-') {
    std::fprintf(stderr, "SEED must be an unsigned decimal integer, got '%s'\n", argv[1]);
    return 2;
  }
  std::fputs(sluice::testing::time_trace(seed).c_str(), stdout);
  return 0;
}
