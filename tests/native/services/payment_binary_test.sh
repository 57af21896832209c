#!/bin/bash
# //native/services:payment as a user runs it: --help, a charge, a decline, the ledger
# kept across a restart under --data_dir, SIGTERM.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
payment="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/payment.log"

help="$("$payment" --help)" || fail "--help exited $?"
grep -q -- '--data_dir' <<<"$help" || fail "--help does not mention --data_dir"
grep -q '3002' <<<"$help" || fail "--help does not give the default port"

start_binary "$log" "$payment" --port=0 --data_dir="$TEST_TMPDIR"
port="$BINARY_PORT"
charge() {  # charge KEY CARD
  http_request "$port" POST /api/payments/charge "{\"userId\": \"usr_456\", \"total\": 99.99, \"card\": \"$2\"}" \
    "Idempotency-Key: $1"
}
response="$(charge ord_1:charge_payment:action 4242424242424242)"
grep -q '"paymentId":"pay_ord_1_charge_payment"' <<<"$response" || fail "charge: $response"
response="$(charge ord_2:charge_payment:action 4000000000000000)"
grep -q '^HTTP/1.1 402' <<<"$response" || fail "a card ending in 0000 was not declined: $response"
stop_binary

start_binary "$log.2" "$payment" --port=0 --data_dir="$TEST_TMPDIR"
port="$BINARY_PORT"
log="$log.2"
response="$(charge ord_1:charge_payment:action 4242424242424242)"
grep -q '"outcome":"duplicate"' <<<"$response" || fail "the charge was not remembered across a restart: $response"
response="$(http_request "$port" GET /api/payments)"
grep -q '"chargedCents":9999,"payments":1' <<<"$response" || fail "ledger: $response"
stop_binary

# --broker names RabbitMQ: orchestrated, payment never uses the broker and does not
# connect; choreographed it must, and says why it cannot.
unreachable=amqp://guest:secret@127.0.0.1:1
start_binary "$log.amqp" "$payment" --port=0 --broker="$unreachable"
stop_binary
if "$payment" --port=0 --choreography --broker="$unreachable" 2>"$log.err"; then fail "an unreachable RabbitMQ was accepted"; fi
grep -q 'cannot connect to RabbitMQ at 127.0.0.1:1' "$log.err" || fail "no clear message: $(cat "$log.err")"
if grep -q secret "$log.err"; then fail "the password reached the error"; fi
if "$payment" --port=0 --broker=nowhere 2>"$log.err"; then fail "--broker=nowhere was accepted"; fi
grep -q 'host:port (a sluice broker) or an amqp:// URL' "$log.err" || fail "no clear message: $(cat "$log.err")"
echo "payment binary test passed"
