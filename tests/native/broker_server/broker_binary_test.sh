#!/bin/bash
# //native:broker as a user runs it: --help, SQS calls over loopback, SIGTERM.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/broker.log"

help="$("$broker" --help)" || fail "--help exited $?"
grep -q -- '--port' <<<"$help" || fail "--help does not mention --port"
grep -q '9324' <<<"$help" || fail "--help does not give the usual port"
grep -q -- '--broker' <<<"$help" || fail "--help does not mention --broker"
# A backend it cannot use is named, with what it takes instead.
if "$broker" --port=0 --broker=kafka://127.0.0.1 2>"$log.err"; then fail "--broker=kafka:// was accepted"; fi
grep -q 'must be memory or an amqp:// URL' "$log.err" || fail "no clear message for a bad --broker: $(cat "$log.err")"
# RabbitMQ not there: said so, with the address.
if "$broker" --port=0 --broker=amqp://guest:guest@127.0.0.1:1 2>"$log.err"; then fail "an unreachable RabbitMQ was accepted"; fi
grep -q 'cannot connect to RabbitMQ at 127.0.0.1:1' "$log.err" || fail "no clear message: $(cat "$log.err")"

start_binary "$log" "$broker" --port=0
port="$BINARY_PORT"
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"

sqs() {  # sqs OPERATION BODY
  http_request "$port" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
response="$(sqs CreateQueue '{"QueueName": "orders"}')"
grep -q "\"QueueUrl\":\"http://127.0.0.1:$port/000000000000/orders\"" <<<"$response" || fail "CreateQueue: $response"
# A message in a queue arms timers; SIGTERM must still end the process.
response="$(sqs SendMessage "{\"QueueUrl\": \"http://127.0.0.1:$port/000000000000/orders\", \"MessageBody\": \"hi\"}")"
grep -q '"MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b"' <<<"$response" || fail "SendMessage: $response"
grep -q '"action":"http.request"' "$log" || fail "no JSON log line for the request"

stop_binary
echo "broker binary test passed"
