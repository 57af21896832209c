#!/bin/bash
# tools/bazel run -c opt //tools/bench/overload [-- --overload_rate=3000 --overload_seconds=20]
# Overload benchmark of the durable stack (//native:stack --data_dir, SQLite with
# fsync): first finds the knee without load shedding (the highest offered rate whose
# orders are all accepted with POST p99 within --p99_ms and all sagas finished), then
# offers --overload_rate orders/s for --overload_seconds to a fresh stack with
# adaptive concurrency on, and reports accepted and refused latency, accepted orders/s
# against the knee, and the sagas after settling. Run by hand (not in bazel test).
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
overload_rate=3000 overload_seconds=20 p99_ms=250 knee_seconds=10 connections=512
knee_rates="25 50 75 100 150 200 250 300 400 500 600 800"
limiter="on"
for arg in "$@"; do
  case "$arg" in
    --help | -h) usage; echo "Flags: --overload_rate --overload_seconds --p99_ms --knee_seconds --knee_rates='25 50 ...'"
      echo "       --knee=N (skip the search) --connections --adaptive_concurrency=on|JSON"; exit 0 ;;
    --overload_rate=*) overload_rate="${arg#*=}" ;;
    --overload_seconds=*) overload_seconds="${arg#*=}" ;;
    --p99_ms=*) p99_ms="${arg#*=}" ;;
    --knee_seconds=*) knee_seconds="${arg#*=}" ;;
    --knee_rates=*) knee_rates="${arg#*=}" ;;
    --knee=*) knee="${arg#*=}" ;;
    --connections=*) connections="${arg#*=}" ;;
    --adaptive_concurrency=*) limiter="${arg#*=}" ;;
    *) echo "overload: unknown flag $arg (see --help)" >&2; exit 2 ;;
  esac
done
export RUNFILES_DIR="${RUNFILES_DIR:-$0.runfiles}"  # where the stack finds its services
runfiles="$RUNFILES_DIR/sluice"
stack_bin="$runfiles/native/stack/stack"
load_bin="$runfiles/tools/load/load"
work="$(mktemp -d /var/tmp/sluice-overload-XXXXXX)"
stack_pid=""
trap '[ -n "$stack_pid" ] && kill "$stack_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
say() { echo "[overload] $*" >&2; }

# start_stack NAME MODE: a fresh durable stack on free ports; sets stack_pid and ports.
start_stack() {
  local log="$work/$1.log"
  "$stack_bin" --broker_port=0 --inventory_port=0 --inventory_grpc_port=0 --order_port=0 --payment_port=0 \
    --notification_port=0 --analytics_port=0 --data_dir="$work/$1" --adaptive_concurrency="$2" >"$log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 600); do
    grep -q '^\[stack\] ready' "$log" && break
    kill -0 "$stack_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^\[stack\] ready' "$log" || { echo "the stack was not ready in 60 s" >&2; exit 1; }
  port() { grep -o "$1 http://127.0.0.1:[0-9]*" "$log" | head -1 | cut -d: -f3; }
  order="$(port order)" inventory="$(port inventory)" payment="$(port payment)"
}
stop_stack() {
  kill -TERM "$stack_pid"
  wait "$stack_pid" || true
  stack_pid=""
}
# offer RATE SECONDS: the load generator's JSON report.
offer() {
  "$load_bin" --order="127.0.0.1:$order" --inventory="127.0.0.1:$inventory" --payment="127.0.0.1:$payment" \
    --rate="$1" --duration="${2}s" --connections="$connections" --settle=120s --json 2>>"$work/load.progress"
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }

# 1. The knee, without load shedding.
if [ -z "${knee:-}" ]; then
  say "finding the knee without load shedding (each rate for ${knee_seconds} s; all accepted, p99 <= ${p99_ms} ms)"
  knee=0
  for rate in $knee_rates; do
    start_stack "knee-$rate" off
    report="$(offer "$rate" "$knee_seconds")"
    stop_stack
    sent="$(field 'd["sent"]' <<<"$report")" accepted="$(field 'd["accepted"]["count"]' <<<"$report")"
    p99="$(field 'd["accepted"]["p99_ms"]' <<<"$report")"
    unfinished="$(field 'd["sagas"]["unfinished"] + d["sagas"]["failed"]' <<<"$report")"
    say "  $rate/s: $accepted of $sent accepted, p99 $p99 ms, $unfinished sagas failed or unfinished"
    if [ "$accepted" != "$sent" ] || [ "$unfinished" != 0 ] || python3 -c "import sys; sys.exit(0 if $p99 > $p99_ms else 1)"; then
      break
    fi
    knee="$rate"
  done
  [ "$knee" != 0 ] || { say "not even the lowest rate was served fully: no knee"; exit 1; }
fi
say "knee: $knee orders/s"

# 2. Overload, with adaptive concurrency.
say "offering $overload_rate orders/s for $overload_seconds s with --adaptive_concurrency=$limiter"
start_stack overload "$limiter"
report="$(offer "$overload_rate" "$overload_seconds")"
metrics="$(exec 3<>"/dev/tcp/127.0.0.1/$order"; printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3; cat <&3)"
stop_stack
echo "$report" >"$work/overload.json"
python3 - "$work/overload.json" "$knee" "$p99_ms" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
knee, p99_target = float(sys.argv[2]), float(sys.argv[3])
accepted_rate = d["accepted"]["count"] / d["seconds"]
sagas = d["sagas"]
rows = [
    ("accepted POST p99", f'{d["accepted"]["p99_ms"]:.1f} ms', f"<= {p99_target:.0f} ms", d["accepted"]["p99_ms"] <= p99_target),
    ("refused POST p99", f'{d["refused"]["p99_ms"]:.1f} ms', "<= 10 ms", d["refused"]["p99_ms"] <= 10),
    ("accepted orders/s vs the knee", f"{accepted_rate:.1f}/s = {100 * accepted_rate / knee:.0f}% of {knee:.0f}/s",
     ">= 90%", accepted_rate >= 0.9 * knee),
    ("sagas failed or unfinished after settling", f'{sagas["failed"]} + {sagas["unfinished"]}', "0",
     sagas["failed"] + sagas["unfinished"] == 0),
]
print(f'offered {d["offered_rate"]:.0f} orders/s for {d["seconds"]:.0f} s: {d["sent"]} sent, '
      f'{d["accepted"]["count"]} accepted (p50 {d["accepted"]["p50_ms"]:.1f} ms, max {d["accepted"]["max_ms"]:.1f} ms), '
      f'{d["refused"]["count"]} refused (p50 {d["refused"]["p50_ms"]:.1f} ms, max {d["refused"]["max_ms"]:.1f} ms), '
      f'{d["other"]["count"]} other, {d["unanswered"]} unanswered; sagas: {sagas["completed"]} completed, '
      f'{sagas["compensated"]} compensated')
print("| measure | measured | target | met |")
print("|---|---|---|---|")
for name, value, target, met in rows:
    print(f"| {name} | {value} | {target} | {'yes' if met else 'NO'} |")
print(json.dumps({"knee": knee, "overload": d}))
PY
grep '^adaptive_concurrency_\(limit\|rejected_total\|min_rtt\)' <<<"$metrics" | sed 's/^/[overload] order service at the end: /' >&2 || true
