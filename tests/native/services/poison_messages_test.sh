#!/bin/bash
# Poison messages never take a consumer down. On the choreographed stack (every
# consumer the services have: analytics, notification and the order, payment and
# inventory reactions), a corpus of malformed events goes to every routing key the
# services bind, through the "orders" exchange, and straight into every queue. Then:
# every bad message the broker took is in its queue's DLQ (the others were refused at
# the door with a 4xx), the queues are drained, each refusal was counted in
# sluice_messages_rejected_total, every process is alive and was never restarted, and a
# valid order placed afterwards still reaches CONFIRMED.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
stack_bin="$1"
work="${TEST_TMPDIR:-$(mktemp -d)}"
log="$work/stack.log"

start_stack "$log" "$stack_bin" --data_dir="$work/data" --saga=choreography
stack_pid=$STACK_PID
trap 'kill $stack_pid 2>/dev/null || true' EXIT
broker="$(stack_port broker)" order="$(stack_port order)"

sqs() {  # sqs OPERATION BODY
  http_request "$broker" POST / "$2" 'Content-Type: application/x-amz-json-1.0' "X-Amz-Target: AmazonSQS.$1"
}
queue_url() { echo "http://127.0.0.1:$broker/000000000000/$1"; }
# depth QUEUE: visible plus in-flight messages.
depth() {
  local answer
  answer="$(sqs GetQueueAttributes "{\"QueueUrl\": \"$(queue_url "$1")\", \"AttributeNames\": [\"All\"]}")"
  local visible in_flight
  visible="$(grep -o '"ApproximateNumberOfMessages":"[0-9]*"' <<<"$answer" | grep -o '[0-9]*')"
  in_flight="$(grep -o '"ApproximateNumberOfMessagesNotVisible":"[0-9]*"' <<<"$answer" | grep -o '[0-9]*')"
  echo $((${visible:-0} + ${in_flight:-0}))
}

queues=(analytics-events notification-events order-reactions payment-reactions inventory-reactions)
routing_keys=(order.created order.confirmed order.cancelled payment.charged payment.failed payment.refunded
  stock.reserved stock.failed)
declared() { sqs GetQueueUrl "{\"QueueName\": \"$1-dlq\"}" | grep -q '^HTTP/1.1 200'; }
for queue in "${queues[@]}"; do wait_for "queue $queue-dlq was never declared" declared "$queue"; done

# The corpus, each body already escaped as a JSON string's contents.
deep="$(printf '[%.0s' $(seq 100000))"
mib="$(head -c 1048576 /dev/zero | tr '\0' x)"
corpus=(
  '{\"eventType\": 5}'
  '{\"eventType\": \"OrderCreated\", \"orderId\": null, \"idempotencyKey\": \"k-null\"}'
  '{\"orderId\": \"ord_missing\"}'
  '{\"eventType\": \"PaymentCharged\", \"orderId\": \"ord_x\", \"idempotencyKey\": \"k-items\", \"items\": [{\"productId\": \"SKU-123\", \"quantity\": \"lots\"}]}'
  '{\"eventType\": \"OrderCreated\", \"orderId\": \"ord_x\", \"idempotencyKey\": \"k-total\", \"total\": \"99\"}'
  'not json at all'
  '[1, 2, 3]'
  '12345678901234567890123456789012345678901234567890'
  '{\"eventType\": \"OrderCreated\", \"orderId\": \"ord_x\", \"idempotencyKey\": \"k-huge\", \"total\": 1e400}'
  '{\"eventType\": \"StockFailed\", \"eventType\": \"OrderCreated\", \"orderId\": \"ord_x\", \"idempotencyKey\": \"k-dup\"}'
  "$deep"
  "$mib"
  $'\xff\xfe{\\"eventType\\": \\"OrderCreated\\"}'
)

declare -A expected
for queue in "${queues[@]}"; do expected[$queue]=0; done
taken=0 refused=0
for body in "${corpus[@]}"; do
  for key in "${routing_keys[@]}"; do
    answer="$(http_request "$broker" POST /v1/exchanges/orders/publish "{\"routing_key\": \"$key\", \"body\": \"$body\"}" \
      'Content-Type: application/json')"
    if grep -q '^HTTP/1.1 200' <<<"$answer"; then
      taken=$((taken + 1))
      for queue in $(grep -o '"routed_to":\[[^]]*\]' <<<"$answer" | grep -o '"[a-z-]*"' | tr -d '"' | grep -v routed_to); do
        expected[$queue]=$((${expected[$queue]:-0} + 1))
      done
    else
      grep -q '^HTTP/1.1 4' <<<"$answer" || fail "publishing a bad body: neither taken nor refused with a 4xx: ${answer:0:300}"
      refused=$((refused + 1))
    fi
  done
  for queue in "${queues[@]}"; do
    answer="$(sqs SendMessage "{\"QueueUrl\": \"$(queue_url "$queue")\", \"MessageBody\": \"$body\"}")"
    if grep -q '^HTTP/1.1 200' <<<"$answer"; then
      expected[$queue]=$((${expected[$queue]} + 1))
      taken=$((taken + 1))
    else
      grep -q '^HTTP/1.1 4' <<<"$answer" || fail "SendMessage of a bad body: ${answer:0:300}"
      refused=$((refused + 1))
    fi
  done
done
echo "bad messages taken by the broker: $taken, refused at its door: $refused"
[ "$taken" -gt 0 ] && [ "$refused" -gt 0 ] || fail "the corpus should have both kinds"

for queue in "${queues[@]}"; do
  [ "${expected[$queue]}" -gt 0 ] || fail "no bad message reached $queue"
  holds() { [ "$(depth "$1")" = "$2" ]; }
  wait_for "$queue-dlq holds $(depth "$queue-dlq") bad messages, not ${expected[$queue]}" \
    holds "$queue-dlq" "${expected[$queue]}"
  [ "$(depth "$queue")" = 0 ] || fail "$queue still holds $(depth "$queue") messages"
done

# Each refusal logged once with its queue, message id and reason, and counted.
grep -q '"action":"consumer.rejected".*"reason":"invalid_field"' "$log" || fail "no consumer.rejected log line"
for service in analytics notification order payment inventory; do
  port="$(stack_port "$service")"
  metrics="$(http_request "$port" GET /metrics)"
  grep -q "^sluice_messages_rejected_total{queue=\"[a-z-]*\",reason=\"not_json\",service=\"$service\"} [1-9]" \
    <<<"$metrics" || fail "$service counted no rejected message: $(grep sluice_messages_rejected <<<"$metrics")"
  http_request "$port" GET /healthz | grep -q '^HTTP/1.1 200' || fail "$service does not answer after the corpus"
done
! grep -E '^\[stack\].*(exited|killed by signal|restart)' "$log" || fail "a service died or was restarted"

# The valid messages still flow: an order placed now is confirmed through the choreography.
response="$(http_request "$order" POST /api/orders \
  '{"userId": "usr_456", "items": [{"productId": "SKU-123", "quantity": 1}], "total": 19.99}' 'Content-Type: application/json')"
grep -q '^HTTP/1.1 201' <<<"$response" || fail "POST /api/orders after the corpus: $response"
id="$(grep -o '"orderId":"[^"]*"' <<<"$response" | cut -d'"' -f4)"
confirmed() { http_request "$order" GET "/api/orders/$1" | grep -q '"status":"CONFIRMED"'; }
wait_for "order $id was not confirmed after the poison corpus" confirmed "$id"
echo PASS
