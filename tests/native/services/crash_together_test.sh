#!/bin/bash
# kill -9 of the durable broker (--data_dir) and of the saga orchestrator (the order
# service, SQLite saga log) under load, at points drawn from a seed, in three orders:
# the broker first, the orchestrator first, both at once. Each is restarted on the same
# port and data. After every run: no order is left PENDING; stock and money are
# conserved (units taken = payments captured, charged = captured + refunded: no saga
# step done twice or left half-done); and every finished order's final event reached
# an audit queue bound to the broker's exchange (what the outbox had acknowledged was
# not lost). SEEDS (default "1 2 3") chooses the runs; a failure names its seed.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker_bin="$1" inventory_bin="$2" payment_bin="$3" order_bin="$4" load_bin="$5"
root="${TEST_TMPDIR:-$(mktemp -d)}"
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true' EXIT

wait_until() {  # wait_until TENTHS COMMAND...: until the command succeeds
  local tenths="$1"
  shift
  for _ in $(seq "$tenths"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

run_seed() {
  local seed="$1"
  local work="$root/seed-$seed"
  mkdir -p "$work"
  RANDOM="$seed"
  local mode=$((seed % 3)) first_kill=$((15 + RANDOM % 40)) gap=$((RANDOM % 30))
  local what=("the broker, then the orchestrator" "the orchestrator, then the broker" "both at once")
  echo "seed $seed: kill ${what[$mode]}, after $first_kill sagas changed state (then $gap more)"

  start_binary "$work/broker.log" "$broker_bin" --port=0 --data_dir="$work/broker"
  local broker_pid=$BINARY_PID broker=$BINARY_PORT
  start_binary "$work/inventory.log" "$inventory_bin" --port=0 --grpc_port=0 --data_dir="$work"
  local inventory_pid=$BINARY_PID inventory=$BINARY_PORT
  local inventory_grpc
  inventory_grpc="$(grep -o '"grpc_port":[0-9]*' "$work/inventory.log" | cut -d: -f2)"
  start_binary "$work/payment.log" "$payment_bin" --port=0 --data_dir="$work"
  local payment_pid=$BINARY_PID payment=$BINARY_PORT
  local order_args=(--inventory=127.0.0.1:$inventory --inventory_grpc=127.0.0.1:$inventory_grpc
    --payment=127.0.0.1:$payment --broker=127.0.0.1:$broker --data_dir="$work/order")
  mkdir -p "$work/order"
  start_binary "$work/order.log" "$order_bin" --port=0 "${order_args[@]}"
  local order_pid=$BINARY_PID order=$BINARY_PORT
  pids+=("$broker_pid" "$inventory_pid" "$payment_pid" "$order_pid")

  # The audit queue hears every order event, durably.
  sqs() { http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"; }
  sqs CreateQueue '{"QueueName": "audit"}' | grep -q QueueUrl || fail "seed $seed: CreateQueue audit"
  # Declared as the order service declares it (on its first publish), then bound.
  http_request "$broker" POST /v1/exchanges/orders '{"type": "topic"}' | grep -q '^HTTP/1.1 200' ||
    fail "seed $seed: declare the exchange"
  http_request "$broker" POST /v1/exchanges/orders/bindings '{"queue": "audit", "routing_key": "order.*"}' |
    grep -q '^HTTP/1.1 200' || fail "seed $seed: bind audit"

  bulk() { http_request "$inventory" GET /api/inventory/SKU-BULK | grep -o '"quantity":[0-9]*' | cut -d: -f2; }
  local initial
  initial="$(bulk)"
  "$load_bin" --order=127.0.0.1:$order --rate=40 --duration=4s --decline_ratio=0.2 --settle=30s \
    >"$work/report" 2>"$work/progress" &
  local load_pid=$!
  pids+=("$load_pid")

  sagas_moved() { [ "$(cat "$work"/order*.log | grep -c '"action":"saga.state_changed"')" -ge "$1" ]; }
  kill_broker() {
    kill -9 "$broker_pid"
    wait "$broker_pid" 2>/dev/null || true
    start_binary "$work/broker2.log" "$broker_bin" --port="$broker" --data_dir="$work/broker"
    broker_pid=$BINARY_PID
    pids+=("$broker_pid")
  }
  kill_order() {
    kill -9 "$order_pid"
    wait "$order_pid" 2>/dev/null || true
    start_binary "$work/order-1.log" "$order_bin" --port="$order" "${order_args[@]}"
    order_pid=$BINARY_PID
    pids+=("$order_pid")
  }
  wait_until 100 sagas_moved "$first_kill" || fail "seed $seed: the load did not start"
  case "$mode" in
    0) kill_broker; wait_until 100 sagas_moved $((first_kill + gap)) || true; kill_order ;;
    1) kill_order; wait_until 100 sagas_moved $((first_kill + gap)) || true; kill_broker ;;
    2) kill -9 "$broker_pid" "$order_pid"; wait "$broker_pid" "$order_pid" 2>/dev/null || true
       start_binary "$work/broker2.log" "$broker_bin" --port="$broker" --data_dir="$work/broker"
       broker_pid=$BINARY_PID
       start_binary "$work/order-1.log" "$order_bin" --port="$order" "${order_args[@]}"
       order_pid=$BINARY_PID
       pids+=("$broker_pid" "$order_pid") ;;
  esac
  wait "$load_pid" || true

  # Every saga ends, exactly once: no order pending, stock and money balanced.
  settled() { http_request "$order" GET /api/orders | grep -q '"PENDING":0'; }
  wait_until 300 settled || fail "seed $seed: orders left pending: $(http_request "$order" GET /api/orders)"
  balanced() { ledgers_balance "$payment" $((initial - $(bulk))); }
  wait_until 100 balanced ||
    fail "seed $seed: stock taken $((initial - $(bulk))) vs $(http_request "$payment" GET /api/payments)"
  local counts confirmed cancelled
  counts="$(http_request "$order" GET /api/orders)"
  confirmed="$(grep -o '"CONFIRMED":[0-9]*' <<<"$counts" | cut -d: -f2)"
  cancelled="$(grep -o '"CANCELLED":[0-9]*' <<<"$counts" | cut -d: -f2)"
  [ "$confirmed" -eq $((initial - $(bulk))) ] || fail "seed $seed: $confirmed confirmed, $((initial - $(bulk))) units taken"

  # Every finished order's final event is in the audit queue (at least once).
  local keys="$work/keys"
  : >"$keys"
  audit_complete() {
    local answer
    answer="$(sqs ReceiveMessage "{\"QueueUrl\": \"http://127.0.0.1:$broker/000000000000/audit\", \"MaxNumberOfMessages\": 10}")"
    grep -o 'order-\(confirmed\|cancelled\)-[A-Za-z0-9_-]*' <<<"$answer" >>"$keys" || true
    for handle in $(grep -o '"ReceiptHandle":"[^"]*"' <<<"$answer" | cut -d'"' -f4); do
      sqs DeleteMessage "{\"QueueUrl\": \"http://127.0.0.1:$broker/000000000000/audit\", \"ReceiptHandle\": \"$handle\"}" >/dev/null
    done
    [ "$(sort -u "$keys" | wc -l)" -ge $((confirmed + cancelled)) ]
  }
  wait_until 600 audit_complete ||
    fail "seed $seed: $(sort -u "$keys" | wc -l) final events reached the audit queue for $((confirmed + cancelled)) finished orders"
  echo "seed $seed: $confirmed confirmed, $cancelled cancelled after the kills; every final event delivered; balanced"
  kill "$order_pid" "$payment_pid" "$inventory_pid" "$broker_pid" 2>/dev/null || true
  wait "$order_pid" "$payment_pid" "$inventory_pid" "$broker_pid" 2>/dev/null || true
}

for seed in ${SEEDS:-1 2 3}; do
  run_seed "$seed"
done
echo "crash together test passed for seeds ${SEEDS:-1 2 3}"
