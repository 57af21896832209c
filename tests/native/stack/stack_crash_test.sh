#!/bin/bash
# kill -9 under load, and the stack's restarts: //tools/load places orders through
# //native:stack while payment, the order service (the saga orchestrator) or the
# durable broker is killed with SIGKILL, five times in turn, at points drawn from a seed.
# The stack starts each again on the same ports and data. Once the load has settled:
# every order is CONFIRMED or CANCELLED (none PENDING), the orders confirmed are the
# units of stock taken, and the ledgers balance (every charge captured or refunded, one
# capture per unit): no order lost, no saga step done twice or left half-done.
# SEEDS (default "1 2") chooses the runs; each prints its seed and its kills.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1" load="$2"
root="${TEST_TMPDIR:-$(mktemp -d)}"

run_seed() {
  local seed="$1"
  local work="$root/seed-$seed"
  local data="$work/data"
  log="$work/stack.log"
  mkdir -p "$work"
  RANDOM="$seed"
  start_stack "$log" "$stack" --data_dir="$data" --restart_delay=100ms --restart_max_delay=1s
  local stack_pid=$STACK_PID
  trap "kill -9 $stack_pid 2>/dev/null || true" EXIT
  local order payment inventory
  order="$(stack_port order)" payment="$(stack_port payment)" inventory="$(stack_port inventory)"
  child_pid() { grep -o '"pid":[0-9]*' "$data/run/$1.json" 2>/dev/null | cut -d: -f2; }
  bulk() { http_request "$inventory" GET /api/inventory/SKU-BULK | grep -o '"quantity":[0-9]*' | cut -d: -f2; }
  local initial
  initial="$(bulk)"

  "$load" --order=127.0.0.1:"$order" --rate=40 --duration=12s --decline_ratio=0.2 --settle=40s \
    >"$work/report" 2>"$work/progress" &
  local load_pid=$!

  # Five kills, of payment, order and the broker in turn from a seeded first one (so
  # each is killed at least once), each after another 20 to 120 saga steps (the
  # orchestrator's saga.state_changed lines); each waits for the stack to have started
  # its victim again (a new pid in its ports file).
  steps() { grep -c '"action":"saga.state_changed"' "$log" || true; }
  local victims=(payment order broker) kills="" first=$((RANDOM % 3))
  for kill in 0 1 2 3 4; do
    local victim="${victims[$(((first + kill) % 3))]}" target=$(($(steps) + 20 + RANDOM % 100))
    for _ in $(seq 200); do
      [ "$(steps)" -ge "$target" ] && break
      sleep 0.05
    done
    local old new
    old="$(child_pid "$victim")"
    kill -9 "$old"
    kills+=" $victim (at saga step $(steps))"
    back() { new="$(child_pid "$1")" && [ -n "$new" ] && [ "$new" != "$old" ]; }
    wait_for "seed $seed: $victim was not started again after kill -9" back "$victim"
  done
  echo "seed $seed: killed$kills"
  wait "$load_pid" || true
  cat "$work/report"

  # Every order ends, exactly once.
  settled() { http_request "$order" GET /api/orders | grep -q '"PENDING":0'; }
  for _ in $(seq 300); do
    settled && break
    sleep 0.1
  done
  local counts
  counts="$(http_request "$order" GET /api/orders)"
  grep -q '"PENDING":0' <<<"$counts" || fail "seed $seed: orders left pending: $counts"
  balanced() { ledgers_balance "$payment" $((initial - $(bulk))); }
  wait_for "seed $seed: stock taken $((initial - $(bulk))) vs $(http_request "$payment" GET /api/payments)" balanced
  local confirmed cancelled
  confirmed="$(grep -o '"CONFIRMED":[0-9]*' <<<"$counts" | cut -d: -f2)"
  cancelled="$(grep -o '"CANCELLED":[0-9]*' <<<"$counts" | cut -d: -f2)"
  [ "$confirmed" -eq $((initial - $(bulk))) ] ||
    fail "seed $seed: $confirmed confirmed, $((initial - $(bulk))) units taken"
  [ "$confirmed" -gt 0 ] || fail "seed $seed: no order was confirmed: $counts"
  local restarts
  restarts="$(grep -c '^\[stack\] restarted ' "$log")"
  [ "$restarts" -eq 5 ] || fail "seed $seed: $restarts restarts for 5 kills"
  echo "seed $seed: $confirmed confirmed, $cancelled cancelled, none pending, ledgers balanced, $restarts restarts"

  kill -INT "$stack_pid"
  local status=0
  wait "$stack_pid" || status=$?
  trap - EXIT
  [ "$status" -eq 0 ] || fail "seed $seed: the stack exited with $status after Ctrl-C"
}

for seed in ${SEEDS:-1 2}; do
  run_seed "$seed"
done
echo "stack crash test passed for seeds ${SEEDS:-1 2}"
