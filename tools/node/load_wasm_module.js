// loadWasmModule(jsPath, wasmPath): instantiates a wasm_module target in Node.
//
//   const { loadWasmModule } = require(path.resolve('tools/node/load_wasm_module.js'));
//   const sluice = await loadWasmModule(moduleJs, moduleWasm);
//
// Node 20 cannot fetch() a file path, which is how the Emscripten 3.1.6 loader looks
// for its .wasm, so the bytes are handed to the factory.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function loadWasmModule(jsPath, wasmPath) {
  const factory = require(path.resolve(jsPath));
  return factory({ wasmBinary: fs.readFileSync(wasmPath) });
}

module.exports = { loadWasmModule };
