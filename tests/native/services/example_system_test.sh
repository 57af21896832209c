#!/bin/bash
# The example system as a user runs it: //native:stack (no TUI), with the broker and
# the five services. A confirmed order takes stock and money and its customer is
# notified; a declined card compensates (stock released, nothing charged) and the
# customer hears of the cancellation; an out-of-stock item is refused up front;
# copies of an event are notified and counted once; with inventory killed, orders are
# still answered through the gRPC breaker's fallback, the breaker shows OPEN in
# /metrics, and CLOSED again once inventory is back. One trace id runs through the
# logs of every service an order touched.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack_bin="$1" inventory_bin="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}"
data="$work/data"
log="$work/stack.log"

start_stack "$log" "$stack_bin" --data_dir="$data" --breaker_reset_ms=1000
stack_pid=$STACK_PID
inventory_pid=""
trap 'kill $stack_pid $inventory_pid 2>/dev/null || true' EXIT
broker="$(stack_port broker)" inventory="$(stack_port inventory)" payment="$(stack_port payment)"
order="$(stack_port order)" analytics="$(stack_port analytics)"
inventory_grpc="$(grep '^\[inventory\].*"action":"listening"' "$log" | grep -o '"grpc_port":[0-9]*' | cut -d: -f2)"
notifications="$data/notification/notifications.jsonl"

# An SQS queue that hears every order event too.
sqs() {  # sqs OPERATION BODY
  http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
sqs CreateQueue '{"QueueName": "audit"}' | grep -q QueueUrl || fail "CreateQueue"
http_request "$broker" POST /v1/exchanges/orders/bindings '{"queue": "audit", "routing_key": "order.*"}' |
  grep -q '^HTTP/1.1 200' || fail "bind audit"
events() {
  sqs ReceiveMessage "{\"QueueUrl\": \"http://127.0.0.1:$broker/000000000000/audit\", \"MaxNumberOfMessages\": 10}"
}

place() {  # place BODY [HEADER]: the response to POST /api/orders
  http_request "$order" POST /api/orders "$1" 'Content-Type: application/json' "${2:-X-None: 1}"
}
order_id() { grep -o '"orderId":"[^"]*"' | cut -d'"' -f4; }
final() { http_request "$order" GET "/api/orders/$1" | grep -qE '"status":"(CONFIRMED|CANCELLED)"'; }
stock() { http_request "$inventory" GET /api/inventory/SKU-123 | grep -o '"quantity":[0-9]*' | cut -d: -f2; }

# 1. Confirmed: stock taken, money taken, the customer notified, one trace throughout.
trace_id=4bf92f3577b34da6a3ce929d0e0e4736
response="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 2}], "total": 99.99}' \
  "traceparent: 00-$trace_id-00f067aa0ba902b7-01")"
grep -q '^HTTP/1.1 201' <<<"$response" || fail "POST /api/orders: $response"
grep -q '"status":"PENDING"' <<<"$response" || fail "a new order is not PENDING: $response"
grep -q '"stockCheck":"inventory"' <<<"$response" || fail "inventory did not answer the stock check: $response"
confirmed="$(order_id <<<"$response")"
wait_for "order $confirmed never finished" final "$confirmed"
answer="$(http_request "$order" GET "/api/orders/$confirmed")"
grep -q '"status":"CONFIRMED"' <<<"$answer" && grep -q '"state":"COMPLETED"' <<<"$answer" || fail "not confirmed: $answer"
[ "$(stock)" = 40 ] || fail "stock is $(stock), not 40, after a confirmed order of 2"
http_request "$payment" GET /api/payments | grep -q '"chargedCents":9999' || fail "not charged"
response="$(http_request "$order" GET /api/stock/SKU-123)"
grep -q '{"in_stock":true,"productId":"SKU-123","quantity":40,"source":"inventory"}' <<<"$response" ||
  fail "checkStock through order: $response"
wait_for "no order_confirmed notification for $confirmed" \
  grep -q "\"idempotencyKey\":\"order-confirmed-$confirmed\"" "$notifications"

# 2. Declined card: compensated, stock back, nothing charged, the customer told.
response="$(place '{"userId": "usr_789", "items": [{"productId": "SKU-123", "quantity": 5}], "total": 10, "card": "4000000000000000"}')"
cancelled="$(order_id <<<"$response")"
wait_for "order $cancelled never finished" final "$cancelled"
answer="$(http_request "$order" GET "/api/orders/$cancelled")"
grep -q '"status":"CANCELLED"' <<<"$answer" && grep -q '"state":"COMPENSATED"' <<<"$answer" &&
  grep -q 'card_declined' <<<"$answer" || fail "a declined card: $answer"
[ "$(stock)" = 40 ] || fail "stock is $(stock) after a compensated order, not 40"
http_request "$payment" GET /api/payments | grep -q '"chargedCents":9999,"payments":1' || fail "a declined card was charged"
wait_for "no order_cancelled notification for $cancelled" \
  grep -q "\"idempotencyKey\":\"order-cancelled-$cancelled\"" "$notifications"

# 3. Out of stock by inventory's own answer, and bad input: refused, nothing stored.
response="$(place '{"userId": "u", "items": [{"productId": "SKU-789", "quantity": 1}], "total": 5}')"
grep -q '^HTTP/1.1 409' <<<"$response" && grep -q 'out_of_stock' <<<"$response" || fail "out of stock: $response"
place '{"userId": "u", "items": []}' | grep -q '^HTTP/1.1 400' || fail "empty items accepted"
place '{oops' | grep -q 'MalformedJson' || fail "malformed JSON accepted"

# Analytics counted, the audit queue heard everything, and the first order's trace is
# in the log of every service it touched.
counted() { http_request "$analytics" GET /api/analytics | grep -q '"OrderConfirmed":1'; }
wait_for "analytics did not count the confirmation" counted
all=""
for _ in $(seq 50); do
  all+="$(events)"
  [ "$(grep -o 'eventType' <<<"$all" | wc -l)" -ge 4 ] && break
  sleep 0.05
done
for key in "order-created-$confirmed" "order-confirmed-$confirmed" "order-cancelled-$cancelled"; do
  grep -q "$key" <<<"$all" || fail "no $key on the exchange: $all"
done
for service in order inventory payment notification analytics; do
  grep -q "^\[$service\] .*\"traceId\":\"$trace_id\"" "$log" || fail "the order's trace is not in the $service log"
done

# 4. A copy of an event (as a redelivery would be) is neither sent nor counted again.
body="$(printf '{"eventType":"OrderConfirmed","orderId":"%s","userId":"usr_456","total":99.99,"idempotencyKey":"order-confirmed-%s"}' "$confirmed" "$confirmed")"
payload="$(printf '{"routing_key": "order.confirmed", "body": "%s"}' "${body//\"/\\\"}")"
http_request "$broker" POST /v1/exchanges/orders/publish "$payload" | grep -q '^HTTP/1.1 200' || fail "publish a copy"
duplicate_seen() { http_request "$analytics" GET /api/analytics | grep -q '"duplicates":1'; }
wait_for "analytics did not see the copy as a duplicate" duplicate_seen
wait_for "notification did not see the copy" grep -q '^\[notification\] .*notification.duplicate' "$log"
[ "$(grep -c "order-confirmed-$confirmed" "$notifications")" = 1 ] || fail "the copy was notified twice"

# 5. Inventory down: orders still answered through the fallback; the breaker opens.
pkill -TERM -f "$data/inventory" || fail "no inventory process to stop"
wait_for "inventory did not stop" grep -q '^\[stack\] inventory exited' "$log"
for i in 1 2 3 4; do
  response="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5}')"
  grep -q '^HTTP/1.1 201' <<<"$response" || fail "order $i with inventory down: $response"
done
grep -q '"stockCheck":"fallback"' <<<"$response" || fail "no fallback with inventory down: $response"
down="$(order_id <<<"$response")"
response="$(http_request "$order" GET /api/stock/SKU-123)"
grep -q '{"in_stock":true,"productId":"SKU-123","quantity":null,"source":"fallback"}' <<<"$response" ||
  fail "not the article's fallback: $response"
wait_for "order $down never finished" final "$down"
http_request "$order" GET "/api/orders/$down" | grep -q '"status":"CANCELLED"' || fail "it could not reserve, yet"
breaker() { http_request "$order" GET /metrics | grep -q "circuit_breaker_state{name=\"inventory-grpc\",state=\"$1\"} 1"; }
breaker OPEN || fail "the inventory breaker is not OPEN"

# ... and CLOSED again once inventory is back (on the same ports and data).
"$inventory_bin" --port="$inventory" --grpc_port="$inventory_grpc" --data_dir="$data/inventory" \
  >"$work/inventory2.log" 2>&1 &
inventory_pid=$!
closed_after_an_order() {
  sleep 1.1  # past the breaker's 1 s reset: time itself is what is tested here
  place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5}' |
    grep -q '"stockCheck":"inventory"' && breaker CLOSED
}
for _ in 1 2 3 4 5; do closed_after_an_order && break; done
breaker CLOSED || fail "the inventory breaker did not close"

kill -TERM "$inventory_pid"
wait "$inventory_pid" || fail "the restarted inventory did not stop cleanly"
kill -TERM "$stack_pid"
wait "$stack_pid" || true  # inventory was killed under it: not a clean run
trap - EXIT
grep -q '^\[stack\] stopped' "$log" || fail "the stack did not stop"
echo "example system test passed"
