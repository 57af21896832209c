#!/bin/bash
# Load shedding in the services (--adaptive_concurrency), with a limit pinned at one
# request at a time so that "over the limit" is certain: a request beyond it gets 503,
# Retry-After and a JSON error at once; health, metrics and saga steps are still
# served; /metrics shows the limit, what is in flight and what was refused. The order
# service refuses an order before it starts a saga: the refused order never exists,
# the accepted one finishes. A bad setting is an error naming the field.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
payment_bin="$1" stack_bin="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}"
one_at_a_time='{"min_limit": 1, "max_limit": 1, "initial_limit": 1}'

metric() {  # metric PORT NAME: the sample of NAME{name=...} from /metrics
  http_request "$1" GET /metrics | grep "^$2{" | awk '{print $2}'
}

# --- payment on its own
log="$work/payment.log"
"$payment_bin" --help | grep -q -- '--adaptive_concurrency' || fail "--help does not mention --adaptive_concurrency"
if "$payment_bin" --port=0 --adaptive_concurrency='{"max_limt": 5}' 2>"$work/err"; then
  fail "a misspelt field was accepted"
fi
grep -q 'adaptive_concurrency: unknown field "max_limt"' "$work/err" || fail "unclear error: $(cat "$work/err")"
if "$payment_bin" --port=0 --adaptive_concurrency=sometimes 2>"$work/err"; then fail "--adaptive_concurrency=sometimes"; fi
grep -q -- '--adaptive_concurrency must be on, off or a JSON object' "$work/err" || fail "unclear: $(cat "$work/err")"

start_binary "$log" "$payment_bin" --port=0 --enable_admin --adaptive_concurrency="$one_at_a_time"
port="$BINARY_PORT"
http_request "$port" POST /admin/faults '{"route": "/api/payments", "latency_ms": 1500}' | grep -q '^HTTP/1.1 200' ||
  fail "the fault was not set"
http_request "$port" GET /api/payments >"$work/slow" &
slow_pid=$!
in_flight_is() { [ "$(metric "$port" adaptive_concurrency_in_flight)" = "$1" ]; }
wait_for "the slow request did not take the one slot" in_flight_is 1

refused="$(http_request "$port" GET /api/payments)"
grep -q '^HTTP/1.1 503' <<<"$refused" || fail "over the limit, not 503: $refused"
grep -q $'^Retry-After: 1\r$' <<<"$refused" || fail "no Retry-After: $refused"
grep -q '"code":"Overloaded"' <<<"$refused" || fail "no JSON error: $refused"
http_request "$port" GET /healthz | grep -q '^HTTP/1.1 200' || fail "/healthz was shed"
http_request "$port" GET /readyz | grep -q '^HTTP/1.1 200' || fail "/readyz was shed"
charged="$(http_request "$port" POST /api/payments/charge '{"userId": "u", "total": 5, "card": "4242424242424242"}' \
  'Idempotency-Key: ord_9:charge_payment:action')"
grep -q '^HTTP/1.1 200' <<<"$charged" || fail "a saga step was shed: $charged"
[ "$(metric "$port" adaptive_concurrency_rejected_total)" = 1 ] || fail "rejected_total: $(http_request "$port" GET /metrics)"
[ "$(metric "$port" adaptive_concurrency_limit)" = 1 ] || fail "limit not in /metrics"
http_request "$port" GET /metrics | grep -q '^http_requests_total{.*route="/api/payments",status="503"' ||
  fail "the shed request is not in the RED metrics"

wait "$slow_pid"
grep -q '^HTTP/1.1 200' "$work/slow" || fail "the admitted request was not served: $(cat "$work/slow")"
wait_for "the slot was not freed" in_flight_is 0
http_request "$port" DELETE /admin/faults >/dev/null
http_request "$port" GET /api/payments | grep -q '^HTTP/1.1 200' || fail "under the limit again, not served"
stop_binary

start_binary "$log.off" "$payment_bin" --port=0 --adaptive_concurrency=off
if http_request "$BINARY_PORT" GET /metrics | grep -q '^adaptive_concurrency'; then fail "a limiter with =off"; fi
stop_binary

# --- the order service, in the stack: refused before its saga starts
log="$work/stack.log"
start_stack "$log" "$stack_bin" --data_dir="$work/data" --adaptive_concurrency="$one_at_a_time"
stack_pid=$STACK_PID
trap 'kill $stack_pid 2>/dev/null || true' EXIT
order="$(stack_port order)" inventory="$(stack_port inventory)"
place() {
  http_request "$order" POST /api/orders \
    '{"userId": "usr_1", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
    'Content-Type: application/json'
}
http_request "$order" POST /admin/faults '{"route": "/api/orders", "latency_ms": 1500}' | grep -q '^HTTP/1.1 200' ||
  fail "the fault on the order service was not set"
place >"$work/first" &
first_pid=$!
order_in_flight_is() { [ "$(metric "$order" adaptive_concurrency_in_flight)" = "$1" ]; }
wait_for "the first order did not take the one slot" order_in_flight_is 1
refused="$(place)"
grep -q '^HTTP/1.1 503' <<<"$refused" || fail "the second order was not refused: $refused"
grep -q $'^Retry-After: 1\r$' <<<"$refused" || fail "no Retry-After: $refused"
wait "$first_pid"
grep -q '^HTTP/1.1 201' "$work/first" || fail "the first order was not taken: $(cat "$work/first")"
first_id="$(grep -o '"orderId":"[^"]*"' "$work/first" | cut -d'"' -f4)"
confirmed() { http_request "$order" GET "/api/orders/$first_id" | grep -q '"status":"CONFIRMED"'; }
wait_for "the accepted order did not finish" confirmed
# One order exists: the refused one never did (no order, no saga, no stock taken).
orders="$(http_request "$order" GET /api/orders)"
grep -q '"CONFIRMED":1' <<<"$orders" || fail "orders: $orders"
if grep -Eq '"(PENDING|CANCELLED)":[1-9]' <<<"$orders"; then fail "orders: $orders"; fi
http_request "$inventory" GET /api/inventory/SKU-123 | grep -q '"quantity":41' ||
  fail "stock: $(http_request "$inventory" GET /api/inventory/SKU-123)"
kill -TERM "$stack_pid"
wait "$stack_pid" || fail "the stack did not stop cleanly"
trap - EXIT
echo "load shedding test passed"
