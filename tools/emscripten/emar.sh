#!/bin/bash
# Debian's emar as Bazel runs it; see em++.sh.
export EM_CONFIG=/usr/share/emscripten/.emscripten
export EMSDK_PYTHON=/usr/bin/python3
export HOME="${HOME:-${TMPDIR:-/tmp}}"
exec /usr/bin/emar "$@"
