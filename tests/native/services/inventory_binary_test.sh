#!/bin/bash
# //native/services:inventory as a user runs it.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
inventory="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/inventory.log"

help="$("$inventory" --help)" || fail "--help exited $?"
grep -q -- '--grpc_port' <<<"$help" || fail "--help does not mention --grpc_port"
if "$inventory" --log_level=loud 2>"$log.err"; then fail "--log_level=loud was accepted"; fi
grep -q 'got "loud"' "$log.err" || fail "no clear message for a bad log level"

start_binary "$log" "$inventory" --port=0 --grpc_port=0 --data_dir="$TEST_TMPDIR" --enable_admin
port="$BINARY_PORT"
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"
[ -f "$TEST_TMPDIR/inventory.db" ] || fail "no inventory.db under --data_dir"

trace='traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
response="$(http_request "$port" GET /api/inventory/SKU-123 "" "$trace")"
grep -q '"quantity":42' <<<"$response" || fail "GET /api/inventory/SKU-123: $response"
response="$(http_request "$port" GET /readyz)"
grep -q '^HTTP/1.1 200 OK' <<<"$response" || fail "GET /readyz: $response"
response="$(http_request "$port" GET /metrics)"
grep -q 'http_request_duration_seconds_bucket{method="GET",route="/api/inventory/:productId",status="200",target_service="inventory",le="0.01"}' <<<"$response" \
  || fail "no RED histogram in /metrics: $response"
grep -q '"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"' "$log" || fail "the request's trace is not in the log"

# With --enable_admin, a fault set on a route answers for it.
http_request "$port" POST /admin/faults '{"route": "/api/stock/:productId", "error_rate": 1}' >/dev/null
response="$(http_request "$port" GET /api/stock/SKU-123)"
grep -q '^HTTP/1.1 503' <<<"$response" || fail "the injected fault did not answer: $response"
grep -q 'InjectedFault' <<<"$response" || fail "no InjectedFault code: $response"

stop_binary
grep -q '"action":"stopped"' "$log" || fail "no 'stopped' log line"
echo "inventory binary test passed"
