#!/bin/bash
# //native:stack as a user runs it.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/stack.log"

# --help explains the binary and its flags, and exits 0.
help="$("$stack" --help)" || fail "--help exited $?"
grep -q -- '--port' <<<"$help" || fail "--help does not mention --port"
grep -q 'healthz' <<<"$help" || fail "--help does not say what is served"

# Bad flag values are refused with a message.
if "$stack" --port=70000 2>"$log.err"; then fail "--port=70000 was accepted"; fi
grep -q 'from 0 to 65535' "$log.err" || fail "no clear message for a bad port"

# It serves GET /healthz on loopback until SIGTERM, then exits 0.
start_binary "$log" "$stack" --port=0
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"
response="$(http_request "$BINARY_PORT" GET /healthz)"
grep -q '^HTTP/1.1 200 OK' <<<"$response" || fail "GET /healthz: $response"
grep -q '"status":"ok"' <<<"$response" || fail "GET /healthz body: $response"

stop_binary
grep -q '"msg":"stopped"' "$log" || fail "no 'stopped' log line"
echo "stack binary test passed"
