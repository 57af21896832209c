#!/bin/bash
# tools/bazel run -c opt //tools/bench/resilience:vs_opossum
# Runs tools/bench/resilience/vs_opossum.js from this binary's runfiles.
set -euo pipefail
cd "${RUNFILES_DIR:-$0.runfiles}/sluice"
exec node tools/bench/resilience/vs_opossum.js "$@"
