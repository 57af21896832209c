#!/bin/bash
# Runs a Node test script from the test's runfiles root with the machine's node
# (installed by tools/bazel); the script's exit status is the test's.
set -euo pipefail
script="$1"
shift
exec node "$script" "$@"
