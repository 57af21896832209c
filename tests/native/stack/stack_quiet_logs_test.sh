#!/bin/bash
# //native:stack learns its services' ports from their ports files, not their logs: with
# --log_level=warn and with --log_level=off (no "listening" line at all), and every port
# flag 0, it starts, an order placed through it is confirmed, and Ctrl-C stops it with 0.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"

for level in warn off; do
  log="$work/$level.log"
  start_stack "$log" "$stack" --data_dir="$work/$level" --log_level="$level"
  stack_pid=$STACK_PID
  trap 'kill -9 $stack_pid 2>/dev/null || true' EXIT
  ! grep -q '"action":"listening"' "$log" || fail "--log_level=$level still logged info lines"
  order="$(stack_port order)"
  [ -n "$order" ] && [ "$order" != 0 ] || fail "--log_level=$level: no order port in the ready line"
  response="$(http_request "$order" POST /api/orders \
    '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
    'Content-Type: application/json')"
  grep -q '^HTTP/1.1 201' <<<"$response" || fail "--log_level=$level: POST /api/orders: $response"
  id="$(grep -o '"orderId":"[^"]*"' <<<"$response" | cut -d'"' -f4)"
  confirmed() { http_request "$order" GET "/api/orders/$id" | grep -q '"status":"CONFIRMED"'; }
  wait_for "--log_level=$level: order $id was not confirmed" confirmed
  if [ "$level" = off ]; then
    ! grep -v '^\[stack\]' "$log" | grep -q . || fail "--log_level=off: the services still logged"
  fi
  kill -INT "$stack_pid"
  status=0
  wait "$stack_pid" || status=$?
  trap - EXIT
  [ "$status" -eq 0 ] || fail "--log_level=$level: the stack exited with $status after Ctrl-C"
  echo "--log_level=$level: started, served and stopped"
done
echo "stack quiet logs test passed"
