#!/bin/bash
# //native:broker as a user runs it: --help, an SQS call over loopback, SIGTERM.
set -euo pipefail
broker="$1"
log="${TEST_TMPDIR:-$(mktemp -d)}/broker.log"
fail() { echo "FAIL: $*"; [ -f "$log" ] && { echo "--- log ---"; cat "$log"; }; exit 1; }

help="$("$broker" --help)" || fail "--help exited $?"
grep -q -- '--port' <<<"$help" || fail "--help does not mention --port"
grep -q '9324' <<<"$help" || fail "--help does not give the usual port"

"$broker" --port=0 >"$log" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
  port="$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the broker exited before listening"
  sleep 0.1
done
[ -n "$port" ] || fail "no 'listening' log line within 10 s"
grep -q '"address":"127.0.0.1"' "$log" || fail "not bound to 127.0.0.1 by default"

body='{"QueueName": "orders"}'
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.CreateQueue\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" >&3
response="$(cat <&3)"
exec 3<&-
grep -q "\"QueueUrl\":\"http://127.0.0.1:$port/000000000000/orders\"" <<<"$response" || fail "CreateQueue: $response"
# A message in a queue arms timers; SIGTERM must still end the process.
body="{\"QueueUrl\": \"http://127.0.0.1:$port/000000000000/orders\", \"MessageBody\": \"hi\"}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.SendMessage\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" >&3
response="$(cat <&3)"
exec 3<&-
grep -q '"MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b"' <<<"$response" || fail "SendMessage: $response"
grep -q '"action":"http.request"' "$log" || fail "no JSON log line for the request"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 0 ] || fail "exit status $status after SIGTERM"
echo "broker binary test passed"
