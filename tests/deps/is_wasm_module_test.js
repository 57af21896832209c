// The pair em++ linked from all of core is a WebAssembly module that instantiates.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));

const [moduleJs, moduleWasm] = process.argv.slice(2);

test('all of core links into a module that instantiates', async () => {
  assert.deepEqual([...fs.readFileSync(moduleWasm).subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  const instance = await loadWasmModule(moduleJs, moduleWasm);
  assert.ok(instance.HEAPU8.length > 0);
});
