// The core/time trace must be byte-identical natively and in WebAssembly, seed by seed.
'use strict';
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const test = require('node:test');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

// Arguments: the native binary, then the module's .js and .wasm ($(rootpaths)).
const [nativeBinary, moduleJs, moduleWasm] = process.argv.slice(2);

const loadModule = () => loadWasmModule(moduleJs, moduleWasm);

const SEEDS = ['0', '1', '42', '4294967297', '9007199254740993', '18446744073709551615'];

test('native and wasm give the same trace for every seed', async () => {
  const wasm = await loadModule();
  for (const seed of SEEDS) {
    const native = execFileSync(nativeBinary, [seed], { encoding: 'utf8' });
    const inWasm = wasm.timeTrace(seed);
    // A trace with no timers or draws would make equality meaningless.
    assert.ok(native.split('\n').filter((l) => l.startsWith('fire ')).length > 100, `seed ${seed}`);
    assert.ok(native.includes('child '), `seed ${seed} schedules child timers`);
    if (native !== inWasm) {
      const a = native.split('\n');
      const b = inWasm.split('\n');
      const first = a.findIndex((line, i) => line !== b[i]);
      assert.fail(`seed ${seed}: first difference at line ${first + 1}:\n` +
                  `  native: ${a[first]}\n  wasm:   ${b[first]}`);
    }
  }
});

test('different seeds give different traces', async () => {
  const wasm = await loadModule();
  const traces = new Set(SEEDS.map((seed) => wasm.timeTrace(seed)));
  assert.equal(traces.size, SEEDS.length);
});
