#!/bin/bash
# The example system unchanged on RabbitMQ: //native:stack --broker=amqp://... (run by
# tests/testing/with_rabbitmq.sh, which gives SLUICE_AMQP_URL), every service and the
# broker process on it. Orders are confirmed and compensated and their customers
# notified, every event passing through RabbitMQ;
# what RabbitMQ cannot do (a FIFO queue) is refused through the SQS endpoint with
# UnsupportedOnThisBackend. Then the same with the saga choreographed.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack_bin="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
data="$work/data"
log="$work/stack.log"
[ -n "${SLUICE_AMQP_URL:-}" ] || fail "SLUICE_AMQP_URL is not set: run under tests/testing/with_rabbitmq.sh"

start_stack "$log" "$stack_bin" --data_dir="$data" --broker="$SLUICE_AMQP_URL"
stack_pid=$STACK_PID
trap 'kill $stack_pid 2>/dev/null || true' EXIT
grep -q '^\[broker\] .*"backend":"rabbitmq"' "$log" || fail "the broker is not on RabbitMQ: $(grep '^\[broker\]' "$log")"
# The services talk to RabbitMQ themselves, and no password reaches a log.
for service in notification analytics; do
  grep -q "^\[$service\] .*\"broker\":\"amqp://127.0.0.1:" "$log" || fail "$service does not say it is on RabbitMQ"
done
if grep -q 'guest:guest' "$log"; then fail "a password reached the logs"; fi
broker="$(stack_port broker)" order="$(stack_port order)"
notifications="$data/notification/notifications.jsonl"

place() { http_request "$order" POST /api/orders "$1" 'Content-Type: application/json'; }
order_id() { grep -o '"orderId":"[^"]*"' | cut -d'"' -f4; }
final() { http_request "$order" GET "/api/orders/$1" | grep -qE '"status":"(CONFIRMED|CANCELLED)"'; }

confirmed="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 20}' | order_id)"
[ -n "$confirmed" ] || fail "no order id"
wait_for "order $confirmed never finished" final "$confirmed"
http_request "$order" GET "/api/orders/$confirmed" | grep -q '"status":"CONFIRMED"' || fail "not confirmed"
wait_for "no order_confirmed notification (through RabbitMQ) for $confirmed" \
  grep -q "\"idempotencyKey\":\"order-confirmed-$confirmed\"" "$notifications"

declined="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5, "card": "4000000000000000"}' | order_id)"
wait_for "order $declined never finished" final "$declined"
http_request "$order" GET "/api/orders/$declined" | grep -q '"state":"COMPENSATED"' || fail "not compensated"
wait_for "no order_cancelled notification for $declined" \
  grep -q "\"idempotencyKey\":\"order-cancelled-$declined\"" "$notifications"

# A poison event through RabbitMQ: both consumers of order.* refuse it, it reaches their
# DLQs by the queues' delivery limit, and the valid events behind it keep flowing.
sqs() { http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"; }
dlq_holds_one() {
  sqs GetQueueAttributes "{\"QueueUrl\": \"http://127.0.0.1:$broker/000000000000/$1-dlq\", \"AttributeNames\": [\"All\"]}" |
    grep -q '"ApproximateNumberOfMessages":"1"'
}
http_request "$broker" POST /v1/exchanges/orders/publish '{"routing_key": "order.created", "body": "{\"eventType\": 5}"}' \
  'Content-Type: application/json' | grep -q '^HTTP/1.1 200' || fail "publishing the poison event"
for queue in analytics-events notification-events; do
  # Each process knows the queues it declared: declare the DLQ here too (the same
  # declaration, so RabbitMQ takes it as the same queue) to read its depth.
  sqs CreateQueue "{\"QueueName\": \"$queue-dlq\"}" | grep -q '^HTTP/1.1 200' || fail "declaring $queue-dlq"
  wait_for "the poison event did not reach $queue-dlq on RabbitMQ" dlq_holds_one "$queue"
done
after="$(place '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 20}' | order_id)"
wait_for "no notification for $after after the poison event" \
  grep -q "\"idempotencyKey\":\"order-confirmed-$after\"" "$notifications"
! grep -E '^\[stack\].*(exited|killed by signal)' "$log" || fail "a service died on the poison event"

response="$(http_request "$broker" POST / '{"QueueName": "ordered.fifo", "Attributes": {"FifoQueue": "true"}}' \
  'Content-Type: application/x-amz-json-1.0' 'X-Amz-Target: AmazonSQS.CreateQueue')"
grep -q 'UnsupportedOnThisBackend' <<<"$response" || fail "a FIFO queue on RabbitMQ was not refused: $response"
grep -q '^HTTP/1.1 400' <<<"$response" || fail "not a 400: $response"

# The choreographed saga too: payment and inventory react to events through RabbitMQ.
kill "$stack_pid"
wait "$stack_pid" 2>/dev/null || true
log="$work/choreography.log"
start_stack "$log" "$stack_bin" --data_dir="$work/choreography" --broker="$SLUICE_AMQP_URL" --saga=choreography
stack_pid=$STACK_PID
order="$(stack_port order)"
confirmed="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5}' | order_id)"
wait_for "choreographed order $confirmed never finished" final "$confirmed"
http_request "$order" GET "/api/orders/$confirmed" | grep -q '"status":"CONFIRMED"' || fail "choreographed: not confirmed"
declined="$(place '{"userId": "u", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 5, "card": "4000000000000000"}' | order_id)"
wait_for "choreographed order $declined never finished" final "$declined"
http_request "$order" GET "/api/orders/$declined" | grep -q '"status":"CANCELLED"' || fail "choreographed: not cancelled"
echo "PASS"
