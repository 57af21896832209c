// The simulated world must give the same events natively and in WebAssembly, event by
// event, for the same scenario and seed; and the facade must refuse bad input.
'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

// Arguments: the native sim_run binary, then the module's .js and .wasm.
const [simRun, moduleJs, moduleWasm] = process.argv.slice(2);
const SETTLE_S = 10;
const CASES = [
  ['inventory-slows-down', '2'],
  ['payment-fails', '77'],
  ['kafka-replay', '18446744073709551615'],
  ['retry-storm-with-budget', '9007199254740993'],
  ['choreographed-order-saga', '12'],
];

const scenarioPath = (name) => path.join('core/sim/scenarios', `${name}.json`);

// The wasm run, one virtual second at a time as the page would, as text lines.
function wasmLines(sluice, name, seed) {
  const sim = sluice.Playground.create(fs.readFileSync(scenarioPath(name), 'utf8'), seed);
  try {
    const endMs = sim.endOfTrafficMs() + SETTLE_S * 1000;
    let out = '';
    for (let t = 1000; t <= endMs; t += 1000) {
      sim.runUntilMs(t);
      out += sim.lines(sim.begin(), sim.end() - sim.begin());
      sim.discardBefore(sim.end());
    }
    return out;
  } finally {
    sim.delete();
  }
}

test('native and wasm give the same events for the same scenario and seed', async () => {
  const sluice = await loadWasmModule(moduleJs, moduleWasm);
  for (const [name, seed] of CASES) {
    const native = execFileSync(simRun, [`--scenario=${scenarioPath(name)}`, `--seed=${seed}`,
                                         `--settle=${SETTLE_S}s`, '--events'],
                                { encoding: 'utf8', maxBuffer: 1 << 30 });
    const inWasm = wasmLines(sluice, name, seed);
    const a = native.split('\n');
    const b = inWasm.split('\n');
    assert.ok(a.length > 20000, `${name}: a real run, not an empty one (${a.length} events)`);
    if (native !== inWasm) {
      const first = a.findIndex((line, i) => line !== b[i]);
      assert.fail(`${name} seed ${seed}: first difference at event ${first + 1} of ${a.length}:\n` +
                  `  native: ${a[first]}\n  wasm:   ${b[first]}`);
    }
  }
});

test('packed events and JSON batches carry the same events', async () => {
  const sluice = await loadWasmModule(moduleJs, moduleWasm);
  const sim = sluice.Playground.create(fs.readFileSync(scenarioPath('inventory-slows-down'), 'utf8'), '3');
  sim.runUntilMs(20000);
  const batch = JSON.parse(sim.eventsJson(0, 1e9));
  const strings = JSON.parse(sim.stringsFrom(0));
  const packed = sim.eventsPacked(0, 1e9);
  const unpacked = [];
  for (let i = 0; i < packed.length;) {
    const event = { t: packed[i], what: strings[packed[i + 1]], where: strings[packed[i + 2]] };
    const n = packed[i + 3];
    i += 4;
    for (let k = 0; k < n; k++, i += 3) {
      event[strings[packed[i]]] = packed[i + 1] === 2 ? strings[packed[i + 2]] : packed[i + 2];
    }
    unpacked.push(event);
  }
  assert.equal(batch.cursor, sim.end());
  assert.ok(unpacked.length > 1000);
  assert.deepEqual(unpacked, batch.events);
  sim.delete();
});

test('a fault injected now acts, and bad input is a clear error', async () => {
  const sluice = await loadWasmModule(moduleJs, moduleWasm);
  const text = fs.readFileSync(scenarioPath('orchestrated-order-saga'), 'utf8');
  assert.throws(() => sluice.Playground.create('{"name": 1}', '1'), /scenario.name/);
  assert.throws(() => sluice.Playground.create(text, '-4'), /seed must be a whole number/);
  const sim = sluice.Playground.create(text, '');
  assert.equal(sim.seed(), '1', 'the scenario\'s own seed when none is given');
  sim.runUntilMs(5000);
  assert.throws(() => sim.inject('{"action": "crash"}'), /"target" is required/);
  assert.throws(() => sim.inject('{"action": "melt", "target": "order"}'), /fault.action must be one of/);
  assert.throws(() => sim.configure('{"retry": {"max_attempts": 0}}'), /retry/);
  assert.throws(() => sim.configure('{"bulkhead": {}}'), /circuit_breaker, retry, retry_budget and timeout only/);
  sim.configure('{"circuit_breaker": {"failure_rate_threshold_percent": 50, "window_size": 10, "minimum_calls": 5}, "timeout": "200ms"}');
  assert.equal(JSON.parse(sim.statsJson()).stock_check.breaker, 'CLOSED');
  const destinationRule = { apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule',
    metadata: { name: 'inventory' },
    spec: { host: 'inventory', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2, baseEjectionTime: '3s' } } } };
  sim.configureFromDestinationRule(JSON.stringify(destinationRule));
  destinationRule.spec.trafficPolicy.connectionPool = { http: { http2MaxRequests: 5 } };
  assert.throws(() => sim.configureFromDestinationRule(JSON.stringify(destinationRule)), /connectionPool/);
  sim.inject(JSON.stringify({ action: 'crash', target: 'inventory', for: '2s' }));
  assert.equal(JSON.parse(sim.statsJson()).services.inventory.up, false);
  sim.runUntilMs(7100);
  assert.equal(JSON.parse(sim.statsJson()).services.inventory.up, true);
  sim.delete();
});
