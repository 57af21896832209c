#!/bin/bash
# //native:broker --data_dir: kill -9 while a client sends, restart on the same
# directory, and every send that was answered 200 is there; FIFO deduplication and
# in-flight messages come back too.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
broker="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
data="$work/data"
log="$work/broker.log"
acked="$work/acked"
: >"$acked"

sqs() {  # sqs OPERATION BODY
  http_request "$port" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
url() { echo "http://127.0.0.1:$port/000000000000/$1"; }

start_binary "$log" "$broker" --port=0 --data_dir="$data"
port="$BINARY_PORT"
sqs CreateQueue '{"QueueName": "orders"}' | grep -q QueueUrl || fail "CreateQueue orders"
sqs CreateQueue '{"QueueName": "jobs.fifo", "Attributes": {"FifoQueue": "true"}}' | grep -q QueueUrl ||
  fail "CreateQueue jobs.fifo"
first_fifo="$(sqs SendMessage "{\"QueueUrl\": \"$(url jobs.fifo)\", \"MessageBody\": \"job\", \
  \"MessageGroupId\": \"g\", \"MessageDeduplicationId\": \"job-1\"}" | grep -o '"MessageId":"[^"]*"')" ||
  fail "FIFO SendMessage"
sqs SendMessage "{\"QueueUrl\": \"$(url orders)\", \"MessageBody\": \"in-flight\"}" | grep -q MessageId ||
  fail "SendMessage in-flight"
sqs ReceiveMessage "{\"QueueUrl\": \"$(url orders)\"}" | grep -q '"Body":"in-flight"' || fail "ReceiveMessage"

# A client sending one message after another, noting each one answered with an id.
(
  for i in $(seq 1 2000); do
    response="$(sqs SendMessage "{\"QueueUrl\": \"$(url orders)\", \"MessageBody\": \"m$i\"}" 2>/dev/null)" || exit 0
    grep -q '"MessageId"' <<<"$response" || exit 0
    echo "m$i" >>"$acked"
  done
) &
writer=$!
# Kill the broker in the middle of the stream, once it has acknowledged 100 sends.
while [ "$(wc -l <"$acked")" -lt 100 ]; do
  kill -0 "$writer" 2>/dev/null || fail "the writer stopped after $(wc -l <"$acked") sends"
  sleep 0.05
done
kill -9 "$BINARY_PID"
wait "$BINARY_PID" 2>/dev/null || true
wait "$writer" || true
echo "killed after $(wc -l <"$acked") acknowledged sends"

start_binary "$log.2" "$broker" --port=0 --data_dir="$data"
port="$BINARY_PORT"
log="$log.2"
grep -q '"action":"restored"' "$log" || fail "no restored line"

# Everything visible, in-flight message included, batch by batch.
received="$work/received"
: >"$received"
while :; do
  batch="$(sqs ReceiveMessage "{\"QueueUrl\": \"$(url orders)\", \"MaxNumberOfMessages\": 10, \
    \"MessageSystemAttributeNames\": [\"ApproximateReceiveCount\"]}")"
  grep -o '"Body":"[^"]*"' <<<"$batch" | cut -d'"' -f4 >>"$received" || break
  if grep -q '"Body":"in-flight"' <<<"$batch"; then
    grep -q '"ApproximateReceiveCount":"2"' <<<"$batch" || fail "the in-flight message lost its receive count: $batch"
  fi
done
grep -qx 'in-flight' "$received" || fail "the message in flight at the kill did not come back"
missing="$(sort "$acked" | comm -23 - <(sort "$received"))"
[ -z "$missing" ] || fail "acknowledged sends lost at the kill: $(echo $missing | head -c 300)"
duplicates="$(sort "$received" | uniq -d)"
[ -z "$duplicates" ] || fail "messages stored twice: $duplicates"

# The FIFO deduplication window survived: the same id answers with the first message.
again="$(sqs SendMessage "{\"QueueUrl\": \"$(url jobs.fifo)\", \"MessageBody\": \"job\", \
  \"MessageGroupId\": \"g\", \"MessageDeduplicationId\": \"job-1\"}" | grep -o '"MessageId":"[^"]*"')"
[ "$again" = "$first_fifo" ] || fail "deduplication forgotten: $again after $first_fifo"

stop_binary
echo "broker durability test passed: $(wc -l <"$acked") acknowledged sends, all restored"
