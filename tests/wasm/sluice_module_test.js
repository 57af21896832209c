// The //wasm:sluice module loads in Node and its core/time facade behaves.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

const [moduleJs, moduleWasm] = process.argv.slice(2);

let sluicePromise;
function sluice() {
  sluicePromise ??= loadWasmModule(moduleJs, moduleWasm);
  return sluicePromise;
}

test('the module file pair is what a browser would be served', () => {
  assert.ok(moduleJs.endsWith('sluice.js'));
  assert.ok(moduleWasm.endsWith('sluice.wasm'));
  // The magic number of a WebAssembly binary.
  assert.deepEqual([...fs.readFileSync(moduleWasm).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
});

test('Prng: a seed fixes the sequence, across full 64-bit seeds', async () => {
  const { Prng } = await sluice();
  const a = new Prng('18446744073709551615');
  const b = new Prng('18446744073709551615');
  const c = new Prng('0');
  const first = a.nextU64();
  assert.equal(first, b.nextU64());
  assert.notEqual(first, c.nextU64());
  assert.match(first, /^\d+$/);
  for (let i = 0; i < 1000; i++) {
    const v = a.uniformBelow(6);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 6);
    const u = a.uniformUnit();
    assert.ok(u >= 0 && u < 1);
  }
  [a, b, c].forEach((p) => p.delete());
});

test('Prng: bad seeds and bounds throw clear errors', async () => {
  const { Prng } = await sluice();
  assert.throws(() => new Prng('-1'), /seed must be a decimal string/);
  assert.throws(() => new Prng('abc'), /seed must be a decimal string/);
  assert.throws(() => new Prng('18446744073709551616'), /larger than 2\^64 - 1/);
  const p = new Prng('1');
  assert.throws(() => p.uniformBelow(0), /bound must be an integer/);
  assert.throws(() => p.uniformBelow(2.5), /bound must be an integer/);
  p.delete();
});

test('VirtualTime: JS callbacks fire in deadline order at virtual instants', async () => {
  const { VirtualTime } = await sluice();
  const time = new VirtualTime();
  const fired = [];
  time.scheduleAfterMs(30000, () => fired.push(['reset', time.nowMs()]));
  time.scheduleAfterMs(10, () => fired.push(['probe', time.nowMs()]));
  const dropped = time.scheduleAfterMs(20, () => fired.push(['dropped', time.nowMs()]));
  assert.equal(time.cancel(dropped), true);
  assert.equal(time.pendingTimers(), 2);

  assert.equal(time.runForMs(60000), 2);
  assert.deepEqual(fired, [['probe', 10], ['reset', 30000]]);
  assert.equal(time.nowMs(), 60000);
  assert.throws(() => time.runForMs(-1), /finite number of milliseconds >= 0/);
  assert.throws(() => time.scheduleAfterMs(1, 'not a function'), /needs a function/);
  time.delete();
});

test('CircuitBreaker: trips, rejects and probes on the page\'s clock', async () => {
  const { CircuitBreaker, OUTCOME_FAILURE, OUTCOME_SUCCESS } = await sluice();
  const breaker = new CircuitBreaker('inventory', JSON.stringify({ failure_threshold: 2, wait_in_open: '30s' }));
  for (let i = 0; i < 2; i++) breaker.record(breaker.tryAcquire(), OUTCOME_FAILURE, 5);
  assert.equal(breaker.state(), 'OPEN');
  assert.equal(breaker.tryAcquire(), 0);  // rejected
  breaker.advanceMs(30001);
  const probe = breaker.tryAcquire();
  assert.ok(probe > 0);
  assert.equal(breaker.state(), 'HALF_OPEN');
  breaker.record(probe, OUTCOME_SUCCESS, 3);
  assert.equal(breaker.state(), 'CLOSED');
  const stats = JSON.parse(breaker.statsJson());
  assert.equal(stats.calls_failed, 2);
  assert.equal(stats.calls_rejected, 1);
  assert.equal(stats.transitions, 3);
  breaker.delete();
});

test('CircuitBreaker: bad config and misuse throw the core\'s messages', async () => {
  const { CircuitBreaker } = await sluice();
  assert.throws(() => new CircuitBreaker('x', '{"failure_rate_threshold_percent": 150}'),
                /circuit_breaker: failure_rate_threshold_percent must be in \(0, 100\], or 0 for off; got 150/);
  assert.throws(() => new CircuitBreaker('x', '{oops'), /malformed JSON/);
  const breaker = new CircuitBreaker('x', '{"failure_threshold": 1}');
  assert.throws(() => breaker.record(42, 0, 1), /unknown permit id 42/);
  const permit = breaker.tryAcquire();
  assert.throws(() => breaker.record(permit, 7, 1), /outcome must be 0/);
  breaker.record(permit, 0, 1);
  assert.throws(() => breaker.record(permit, 0, 1), /unknown permit id/);  // a permit records once
  breaker.delete();
});
