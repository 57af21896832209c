// The same closed-state workload through four breakers, timed in one run:
//   sluice natively (Google Benchmark, the C++ hot path),
//   sluice compiled to WebAssembly, called from Node,
//   opossum from npm, with its defaults (each fire() is a promise),
//   a JavaScript breaker with the article's logic (async execute(), as the article uses it).
// Prints a table of ns per call and ratios. Node and the machine are shared: compare
// ratios, not absolute figures.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

const [nativeBenchmark, moduleJs, moduleWasm, opossumPackageJson] = process.argv.slice(2);
const REPETITIONS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeCalls(label, calls, body) {
  await body(Math.min(calls, 200_000));  // warm up the JIT
  const perCall = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const start = process.hrtime.bigint();
    await body(calls);
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  process.stderr.write(`  ${label}: ${median(perCall).toFixed(1)} ns/call\n`);
  return median(perCall);
}

function nativeNsPerCall() {
  const output = execFileSync(nativeBenchmark, [
    '--benchmark_filter=BM_Breaker_ClosedAcquireRecord/real_time/threads:1$',
    `--benchmark_repetitions=${REPETITIONS}`, '--benchmark_report_aggregates_only=true',
    '--benchmark_format=json',
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  // Google Benchmark writes NaN for a counter's spread, which JSON lacks.
  const median = JSON.parse(output.replace(/\bNaN\b/g, 'null')).benchmarks.find((b) => b.aggregate_name === 'median');
  process.stderr.write(`  sluice native: ${median.real_time.toFixed(1)} ns/call\n`);
  return median.real_time;
}

// The article's breaker logic, for comparison: counts failures since it last closed,
// opens at the threshold, lets a call through once the reset timeout has passed.
class ArticleStyleBreaker {
  constructor({ failureThreshold = 5, resetTimeout = 30000 } = {}) {
    Object.assign(this, { failureThreshold, resetTimeout, failures: 0, lastFailure: 0, state: 'CLOSED' });
  }
  async execute(call, fallback) {
    if (this.state === 'OPEN') {
      if (Date.now() - this.lastFailure <= this.resetTimeout) return fallback ? fallback() : Promise.reject(new Error('open'));
      this.state = 'HALF_OPEN';
    }
    try {
      const result = await call();
      if (this.state === 'HALF_OPEN') Object.assign(this, { state: 'CLOSED', failures: 0 });
      return result;
    } catch (error) {
      this.failures += 1;
      this.lastFailure = Date.now();
      if (this.failures >= this.failureThreshold) this.state = 'OPEN';
      if (fallback) return fallback();
      throw error;
    }
  }
}

async function main() {
  process.stderr.write('measuring (median of 5 runs each)...\n');
  const results = [];
  results.push({ name: 'sluice, native C++', ns: nativeNsPerCall(), note: 'try_acquire + record' });

  const sluice = await loadWasmModule(moduleJs, moduleWasm);
  const breaker = new sluice.CircuitBreaker('bench', JSON.stringify({
    failure_threshold: 5, failure_rate_threshold_percent: 50, window_size: 100, minimum_calls: 20,
  }));
  results.push({
    name: 'sluice, WebAssembly in Node', note: 'tryAcquire + record',
    ns: await timeCalls('sluice wasm', 2_000_000, (n) => {
      for (let i = 0; i < n; i++) breaker.record(breaker.tryAcquire(), 0, 0.2);
    }),
  });
  // Like for like with the promise-based breakers below: the same call, awaited.
  const guarded = async () => breaker.record(breaker.tryAcquire(), 0, 0.2);
  results.push({
    name: 'sluice, WebAssembly in Node, each call awaited', note: 'await (tryAcquire + record)',
    ns: await timeCalls('sluice wasm awaited', 1_000_000, async (n) => { for (let i = 0; i < n; i++) await guarded(); }),
  });
  if (breaker.state() !== 'CLOSED') throw new Error('the wasm breaker left CLOSED');

  const Opossum = require(path.dirname(path.resolve(opossumPackageJson)));
  const opossum = new Opossum(() => 42);  // defaults, as a user starts
  results.push({
    name: `opossum ${require(path.resolve(opossumPackageJson)).version}, defaults`, note: 'await fire()',
    ns: await timeCalls('opossum', 300_000, async (n) => { for (let i = 0; i < n; i++) await opossum.fire(); }),
  });
  opossum.shutdown();

  const article = new ArticleStyleBreaker({ failureThreshold: 5, resetTimeout: 30000 });
  results.push({
    name: "the article's logic in JavaScript", note: 'await execute()',
    ns: await timeCalls('article logic', 1_000_000, async (n) => {
      for (let i = 0; i < n; i++) await article.execute(() => 42);
    }),
  });

  const wasm = results[1].ns;
  console.log('| breaker, closed state | call | ns per call | relative to sluice in WebAssembly |');
  console.log('|---|---|---|---|');
  for (const r of results) {
    const ratio = r.ns / wasm;
    const relative = Math.abs(ratio - 1) < 0.005 ? '1×' : ratio > 1 ? `${ratio.toFixed(1)}× slower` : `${(1 / ratio).toFixed(1)}× faster`;
    console.log(`| ${r.name} | \`${r.note}\` | ${r.ns.toFixed(1)} | ${relative} |`);
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
