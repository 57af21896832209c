#!/bin/bash
# //native:stack as a user runs it: --help, clear errors for bad ports and ports in
# use, then the broker and five services started, an order placed through them and
# confirmed (and its customer notified), and a clean stop of everything on SIGTERM.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1" payment="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}"
log="$work/stack.log"

help="$("$stack" --help)" || fail "--help exited $?"
for flag in --order_port --broker_port --no_tui --data_dir --playground_origin --broker; do
  grep -q -- "$flag" <<<"$help" || fail "--help does not mention $flag"
done
if "$stack" --order_port=70000 2>"$log.err"; then fail "--order_port=70000 was accepted"; fi
grep -q 'from 0 (any free port) to 65535' "$log.err" || fail "no clear message for a bad port: $(cat "$log.err")"
if "$stack" --broker=rabbit 2>"$log.err"; then fail "--broker=rabbit was accepted"; fi
grep -q 'must be memory or an amqp:// URL' "$log.err" || fail "no clear message for a bad --broker: $(cat "$log.err")"
if "$stack" --playground_origin=127.0.0.1:8080 2>"$log.err"; then fail "an origin without a scheme was accepted"; fi
grep -q -- '--playground_origin: "127.0.0.1:8080" is not an origin' "$log.err" ||
  fail "no clear message for a bad origin: $(cat "$log.err")"

# A port in use is named, with the flag that changes it.
start_binary "$work/payment.log" "$payment" --port=0
taken="$BINARY_PORT"
all_free=(--broker_port=0 --inventory_port=0 --inventory_grpc_port=0 --order_port=0 --notification_port=0
  --analytics_port=0)
if "$stack" "${all_free[@]}" --payment_port="$taken" --data_dir="$work/unused" >"$log.err" 2>&1; then
  fail "a port in use was not noticed"
fi
grep -q "port $taken for payment is in use.*--payment_port=PORT" "$log.err" || fail "port in use: $(cat "$log.err")"
stop_binary

# The whole system. Not a terminal: log lines prefixed by service, no table.
start_stack "$log" "$stack" --data_dir="$work/data"
stack_pid=$STACK_PID
trap 'kill $stack_pid 2>/dev/null || true' EXIT
grep -q '^\[order\] {' "$log" || fail "no prefixed log lines from order"
order="$(stack_port order)"
response="$(http_request "$order" POST /api/orders \
  '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 99.99}' \
  'Content-Type: application/json')"
grep -q '^HTTP/1.1 201' <<<"$response" || fail "POST /api/orders through the stack: $response"
id="$(grep -o '"orderId":"[^"]*"' <<<"$response" | cut -d'"' -f4)"
for _ in $(seq 200); do
  grep -q "order-confirmed-$id" "$work/data/notification/notifications.jsonl" 2>/dev/null && break
  sleep 0.05
done
grep -q "order-confirmed-$id" "$work/data/notification/notifications.jsonl" ||
  fail "the customer was not notified of $id: $(http_request "$order" GET "/api/orders/$id")"

kill -TERM "$stack_pid"
status=0
wait "$stack_pid" || status=$?
trap - EXIT
[ "$status" -eq 0 ] || fail "the stack exited with $status after SIGTERM"
for service in analytics notification order payment inventory broker; do
  grep -q "^\[stack\] $service exited with 0" "$log" || fail "$service did not stop cleanly"
done
grep -q '^\[stack\] stopped' "$log" || fail "no 'stopped' line"
echo "stack binary test passed"
