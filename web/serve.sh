#!/bin/bash
# tools/bazel run //web:serve [-- --port=8080 --bind=127.0.0.1]
set -euo pipefail
cd "${RUNFILES_DIR:-$0.runfiles}/sluice"
exec node web/serve.js --static=web/static --module_js=wasm/playground.js --module_wasm=wasm/playground.wasm \
  --scenarios=core/sim/scenarios "$@"
