#!/bin/bash
# //tools/load against a running //native:stack: it sends at the asked rate, sets and
# clears a fault while it runs (latency that slows inventory without failing a saga,
# so the outcome does not depend on how fast this machine is), follows every saga to
# its end (some declined on purpose, so compensated), and reports.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack="$1" load="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}"
log="$work/stack.log"

"$load" --help | grep -q -- '--faults' || fail "--help does not mention --faults"
if "$load" --faults=nowhere:latency_ms=1@1s-2s 2>"$work/err"; then fail "an unknown service was accepted"; fi
grep -q 'no service "nowhere"' "$work/err" || fail "unclear error: $(cat "$work/err")"

start_stack "$log" "$stack" --data_dir="$work/data"
stack_pid=$STACK_PID
trap 'kill $stack_pid 2>/dev/null || true' EXIT

"$load" --order=127.0.0.1:$(stack_port order) --inventory=127.0.0.1:$(stack_port inventory) \
  --payment=127.0.0.1:$(stack_port payment) --rate=50 --duration=2s --decline_ratio=0.2 --settle=20s \
  --faults=inventory:latency_ms=50@500ms-1500ms >"$work/report" 2>"$work/progress" || fail "load failed: $(cat "$work/report" "$work/progress")"
cat "$work/report"
grep -q 'orders sent      100 in 2.0 s (50.0/s)' "$work/report" || fail "not 100 orders at 50/s"
grep -q 'answers          201 100$' "$work/report" || fail "not every order was taken"
sagas="$(grep '^sagas' "$work/report")"
completed="$(awk '{print $2}' <<<"$sagas")" compensated="$(awk '{print $4}' <<<"$sagas")"
[ "$completed" -gt 0 ] && [ "$compensated" -gt 0 ] || fail "expected some completed and some compensated: $sagas"
[ $((completed + compensated)) -eq 100 ] || fail "not every saga finished: $sagas"
grep -q 'inventory: latency_ms=50 set' "$work/progress" || fail "the fault was not set: $(cat "$work/progress")"
grep -q 'inventory: faults cleared' "$work/progress" || fail "the fault was not cleared: $(cat "$work/progress")"
grep -q '^\[#*\]  *2.0 s / 2 s  100 sent' "$work/progress" || fail "no full progress bar: $(cat "$work/progress")"

kill -TERM "$stack_pid"
wait "$stack_pid" || fail "the stack did not stop cleanly"
trap - EXIT
echo "load against stack test passed"
