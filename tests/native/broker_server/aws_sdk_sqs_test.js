// A real SQS client, the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs from npm),
// against //native:broker with only the endpoint and fake credentials changed, and
// the SDK's MD5 checks left on (they are on unless md5: false; a body digest that
// differs throws InvalidChecksumError): create a FIFO queue, send with a group and a
// deduplication id, long-poll receive, delete; and an SDK-typed error.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const assert = require('node:assert');
const { test } = require('node:test');

const [broker, sdkPackageJson] = process.argv.slice(2);
const sqs = require(path.dirname(path.resolve(sdkPackageJson)));

function startBroker() {
  return new Promise((resolve, reject) => {
    const child = spawn(path.resolve(broker), ['--port=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const onData = (chunk) => {
      log += chunk;
      const match = log.match(/"port":(\d+)/);
      if (match) resolve({ child, port: Number(match[1]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`broker exited (${code}) before listening:\n${log}`)));
  });
}

test('the AWS SDK talks to the broker unchanged', async () => {
  const { child, port } = await startBroker();
  try {
    const client = new sqs.SQSClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const created = await client.send(new sqs.CreateQueueCommand({
      QueueName: 'orders.fifo',
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '30' },
    }));
    assert.strictEqual(created.QueueUrl, `http://127.0.0.1:${port}/000000000000/orders.fifo`);

    const sent = await client.send(new sqs.SendMessageCommand({
      QueueUrl: created.QueueUrl,
      MessageBody: JSON.stringify({ orderId: 'o-1', total: 99.5 }),
      MessageGroupId: 'user-1',
      MessageDeduplicationId: 'o-1',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'OrderCreated' },
        attempt: { DataType: 'Number', StringValue: '1' },
      },
    }));
    assert.ok(sent.MessageId);
    assert.ok(sent.SequenceNumber);

    const received = await client.send(new sqs.ReceiveMessageCommand({
      QueueUrl: created.QueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 2,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }));
    assert.strictEqual(received.Messages.length, 1);
    const [message] = received.Messages;
    assert.deepStrictEqual(JSON.parse(message.Body), { orderId: 'o-1', total: 99.5 });
    assert.strictEqual(message.MessageAttributes.eventType.StringValue, 'OrderCreated');
    assert.strictEqual(message.Attributes.MessageGroupId, 'user-1');

    await client.send(new sqs.DeleteMessageCommand({ QueueUrl: created.QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    const attributes = await client.send(new sqs.GetQueueAttributesCommand({
      QueueUrl: created.QueueUrl, AttributeNames: ['All'],
    }));
    assert.strictEqual(attributes.Attributes.ApproximateNumberOfMessages, '0');
    assert.strictEqual(attributes.Attributes.ApproximateNumberOfMessagesNotVisible, '0');

    await assert.rejects(
      client.send(new sqs.GetQueueUrlCommand({ QueueName: 'no-such-queue' })),
      (error) => error.name === 'QueueDoesNotExist' && error.$metadata.httpStatusCode === 400);
  } finally {
    child.kill('SIGTERM');
  }
});
