#!/bin/bash
# tools/bazel run -c opt //tools/bench/sim:vs_wasm
set -euo pipefail
cd "${RUNFILES_DIR:-$0.runfiles}/sluice"
exec node tools/bench/sim/vs_wasm.js "$@"
