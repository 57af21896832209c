#!/bin/bash
# //native:broker as a user runs it: --help, SQS calls over loopback, SIGTERM.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/broker.log"

help="$("$broker" --help)" || fail "--help exited $?"
grep -q -- '--port' <<<"$help" || fail "--help does not mention --port"
grep -q '9324' <<<"$help" || fail "--help does not give the usual port"

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
