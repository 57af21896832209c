#!/bin/bash
# The choreographed order flow across processes (order --saga=choreography, payment and
# inventory --choreography): no orchestrator; each service reacts to the previous
# one's event on the broker. Confirmed; declined (PaymentFailed); and stock short
# after the charge (StockFailed -> refund -> PaymentRefunded), each ending in the
# right order status with the money balanced.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker_bin="$1" inventory_bin="$2" payment_bin="$3" order_bin="$4"
work="${TEST_TMPDIR:-$(mktemp -d)}"

start_binary "$work/broker.log" "$broker_bin" --port=0
broker_pid=$BINARY_PID broker=$BINARY_PORT
start_binary "$work/inventory.log" "$inventory_bin" --port=0 --grpc_port=0 --choreography --broker=127.0.0.1:$broker
inventory_pid=$BINARY_PID inventory=$BINARY_PORT
inventory_grpc="$(grep -o '"grpc_port":[0-9]*' "$work/inventory.log" | cut -d: -f2)"
start_binary "$work/payment.log" "$payment_bin" --port=0 --choreography --broker=127.0.0.1:$broker
payment_pid=$BINARY_PID payment=$BINARY_PORT
start_binary "$work/order.log" "$order_bin" --port=0 --saga=choreography --inventory=127.0.0.1:$inventory \
  --inventory_grpc=127.0.0.1:$inventory_grpc --payment=127.0.0.1:$payment --broker=127.0.0.1:$broker
order_pid=$BINARY_PID order=$BINARY_PORT
log="$work/order.log"
trap 'kill $broker_pid $inventory_pid $payment_pid $order_pid 2>/dev/null || true' EXIT
for port in $inventory $payment; do
  for _ in $(seq 100); do
    http_request "$port" GET /readyz | grep -q '^HTTP/1.1 200' && break
    sleep 0.05
  done
done

place() { http_request "$order" POST /api/orders "$1" 'Content-Type: application/json'; }
order_id() { grep -o '"orderId":"[^"]*"' | cut -d'"' -f4; }
wait_final() {
  local response=""
  for _ in $(seq 200); do
    response="$(http_request "$order" GET "/api/orders/$1")"
    grep -qE '"status":"(CONFIRMED|CANCELLED)"' <<<"$response" && { echo "$response"; return 0; }
    sleep 0.05
  done
  fail "order $1 is still pending: $response"
}
quantity() { http_request "$inventory" GET "/api/inventory/$1" | grep -o '"quantity":[0-9]*' | cut -d: -f2; }

confirmed="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 2}], "total": 99.99}' | order_id)"
grep -q '"status":"CONFIRMED"' <<<"$(wait_final "$confirmed")" || fail "not confirmed"
[ "$(quantity SKU-123)" = 40 ] || fail "stock not taken"

declined="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5, "card": "4000000000000000"}' | order_id)"
final="$(wait_final "$declined")"
grep -q '"status":"CANCELLED"' <<<"$final" && grep -q 'PaymentFailed' <<<"$final" || fail "declined: $final"
[ "$(quantity SKU-123)" = 40 ] || fail "stock taken for a declined order"

# SKU-456 has 7: in stock for the check, short for the reservation after the charge.
short="$(place '{"userId": "u", "items": [{"productId": "SKU-456", "quantity": 10}], "total": 30}' | order_id)"
final="$(wait_final "$short")"
grep -q '"status":"CANCELLED"' <<<"$final" && grep -q 'PaymentRefunded' <<<"$final" || fail "stock short: $final"
ledger="$(http_request "$payment" GET /api/payments)"
grep -q '"capturedCents":9999,"chargedCents":12999,"payments":2,"refundedCents":3000' <<<"$ledger" ||
  fail "the ledger does not balance: $ledger"
[ "$(quantity SKU-456)" = 7 ] || fail "SKU-456 changed"

for pid in $order_pid $payment_pid $inventory_pid $broker_pid; do
  BINARY_PID=$pid
  stop_binary
done
trap - EXIT
echo "choreography test passed"
