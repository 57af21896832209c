#!/bin/bash
# The article's system across real processes on loopback: broker, inventory, payment,
# order, notification and analytics. A confirmed order takes stock and money, and its
# customer is notified; a declined card compensates (stock released, nothing charged)
# and the customer hears of the cancellation; an out-of-stock item is refused up
# front; copies of an event are notified and counted once; with inventory killed,
# orders are still answered through the gRPC breaker's fallback, the breaker shows
# OPEN in /metrics, and CLOSED again once inventory is back. One trace id runs through
# every service an order touched.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker_bin="$1" inventory_bin="$2" payment_bin="$3" order_bin="$4" notification_bin="$5" analytics_bin="$6"
work="${TEST_TMPDIR:-$(mktemp -d)}"

start_binary "$work/broker.log" "$broker_bin" --port=0
broker_pid=$BINARY_PID broker=$BINARY_PORT
start_binary "$work/inventory.log" "$inventory_bin" --port=0 --grpc_port=0
inventory_pid=$BINARY_PID inventory=$BINARY_PORT
inventory_grpc="$(grep -o '"grpc_port":[0-9]*' "$work/inventory.log" | cut -d: -f2)"
start_binary "$work/payment.log" "$payment_bin" --port=0
payment_pid=$BINARY_PID payment=$BINARY_PORT
start_binary "$work/order.log" "$order_bin" --port=0 --inventory=127.0.0.1:$inventory \
  --inventory_grpc=127.0.0.1:$inventory_grpc --payment=127.0.0.1:$payment --broker=127.0.0.1:$broker \
  --breaker_reset_ms=1000
order_pid=$BINARY_PID order=$BINARY_PORT
start_binary "$work/notification.log" "$notification_bin" --port=0 --broker=127.0.0.1:$broker \
  --outbox="$work/notifications.jsonl"
notification_pid=$BINARY_PID notification=$BINARY_PORT
start_binary "$work/analytics.log" "$analytics_bin" --port=0 --broker=127.0.0.1:$broker
analytics_pid=$BINARY_PID analytics=$BINARY_PORT
log="$work/order.log"
trap 'kill $broker_pid $inventory_pid $payment_pid $order_pid $notification_pid $analytics_pid 2>/dev/null || true' EXIT
# The consumers are ready once their queues are set up on the broker.
for port in $notification $analytics; do
  for _ in $(seq 100); do
    http_request "$port" GET /readyz | grep -q '^HTTP/1.1 200' && break
    sleep 0.05
  done
  http_request "$port" GET /readyz | grep -q '^HTTP/1.1 200' || fail "a consumer on port $port never became ready"
done

# An SQS queue that hears every order event, as notification and analytics will.
sqs() {  # sqs OPERATION BODY
  http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
http_request "$broker" POST /v1/exchanges/orders '{"type": "topic"}' | grep -q '^HTTP/1.1 200' || fail "declare exchange"
sqs CreateQueue '{"QueueName": "audit"}' | grep -q QueueUrl || fail "CreateQueue"
http_request "$broker" POST /v1/exchanges/orders/bindings '{"queue": "audit", "routing_key": "order.*"}' |
  grep -q '^HTTP/1.1 200' || fail "bind audit"
events() {  # every event body waiting in the audit queue, one per line
  local url="http://127.0.0.1:$broker/000000000000/audit"
  sqs ReceiveMessage "{\"QueueUrl\": \"$url\", \"MaxNumberOfMessages\": 10, \"MessageAttributeNames\": [\"All\"]}"
}

place() {  # place BODY [HEADER]: the response to POST /api/orders
  http_request "$order" POST /api/orders "$1" 'Content-Type: application/json' "${2:-X-None: 1}"
}
order_id() { grep -o '"orderId":"[^"]*"' | cut -d'"' -f4; }
wait_final() {  # wait_final ORDER_ID: prints the order once it is CONFIRMED or CANCELLED
  local response=""
  for _ in $(seq 200); do
    response="$(http_request "$order" GET "/api/orders/$1")"
    if grep -qE '"status":"(CONFIRMED|CANCELLED)"' <<<"$response"; then
      echo "$response"
      return 0
    fi
    sleep 0.05
  done
  fail "order $1 is still pending: $response"
}
stock() { http_request "$inventory" GET /api/inventory/SKU-123 | grep -o '"quantity":[0-9]*' | cut -d: -f2; }

# 1. Confirmed: stock taken, money taken, events published, one trace throughout.
trace_id=4bf92f3577b34da6a3ce929d0e0e4736
response="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 2}], "total": 99.99}' \
  "traceparent: 00-$trace_id-00f067aa0ba902b7-01")"
grep -q '^HTTP/1.1 201' <<<"$response" || fail "POST /api/orders: $response"
grep -q '"status":"PENDING"' <<<"$response" || fail "a new order is not PENDING: $response"
grep -q '"stockCheck":"inventory"' <<<"$response" || fail "inventory did not answer the stock check: $response"
confirmed="$(order_id <<<"$response")"
final="$(wait_final "$confirmed")"
grep -q '"status":"CONFIRMED"' <<<"$final" || fail "not confirmed: $final"
grep -q '"state":"COMPLETED"' <<<"$final" || fail "saga not completed: $final"
[ "$(stock)" = 40 ] || fail "stock is $(stock), not 40, after a confirmed order of 2"
ledger="$(http_request "$payment" GET /api/payments)"
grep -q '"chargedCents":9999' <<<"$ledger" || fail "payment ledger: $ledger"
for service in inventory payment order; do
  grep -q "\"traceId\":\"$trace_id\"" "$work/$service.log" || fail "the order's trace is not in the $service log"
done

# 2. Declined card: compensated, stock back, nothing charged, OrderCancelled.
response="$(place '{"userId": "usr_789", "items": [{"productId": "SKU-123", "quantity": 5}], "total": 10, "card": "4000000000000000"}')"
cancelled="$(order_id <<<"$response")"
final="$(wait_final "$cancelled")"
grep -q '"status":"CANCELLED"' <<<"$final" || fail "a declined card did not cancel: $final"
grep -q '"state":"COMPENSATED"' <<<"$final" || fail "saga not compensated: $final"
grep -q 'card_declined' <<<"$final" || fail "the reason does not name the decline: $final"
[ "$(stock)" = 40 ] || fail "stock is $(stock) after a compensated order, not 40"
ledger="$(http_request "$payment" GET /api/payments)"
grep -q '"chargedCents":9999,"payments":1' <<<"$ledger" || fail "a declined card was charged: $ledger"

# 3. Out of stock, by inventory's own answer: refused, nothing stored.
response="$(place '{"userId": "u", "items": [{"productId": "SKU-789", "quantity": 1}], "total": 5}')"
grep -q '^HTTP/1.1 409' <<<"$response" && grep -q 'out_of_stock' <<<"$response" || fail "out of stock: $response"

# Bad input is a clear 400.
response="$(place '{"userId": "u", "items": []}')"
grep -q '^HTTP/1.1 400' <<<"$response" || fail "empty items accepted: $response"
response="$(place '{oops')"
grep -q 'MalformedJson' <<<"$response" || fail "malformed JSON: $response"

# The events, in the order they happened, each with its idempotency key and trace.
all=""
for _ in $(seq 50); do
  all+="$(events)"
  [ "$(grep -o '"eventType[^,]*' <<<"$all" | wc -l)" -ge 4 ] && break
  sleep 0.05
done
grep -q "order-created-$confirmed" <<<"$all" || fail "no OrderCreated for $confirmed: $all"
grep -q "order-confirmed-$confirmed" <<<"$all" || fail "no OrderConfirmed for $confirmed: $all"
grep -q "order-cancelled-$cancelled" <<<"$all" || fail "no OrderCancelled for $cancelled: $all"
grep -q "$trace_id" <<<"$all" || fail "events do not carry the trace: $all"

# Notification and analytics heard both orders, once each, in the same trace.
wait_for() {  # wait_for DESCRIPTION COMMAND...: until the command succeeds (10 s at most)
  local what="$1"
  shift
  for _ in $(seq 200); do
    "$@" && return 0
    sleep 0.05
  done
  fail "$what"
}
wait_for "no order_confirmed notification for $confirmed" \
  grep -q "\"idempotencyKey\":\"order-confirmed-$confirmed\"" "$work/notifications.jsonl"
wait_for "no order_cancelled notification for $cancelled" \
  grep -q "\"idempotencyKey\":\"order-cancelled-$cancelled\"" "$work/notifications.jsonl"
grep -q "\"traceId\":\"$trace_id\"" "$work/notification.log" || fail "the order's trace is not in the notification log"
counted() { http_request "$analytics" GET /api/analytics | grep -q "\"OrderConfirmed\":1"; }
wait_for "analytics did not count the confirmation: $(http_request "$analytics" GET /api/analytics)" counted
grep -q "\"traceId\":\"$trace_id\"" "$work/analytics.log" || fail "the order's trace is not in the analytics log"
# A copy of the confirmation (as a redelivery would be) is neither sent nor counted again.
body="$(printf '{"eventType":"OrderConfirmed","orderId":"%s","userId":"usr_456","total":99.99,"idempotencyKey":"order-confirmed-%s"}' "$confirmed" "$confirmed")"
payload="$(printf '{"routing_key": "order.confirmed", "body": %s}' "$(printf '%s' "$body" | sed 's/"/\\"/g; s/^/"/; s/$/"/')")"
http_request "$broker" POST /v1/exchanges/orders/publish "$payload" | grep -q '^HTTP/1.1 200' || fail "publish a copy"
duplicate_seen() { http_request "$analytics" GET /api/analytics | grep -q '"duplicates":1'; }
wait_for "analytics did not see the copy as a duplicate" duplicate_seen
wait_for "notification did not see the copy" grep -q "notification.duplicate" "$work/notification.log"
[ "$(grep -c "order-confirmed-$confirmed" "$work/notifications.jsonl")" = 1 ] || fail "the copy was notified twice"

# 4. Inventory down: orders still answered through the fallback; the breaker opens.
kill -TERM "$inventory_pid"
wait "$inventory_pid" || true
for i in 1 2 3 4; do
  response="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5}')"
  grep -q '^HTTP/1.1 201' <<<"$response" || fail "order $i with inventory down: $response"
done
grep -q '"stockCheck":"fallback"' <<<"$response" || fail "no fallback with inventory down: $response"
final="$(wait_final "$(order_id <<<"$response")")"
grep -q '"status":"CANCELLED"' <<<"$final" || fail "an order that could not reserve stock: $final"
metrics="$(http_request "$order" GET /metrics)"
grep -q 'circuit_breaker_state{name="inventory-grpc",state="OPEN"} 1' <<<"$metrics" ||
  fail "the inventory breaker is not OPEN: $(grep circuit_breaker_state <<<"$metrics")"

# ... and closes again once inventory is back (after its 1 s reset, the probe passes).
start_binary "$work/inventory2.log" "$inventory_bin" --port="$inventory" --grpc_port="$inventory_grpc"
inventory_pid=$BINARY_PID
# After the breaker's 1 s reset, a probe goes through once gRPC has reconnected: try
# an order a few times, each after the reset (time itself is what is tested here).
for _ in 1 2 3 4 5; do
  sleep 1.1
  response="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5}')"
  grep -q '"stockCheck":"inventory"' <<<"$response" && break
done
grep -q '"stockCheck":"inventory"' <<<"$response" || fail "inventory back, but: $response"
metrics="$(http_request "$order" GET /metrics)"
grep -q 'circuit_breaker_state{name="inventory-grpc",state="CLOSED"} 1' <<<"$metrics" ||
  fail "the inventory breaker did not close: $(grep circuit_breaker_state <<<"$metrics")"

for pid in $notification_pid $analytics_pid $order_pid $payment_pid $inventory_pid $broker_pid; do
  BINARY_PID=$pid
  stop_binary
done
trap - EXIT
echo "example system test passed"
