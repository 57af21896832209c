# binary_test_lib.sh: what the tests of our binaries share. Source it from an sh_test
# that lists it in `data` (tests run from the runfiles root):
#   source tests/native/testing/binary_test_lib.sh
#   start_binary "$log" "$binary" --port=0        # sets BINARY_PID and BINARY_PORT
#   response="$(http_request "$BINARY_PORT" GET /healthz)"

# fail: prints the reason and the log (if $log is set), and ends the test.
fail() {
  echo "FAIL: $*"
  if [ -n "${log:-}" ] && [ -f "$log" ]; then
    echo "--- log ---"
    cat "$log"
  fi
  exit 1
}

# start_binary LOG BINARY ARGS...: starts the binary in the background with its output
# in LOG, and waits (up to 10 s) for the log line that names its "port".
start_binary() {
  local output="$1"
  shift
  "$@" >"$output" 2>&1 &
  BINARY_PID=$!
  BINARY_PORT=""
  for _ in $(seq 100); do
    BINARY_PORT="$(grep -o '"port":[0-9]*' "$output" | head -1 | cut -d: -f2 || true)"
    [ -n "$BINARY_PORT" ] && return 0
    kill -0 "$BINARY_PID" 2>/dev/null || fail "$1 exited before listening"
    sleep 0.1
  done
  fail "no log line with the port of $1 within 10 s"
}

# http_request PORT METHOD TARGET [BODY [HEADER...]]: one request on its own
# connection to 127.0.0.1:PORT; prints the whole response.
http_request() {
  local port="$1" method="$2" target="$3" body="${4:-}"
  shift 3
  [ $# -gt 0 ] && shift
  local headers=""
  for header in "$@"; do headers+="$header"$'\r\n'; done
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n%s' \
    "$method" "$target" "$headers" "${#body}" "$body" >&3
  cat <&3
  exec 3<&-
}

# stop_binary: SIGTERM, then the exit status must be 0.
stop_binary() {
  kill -TERM "$BINARY_PID"
  local status=0
  wait "$BINARY_PID" || status=$?
  [ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
}

# start_stack LOG STACK ARGS...: starts //native:stack (every port picked free unless
# ARGS say otherwise) with its output in LOG, so not on a terminal: its services' log
# lines, prefixed, instead of the table. Waits (up to 30 s) for its "ready" line. Sets
# STACK_PID; stack_port NAME then gives a service's port.
start_stack() {
  local output="$1" binary="$2"
  shift 2
  "$binary" --broker_port=0 --inventory_port=0 --inventory_grpc_port=0 --order_port=0 --payment_port=0 \
    --notification_port=0 --analytics_port=0 "$@" >"$output" 2>&1 &
  STACK_PID=$!
  STACK_LOG="$output"
  for _ in $(seq 300); do
    grep -q '^\[stack\] ready' "$output" && return 0
    kill -0 "$STACK_PID" 2>/dev/null || fail "the stack exited while starting"
    sleep 0.1
  done
  fail "the stack was not ready within 30 s"
}

stack_port() { grep -o "$1 http://127.0.0.1:[0-9]*" "$STACK_LOG" | head -1 | cut -d: -f3; }

# wait_for DESCRIPTION COMMAND...: until the command succeeds (20 s at most), else the
# test fails with the description.
wait_for() {
  local what="$1"
  shift
  for _ in $(seq 400); do
    "$@" && return 0
    sleep 0.05
  done
  fail "$what"
}

# ledgers_balance PAYMENT_PORT UNITS_TAKEN: every charge is captured or refunded, and one
# 19.99 payment is captured per unit of stock taken (as tools/load orders: one unit at
# 19.99 each), so no saga step was done twice or left half-done.
ledgers_balance() {
  local ledger captured charged refunded
  ledger="$(http_request "$1" GET /api/payments)"
  captured="$(grep -o '"capturedCents":[0-9]*' <<<"$ledger" | cut -d: -f2)"
  charged="$(grep -o '"chargedCents":[0-9]*' <<<"$ledger" | cut -d: -f2)"
  refunded="$(grep -o '"refundedCents":[0-9]*' <<<"$ledger" | cut -d: -f2)"
  [ $((charged)) -eq $((captured + refunded)) ] && [ $(($2 * 1999)) -eq $((captured)) ]
}
