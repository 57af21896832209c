// The simulator's speed natively and in WebAssembly under Node, in one run:
//   native: Google Benchmark's events_per_second for the scenario;
//   wasm:   the same scenario and seed through //wasm:playground, one virtual second
//           at a time, events dropped once read (as the page does);
// then the cost of handing events to JavaScript: JSON batches against packed arrays.
// Both runs must end with the same digest. Compare ratios, not absolute figures.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

const [nativeBenchmark, simRun, moduleJs, moduleWasm] = process.argv.slice(2);
const SCENARIO = 'inventory-slows-down';
const SETTLE_MS = 10000;
const REPETITIONS = 5;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function nativeEventsPerSecond() {
  const output = execFileSync(nativeBenchmark, [
    `--benchmark_filter=BM_SimulateScenario/${SCENARIO.replace(/-/g, '_')}`,
    `--benchmark_repetitions=${REPETITIONS}`, '--benchmark_report_aggregates_only=true',
    '--benchmark_format=json',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const result = JSON.parse(output.replace(/\bNaN\b/g, 'null')).benchmarks.find((b) => b.aggregate_name === 'median');
  return result.events_per_second;
}

function nativeDigest() {
  const summary = execFileSync(simRun, [`--scenario=core/sim/scenarios/${SCENARIO}.json`, `--settle=${SETTLE_MS / 1000}s`],
                               { encoding: 'utf8' });
  return summary.match(/digest ([0-9a-f]+)/)[1];
}

function runWasm(sluice, text, read) {
  const sim = sluice.Playground.create(text, '');
  const end = sim.endOfTrafficMs() + SETTLE_MS;
  let events = 0;
  for (let t = 1000; t <= end; t += 1000) {
    sim.runUntilMs(t);
    if (read) read(sim);
    events = sim.end();
    sim.discardBefore(sim.end());
  }
  const digest = sim.digest();
  sim.delete();
  return { events, digest };
}

async function main() {
  const sluice = await loadWasmModule(moduleJs, moduleWasm);
  const text = fs.readFileSync(`core/sim/scenarios/${SCENARIO}.json`, 'utf8');
  runWasm(sluice, text);  // warm up
  const rates = [];
  let last;
  for (let r = 0; r < REPETITIONS; r++) {
    const start = process.hrtime.bigint();
    last = runWasm(sluice, text);
    rates.push(last.events / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  const wasmRate = median(rates);
  const nativeRate = nativeEventsPerSecond();
  const digest = nativeDigest();
  if (digest.replace(/^0+/, '') !== last.digest.replace(/^0+/, '')) {
    throw new Error(`native digest ${digest} != wasm digest ${last.digest}: the runs differ`);
  }

  // Reading every event into JavaScript objects, per second of virtual time.
  const readCost = (read) => {
    const costs = [];
    for (let r = 0; r < REPETITIONS; r++) {
      let ns = 0;
      let count = 0;
      runWasm(sluice, text, (sim) => {
        const start = process.hrtime.bigint();
        count += read(sim).length;
        ns += Number(process.hrtime.bigint() - start);
      });
      costs.push(ns / count);
    }
    return median(costs);
  };
  let strings = [];
  const jsonNs = readCost((sim) => JSON.parse(sim.eventsJson(sim.begin(), 1e9)).events);
  const packedNs = readCost((sim) => {
    if (strings.length < 1e9) strings = strings.concat(JSON.parse(sim.stringsFrom(strings.length)));
    const packed = sim.eventsPacked(sim.begin(), 1e9);
    const events = [];
    for (let i = 0; i < packed.length;) {
      const e = { t: packed[i], what: strings[packed[i + 1]], where: strings[packed[i + 2]] };
      const n = packed[i + 3];
      i += 4;
      for (let k = 0; k < n; k++, i += 3) e[strings[packed[i]]] = packed[i + 1] === 2 ? strings[packed[i + 2]] : packed[i + 2];
      events.push(e);
    }
    strings = [];  // each run starts its own table
    return events;
  });

  const f = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`scenario ${SCENARIO} (${f(last.events)} events, digest ${last.digest}, the same natively)`);
  console.log(`  native:           ${f(nativeRate)} events/s`);
  console.log(`  wasm under Node:  ${f(wasmRate)} events/s  (${(wasmRate / nativeRate).toFixed(2)}x native)`);
  console.log(`  events to JS as JSON batches:  ${jsonNs.toFixed(0)} ns/event`);
  console.log(`  events to JS as packed arrays: ${packedNs.toFixed(0)} ns/event  (${(jsonNs / packedNs).toFixed(2)}x faster)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
