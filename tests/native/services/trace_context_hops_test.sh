#!/bin/bash
# One order's trace context, tracestate included, across processes and protocols:
# 1. orchestrated: the order's gRPC stock check and the saga's HTTP calls to inventory
#    and payment carry the caller's trace and its (combined, validated) tracestate,
#    each call a span of its own; the order's events carry both as message
#    attributes. An invalid tracestate goes nowhere.
# 2. choreographed: payment and inventory consume the order's events and publish their
#    follow-ups in the same trace with the same tracestate.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker_bin="$1" inventory_bin="$2" payment_bin="$3" order_bin="$4"
work="${TEST_TMPDIR:-$(mktemp -d)}"

trace_id=4bf92f3577b34da6a3ce929d0e0e4736
traceparent="traceparent: 00-$trace_id-00f067aa0ba902b7-01"
state='rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'

start_binary "$work/broker.log" "$broker_bin" --port=0
broker_pid=$BINARY_PID broker=$BINARY_PORT
pids="$broker_pid"
trap 'kill $pids 2>/dev/null || true' EXIT

sqs() {  # sqs OPERATION BODY
  http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
# An SQS queue that hears every event on the orders exchange.
http_request "$broker" POST /v1/exchanges/orders '{"type": "topic"}' | grep -q '^HTTP/1.1 200' || fail "declare orders"
sqs CreateQueue '{"QueueName": "audit"}' | grep -q QueueUrl || fail "CreateQueue"
http_request "$broker" POST /v1/exchanges/orders/bindings '{"queue": "audit", "routing_key": "#"}' |
  grep -q '^HTTP/1.1 200' || fail "bind audit"
# read_audit TEXT: adds what the audit queue holds to audit.jsonl (one response a line);
# true once TEXT is there.
read_audit() {
  sqs ReceiveMessage "{\"QueueUrl\": \"http://127.0.0.1:$broker/000000000000/audit\",
    \"MaxNumberOfMessages\": 10, \"MessageAttributeNames\": [\"All\"]}" | tail -1 >>"$work/audit.jsonl"
  echo >>"$work/audit.jsonl"
  grep -q "$1" "$work/audit.jsonl"
}
# trace_of_event KEY: the traceparent and tracestate attributes of the audited event
# whose idempotency key is KEY, on one line.
trace_of_event() {
  /usr/bin/python3 - "$work/audit.jsonl" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for message in (json.loads(line).get('Messages', []) if line.strip() else []):
        if json.loads(message['Body']).get('idempotencyKey') == sys.argv[2]:
            attributes = message.get('MessageAttributes', {})
            print(*(attributes.get(name, {}).get('StringValue', '-') for name in ('traceparent', 'tracestate')))
            sys.exit(0)
print('no event', sys.argv[2])
PY
}
# expect_trace KEY: the audited event KEY is in the test's trace with its tracestate.
expect_trace() {
  local attributes
  attributes="$(trace_of_event "$1")"
  [[ "$attributes" == "00-$trace_id-"*" $state" ]] || fail "event $1 has trace attributes: $attributes"
}

# start_services [FLAG]: inventory, payment and order on the broker; FLAG is empty or
# "choreography".
start_services() {
  local mode=(${1:+--choreography}) saga="${1:-orchestration}"
  start_binary "$work/inventory-$saga.log" "$inventory_bin" --port=0 --grpc_port=0 --broker=127.0.0.1:$broker "${mode[@]}"
  inventory_pid=$BINARY_PID inventory=$BINARY_PORT
  inventory_grpc="$(grep -o '"grpc_port":[0-9]*' "$work/inventory-$saga.log" | cut -d: -f2)"
  start_binary "$work/payment-$saga.log" "$payment_bin" --port=0 --broker=127.0.0.1:$broker "${mode[@]}"
  payment_pid=$BINARY_PID payment=$BINARY_PORT
  start_binary "$work/order-$saga.log" "$order_bin" --port=0 --saga="$saga" --inventory=127.0.0.1:$inventory \
    --inventory_grpc=127.0.0.1:$inventory_grpc --payment=127.0.0.1:$payment --broker=127.0.0.1:$broker
  order_pid=$BINARY_PID order=$BINARY_PORT
  pids="$broker_pid $inventory_pid $payment_pid $order_pid"
  for port in $inventory $payment; do
    wait_for "a service on $port is not ready" eval "http_request $port GET /readyz | grep -q '^HTTP/1.1 200'"
  done
}
stop_services() {
  for pid in $order_pid $payment_pid $inventory_pid; do
    BINARY_PID=$pid
    stop_binary
  done
}

place() {  # place BODY HEADER...: the id of the order placed
  http_request "$order" POST /api/orders "$1" 'Content-Type: application/json' "${@:2}" |
    grep -o '"orderId":"[^"]*"' | cut -d'"' -f4
}
final() { http_request "$order" GET "/api/orders/$1" | grep -qE '"status":"(CONFIRMED|CANCELLED)"'; }
# span_with LOG NAME: the span lines of LOG named NAME in the test's trace.
span_with() { grep '"action":"span"' "$1" | grep "\"traceId\":\"$trace_id\"" | grep "\"name\":\"$2\"" || true; }

# 1. Orchestrated: two tracestate headers, combined and passed on.
start_services ""
log="$work/order-orchestration.log"
confirmed="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
  "$traceparent" 'tracestate: rojo=00f067aa0ba902b7' 'tracestate: congo=t61rcWkgMzE')"
[ -n "$confirmed" ] || fail "no order placed"
wait_for "order $confirmed never finished" final "$confirmed"
http_request "$order" GET "/api/orders/$confirmed" | grep -q '"status":"CONFIRMED"' || fail "$confirmed not confirmed"

log="$work/inventory-orchestration.log"
check_stock="$(span_with "$log" inventory.InventoryService/CheckStock)"
grep -q "\"traceState\":\"$state\"" <<<"$check_stock" || fail "gRPC CheckStock without the tracestate: $check_stock"
reserve="$(span_with "$log" "POST /api/inventory/reserve")"
grep -q "\"traceState\":\"$state\"" <<<"$reserve" || fail "the saga's reserve call without the tracestate: $reserve"
log="$work/payment-orchestration.log"
charge="$(span_with "$log" "POST /api/payments/charge")"
grep -q "\"traceState\":\"$state\"" <<<"$charge" || fail "the saga's charge call without the tracestate: $charge"
reserve_parent="$(grep -o '"parentSpanId":"[0-9a-f]*"' <<<"$reserve")"
charge_parent="$(grep -o '"parentSpanId":"[0-9a-f]*"' <<<"$charge")"
[ -n "$reserve_parent" ] && [ "$reserve_parent" != "$charge_parent" ] ||
  fail "the saga's calls are not spans of their own: $reserve_parent, $charge_parent"
log=""

wait_for "no OrderConfirmed on the audit queue" read_audit "order-confirmed-$confirmed"
expect_trace "order-created-$confirmed"
expect_trace "order-confirmed-$confirmed"

# An invalid tracestate is dropped, the trace kept.
dropped="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
  "$traceparent" 'tracestate: Rojo=1')"
wait_for "order $dropped never finished" final "$dropped"
charges="$(span_with "$work/payment-orchestration.log" "POST /api/payments/charge")"
[ "$(grep -c '"traceState"' <<<"$charges")" = 1 ] || fail "an invalid tracestate went on: $charges"
[ "$(wc -l <<<"$charges")" = 2 ] || fail "the second order's charge is not in the trace: $charges"
stop_services

# 2. Choreographed: the consumers' follow-ups continue the trace with its tracestate.
start_services choreography
chosen="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
  "$traceparent" "tracestate: $state")"
wait_for "order $chosen never finished" final "$chosen"
wait_for "no OrderConfirmed on the audit queue" read_audit "order-confirmed-$chosen"
for event in order-created payment-charged stock-reserved order-confirmed; do
  expect_trace "$event-$chosen"
done
stop_services
BINARY_PID=$broker_pid
stop_binary
trap - EXIT
echo "trace context hops test passed"
