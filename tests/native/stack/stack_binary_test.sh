#!/bin/bash
# //native:stack as a user runs it.
set -euo pipefail
stack="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/stack.log"

fail() { echo "FAIL: $*"; [ -f "$log" ] && { echo "--- log ---"; cat "$log"; }; exit 1; }

# --help explains the binary and its flags, and exits 0.
help="$("$stack" --help)" || fail "--help exited $?"
grep -q -- '--port' <<<"$help" || fail "--help does not mention --port"
grep -q 'healthz' <<<"$help" || fail "--help does not say what is served"

# Bad flag values are refused with a message.
if "$stack" --port=70000 2>"$log.err"; then fail "--port=70000 was accepted"; fi
grep -q 'from 0 to 65535' "$log.err" || fail "no clear message for a bad port"

# It serves GET /healthz on loopback until SIGTERM, then exits 0.
"$stack" --port=0 >"$log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do  # bounded wait for the "listening" log line, up to 10 s
  port="$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the stack exited before listening"
  sleep 0.1
done
[ -n "$port" ] || fail "no 'listening' log line within 10 s"
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"

exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3
response="$(cat <&3)"
exec 3<&-
grep -q '^HTTP/1.1 200 OK' <<<"$response" || fail "GET /healthz: $response"
grep -q '"status":"ok"' <<<"$response" || fail "GET /healthz body: $response"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
grep -q '"msg":"stopped"' "$log" || fail "no 'stopped' log line"
echo "stack binary test passed"
