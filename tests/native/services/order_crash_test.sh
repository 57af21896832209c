#!/bin/bash
# kill -9 of the saga orchestrator under load: the order service is killed while
# //tools/load places orders, and restarted on the same --data_dir. Every saga it had
# started resumes and ends, and nothing is done twice or left half-done: the stock
# taken equals the payments captured (one unit per 19.99 order), and every payment
# charged is either captured or refunded.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker_bin="$1" inventory_bin="$2" payment_bin="$3" order_bin="$4" load_bin="$5"
work="${TEST_TMPDIR:-$(mktemp -d)}"
mkdir -p "$work/order"

start_binary "$work/broker.log" "$broker_bin" --port=0 --data_dir="$work/broker"
broker_pid=$BINARY_PID broker=$BINARY_PORT
start_binary "$work/inventory.log" "$inventory_bin" --port=0 --grpc_port=0 --data_dir="$work"
inventory_pid=$BINARY_PID inventory=$BINARY_PORT
inventory_grpc="$(grep -o '"grpc_port":[0-9]*' "$work/inventory.log" | cut -d: -f2)"
start_binary "$work/payment.log" "$payment_bin" --port=0 --data_dir="$work"
payment_pid=$BINARY_PID payment=$BINARY_PORT
order_args=(--inventory=127.0.0.1:$inventory --inventory_grpc=127.0.0.1:$inventory_grpc
  --payment=127.0.0.1:$payment --broker=127.0.0.1:$broker --data_dir="$work/order")
start_binary "$work/order.log" "$order_bin" --port=0 "${order_args[@]}"
order_pid=$BINARY_PID order=$BINARY_PORT
trap 'kill $broker_pid $inventory_pid $payment_pid $order_pid $load_pid 2>/dev/null || true' EXIT
log="$work/order.log"

bulk() { http_request "$inventory" GET /api/inventory/SKU-BULK | grep -o '"quantity":[0-9]*' | cut -d: -f2; }
initial="$(bulk)"

# Orders at 40/s for 4 s; the orchestrator dies after about 60 of them.
"$load_bin" --order=127.0.0.1:$order --rate=40 --duration=4s --decline_ratio=0.2 --settle=20s \
  >"$work/report" 2>"$work/progress" &
load_pid=$!
for _ in $(seq 200); do
  [ "$(grep -c '"action":"saga.state_changed"' "$log")" -ge 40 ] && break
  sleep 0.05
done
kill -9 "$order_pid"
wait "$order_pid" 2>/dev/null || true
echo "killed the order service after $(grep -c '"status":201' "$log") orders"

# Back on the same port and data: unfinished sagas resume from the log.
start_binary "$work/order2.log" "$order_bin" --port="$order" "${order_args[@]}"
order_pid=$BINARY_PID
log="$work/order2.log"
resumed="$(grep -o '"resumed_sagas":[0-9]*' "$log" | cut -d: -f2)"
echo "resumed $resumed sagas"
wait "$load_pid" || true
load_pid=""
cat "$work/report"

# Conservation, once every saga has ended: units taken = payments captured.
balanced() { ledgers_balance "$payment" $((initial - $(bulk))); }
for _ in $(seq 200); do
  balanced && break
  sleep 0.1
done
balanced || fail "stock taken $((initial - $(bulk))) does not match $(http_request "$payment" GET /api/payments)"
grep -q ' 0 unfinished' "$work/report" || fail "sagas the client knows of did not finish: $(cat "$work/report")"
# ... and no order is left PENDING, not even one stored just before the kill whose 201
# never left; every confirmed order took one unit.
settled() { http_request "$order" GET /api/orders | grep -q '"PENDING":0'; }
for _ in $(seq 100); do
  settled && break
  sleep 0.1
done
counts="$(http_request "$order" GET /api/orders)"
grep -q '"PENDING":0' <<<"$counts" || fail "orders left pending: $counts"
grep -q "\"CONFIRMED\":$((initial - $(bulk)))" <<<"$counts" || fail "confirmed orders do not match the stock taken: $counts"
completed="$(grep -o '[0-9]* completed' "$work/report" | cut -d' ' -f1)"
[ "$completed" -gt 0 ] || fail "no saga completed"
echo "balanced: $((initial - $(bulk))) units taken, as many payments captured"

for pid in $order_pid $payment_pid $inventory_pid $broker_pid; do
  BINARY_PID=$pid
  stop_binary
done
trap - EXIT
echo "order crash test passed"
