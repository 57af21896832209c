#!/bin/bash
# The dependency check must catch each kind of violation, and pass clean code.
set -uo pipefail
check="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}/fixture"
failures=0

expect() {  # expect PATTERN OUTPUT: OUTPUT has a line matching PATTERN
  if ! grep -qE "$1" <<<"$2"; then
    echo "expected a line matching: $1"
    failures=$((failures + 1))
  fi
}

# Clean code passes.
rm -rf "$work"; mkdir -p "$work/core/widget"
cat > "$work/core/BUILD.bazel" <<'CODE'
cc_library(name = "core", deps = ["//core/widget"])
CODE
cat > "$work/core/widget/widget.h" <<'CODE'
#include <chrono>
#include <mutex>
#include "core/time/clock.h"
// A comment may mention steady_clock::now without breaking the rule.
inline auto deadline(const Clock& clock) { return clock.now() + std::chrono::seconds(1); }
inline int run_time(int x) { return x; }
int by_send_time = 0;  // ordered by send time (oldest first), as rand() would not be
CODE
cat > "$work/core/widget/BUILD.bazel" <<'CODE'
cc_library(
    name = "widget",
    hdrs = ["widget.h"],
    visibility = ["//visibility:public"],
    deps = [":other", "//core/time:clock", "@nlohmann_json//:json"],
)
CODE
out=$(bash "$check" "$work/core"); status=$?
[ "$status" -eq 0 ] || { echo "clean fixture failed:"; echo "$out"; failures=$((failures + 1)); }

# Each violation is reported with its file and line.
cat > "$work/core/widget/bad.cc" <<'CODE'
#include <asio.hpp>
#include <grpcpp/grpcpp.h>
#include "absl/strings/str_cat.h"
#include <sys/socket.h>
#include <thread>
auto a = std::chrono::steady_clock::now();
auto b = std::chrono::system_clock::now();
long c = time(nullptr);  // a trailing comment does not hide code
std::random_device d;
int e = rand();
CODE
cat > "$work/core/widget/BUILD.bazel" <<'CODE'
cc_library(
    name = "widget",
    deps = [
        "//native/runtime:http",
        "@system//:asio",
    ],
)
CODE
out=$(bash "$check" "$work/core"); status=$?
[ "$status" -eq 1 ] || { echo "violations were not detected (exit $status)"; failures=$((failures + 1)); }
for line in 1 2 3 4 5; do expect "bad.cc:$line: core may not include" "$out"; done
for line in 6 7 8 9 10; do expect "bad.cc:$line: core reads time and randomness" "$out"; done
expect "BUILD.bazel:4: core may depend only on .*: //native/runtime:http$" "$out"
expect "BUILD.bazel:5: core may depend only on .*: @system//:asio$" "$out"
mkdir -p "$work/core/gadget" && touch "$work/core/gadget/BUILD.bazel"
out=$(bash "$check" "$work/core")
expect "core/BUILD.bazel:1: the //core umbrella must list every component package: //core/gadget$" "$out"
expect "FAIL: 13 dependency rule violation" "$out"

if [ "$failures" -gt 0 ]; then
  echo "--- checker output ---"; echo "$out"
  exit 1
fi
echo "self-test passed"
