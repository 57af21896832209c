#!/bin/bash
# //native:stack supervises its services. A service killed with SIGKILL comes back on
# the same ports with the same data (payment's ledger, inventory's stock and both of
# inventory's ports) and serves; a crash loop backs off (delays 100ms, 200ms, 400ms,
# then 800ms, the cap, said once) and every restart waits at least its delay; a clean
# exit is not restarted under --restart=on-failure; Ctrl-C while a restart is pending
# drops it and still exits 0. With --restart=never a crash stays down and the stop
# exits 1. Bad restart flags are refused with the flag named.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
log="$work/stack.log"

for bad in --restart=sometimes --restart_delay=0s --restart_max_delay=10 \
  "--restart_delay=2s --restart_max_delay=1s"; do
  # shellcheck disable=SC2086  # the last case is two flags
  if "$stack" $bad --data_dir="$work/unused" 2>"$log.err"; then fail "$bad was accepted"; fi
  grep -q -- '--restart' "$log.err" || fail "$bad: the error does not name the flag: $(cat "$log.err")"
done
grep -q 'on-failure, always or never, got "sometimes"' <<<"$("$stack" --restart=sometimes 2>&1 || true)" ||
  fail "no clear message for --restart=sometimes"

data="$work/data"
start_stack "$log" "$stack" --data_dir="$data" --restart_delay=100ms --restart_max_delay=800ms \
  --restart_reset_after=5s
stack_pid=$STACK_PID
trap 'kill -9 $stack_pid 2>/dev/null || true' EXIT
order="$(stack_port order)" payment="$(stack_port payment)" inventory="$(stack_port inventory)"

# child_pid NAME: the pid in the service's ports file (the stack's control channel).
child_pid() { grep -o '"pid":[0-9]*' "$data/run/$1.json" 2>/dev/null | cut -d: -f2; }
child_port() { grep -o "\"$2\":[0-9]*" "$data/run/$1.json" | cut -d: -f2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# kill_and_wait NAME: SIGKILL the service, then wait for the stack to start it again
# and for it to be ready; sets DOWN_MS, how long it was gone.
kill_and_wait() {
  local old new started
  old="$(child_pid "$1")"
  [ -n "$old" ] || fail "no pid for $1"
  started="$(now_ms)"
  kill -9 "$old"
  back() { new="$(child_pid "$1")" && [ -n "$new" ] && [ "$new" != "$old" ]; }
  wait_for "$1 was not started again after kill -9 $old" back "$1"
  DOWN_MS=$(($(now_ms) - started))
}
place_order() {
  local response
  response="$(http_request "$order" POST /api/orders \
    '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' \
    'Content-Type: application/json')"
  grep -q '^HTTP/1.1 201' <<<"$response" || fail "POST /api/orders: $response"
  grep -o '"orderId":"[^"]*"' <<<"$response" | cut -d'"' -f4
}
confirmed() { http_request "$order" GET "/api/orders/$1" | grep -q '"status":"CONFIRMED"'; }
captured() { http_request "$payment" GET /api/payments | grep -o '"capturedCents":[0-9]*' | cut -d: -f2; }
stock() { http_request "$inventory" GET /api/inventory/SKU-123 | grep -o '"quantity":[0-9]*' | cut -d: -f2; }

first="$(place_order)"
wait_for "order $first was not confirmed" confirmed "$first"
[ "$(captured)" -eq 1999 ] || fail "one payment should be captured: $(http_request "$payment" GET /api/payments)"
stock_before="$(stock)"
grpc_before="$(child_port inventory grpc_port)"

# Payment and inventory come back on their ports, with their data.
kill_and_wait payment
grep -q '^\[stack\] payment killed by SIGKILL; restarting in 100ms (1 in a row)' "$log" ||
  fail "the restart of payment was not logged"
[ "$(child_port payment port)" = "$payment" ] || fail "payment came back on another port: $(cat "$data/run/payment.json")"
ready() { http_request "$1" GET /readyz | grep -q '^HTTP/1.1 200'; }
wait_for "payment did not answer /readyz after its restart" ready "$payment"
[ "$(captured)" -eq 1999 ] || fail "payment lost its ledger: $(http_request "$payment" GET /api/payments)"
kill_and_wait inventory
[ "$(child_port inventory port)" = "$inventory" ] && [ "$(child_port inventory grpc_port)" = "$grpc_before" ] ||
  fail "inventory came back on other ports: $(cat "$data/run/inventory.json"), was $inventory and $grpc_before"
wait_for "inventory did not answer /readyz after its restart" ready "$inventory"
[ "$(stock)" = "$stock_before" ] || fail "inventory lost its stock: $(stock), was $stock_before"
wait_for "no line saying payment is ready again" grep -q '^\[stack\] payment is ready again (restart 1)' "$log"

# ... and the system still serves through them (the order service's breakers may
# need a moment to close again).
second="$(place_order)"
wait_for "order $second was not confirmed after the restarts" confirmed "$second"
[ "$(captured)" -eq 3998 ] || fail "the second payment was not captured: $(http_request "$payment" GET /api/payments)"

# A crash loop: analytics dies as soon as it is back. The delays double to the cap,
# and each restart waits at least its delay.
expected_delays=(100 200 400 800 800)
for i in "${!expected_delays[@]}"; do
  kill_and_wait analytics
  [ "$DOWN_MS" -ge "${expected_delays[$i]}" ] ||
    fail "analytics restart $((i + 1)) came after $DOWN_MS ms, before its ${expected_delays[$i]} ms delay"
done
delays="$(grep -o '^\[stack\] analytics killed by SIGKILL; restarting in [0-9a-z]*' "$log" | awk '{print $NF}' | tr '\n' ' ')"
[ "$delays" = "100ms 200ms 400ms 800ms 800ms " ] || fail "the delays did not back off to the cap: $delays"
[ "$(grep -c '^\[stack\] analytics is crash-looping: 4 exits in a row; restarting every 800ms until it stays up 5s' "$log")" -eq 1 ] ||
  fail "the crash loop was not reported once"
grep -q '^\[stack\] restarted analytics (restart 5, pid' "$log" || fail "no restart count in the log"

# A clean exit (SIGTERM) is not restarted under on-failure.
notification_pid="$(child_pid notification)"
kill -TERM "$notification_pid"
wait_for "the clean exit of notification was not reported" \
  grep -q '^\[stack\] notification exited with 0; not restarted (clean_exit)' "$log"

# Ctrl-C while analytics waits 800 ms for its next restart: no restart, a clean stop.
kill -9 "$(child_pid analytics)"
wait_for "the last crash of analytics was not noticed" grep -q 'analytics killed by SIGKILL; restarting in 800ms (6 in a row)' "$log"
kill -INT "$stack_pid"
status=0
wait "$stack_pid" || status=$?
trap - EXIT
[ "$status" -eq 0 ] || fail "the stack exited with $status after Ctrl-C"
! grep -q '^\[stack\] restarted analytics (restart 6' "$log" || fail "analytics was restarted during the shutdown"
for service in order payment inventory broker; do
  grep -q "^\[stack\] $service exited with 0$" "$log" || fail "$service did not stop cleanly"
done
grep -q '^\[stack\] stopped' "$log" || fail "no 'stopped' line"

# --restart=never: a crash stays down, the rest keeps serving, and the stop reports it.
log="$work/never.log"
data="$work/never"
start_stack "$log" "$stack" --data_dir="$data" --restart=never
stack_pid=$STACK_PID
trap 'kill -9 $stack_pid 2>/dev/null || true' EXIT
order="$(stack_port order)"
kill -9 "$(child_pid analytics)"
wait_for "the crash was not reported" grep -q '^\[stack\] analytics killed by SIGKILL; not restarted (never)' "$log"
third="$(place_order)"
wait_for "order $third was not confirmed without analytics" confirmed "$third"
! grep -q '^\[stack\] restarted' "$log" || fail "a service was restarted under --restart=never"
kill -TERM "$stack_pid"
status=0
wait "$stack_pid" || status=$?
trap - EXIT
[ "$status" -eq 1 ] || fail "the stack exited with $status, not 1, with analytics down after a crash"
echo "stack restart test passed"
