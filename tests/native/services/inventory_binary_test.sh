#!/bin/bash
# //native/services:inventory as a user runs it.
set -euo pipefail
inventory="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/inventory.log"

fail() { echo "FAIL: $*"; [ -f "$log" ] && { echo "--- log ---"; cat "$log"; }; exit 1; }

help="$("$inventory" --help)" || fail "--help exited $?"
grep -q -- '--grpc_port' <<<"$help" || fail "--help does not mention --grpc_port"
if "$inventory" --log_level=loud 2>"$log.err"; then fail "--log_level=loud was accepted"; fi
grep -q 'got "loud"' "$log.err" || fail "no clear message for a bad log level"

"$inventory" --port=0 --grpc_port=0 --data_dir="$TEST_TMPDIR" --enable_admin >"$log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do  # bounded wait for the "listening" log line, up to 10 s
  port="$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the service exited before listening"
  sleep 0.1
done
[ -n "$port" ] || fail "no 'listening' log line within 10 s"
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"
[ -f "$TEST_TMPDIR/inventory.db" ] || fail "no inventory.db under --data_dir"

request() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}
response="$(request /api/inventory/SKU-123)"
grep -q '"quantity":42' <<<"$response" || fail "GET /api/inventory/SKU-123: $response"
response="$(request /readyz)"
grep -q '^HTTP/1.1 200 OK' <<<"$response" || fail "GET /readyz: $response"
response="$(request /metrics)"
grep -q 'http_request_duration_seconds_bucket{method="GET",route="/api/inventory/:productId",status="200",target_service="inventory",le="0.01"}' <<<"$response" \
  || fail "no RED histogram in /metrics: $response"
grep -q '"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"' "$log" || fail "the request's trace is not in the log"

# With --enable_admin, a fault set on a route answers for it.
exec 3<>"/dev/tcp/127.0.0.1/$port"
body='{"route": "/api/stock/:productId", "error_rate": 1}'
printf 'POST /admin/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" >&3
cat <&3 >/dev/null
exec 3<&-
response="$(request /api/stock/SKU-123)"
grep -q '^HTTP/1.1 503' <<<"$response" || fail "the injected fault did not answer: $response"
grep -q 'InjectedFault' <<<"$response" || fail "no InjectedFault code: $response"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
grep -q '"action":"stopped"' "$log" || fail "no 'stopped' log line"
echo "inventory binary test passed"
