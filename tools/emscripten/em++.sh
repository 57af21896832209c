#!/bin/bash
# Debian's em++ as Bazel runs it: inside a sandbox with a bare environment.
# The JS optimizer (used at -O1 and above) needs Debian's acorn from /usr/share/nodejs;
# the config and frozen system-library cache are Debian's, used as they are.
export NODE_PATH=/usr/share/nodejs
export EM_CONFIG=/usr/share/emscripten/.emscripten
export EMSDK_PYTHON=/usr/bin/python3
export HOME="${HOME:-${TMPDIR:-/tmp}}"
exec /usr/bin/em++ "$@"
