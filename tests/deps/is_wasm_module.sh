#!/bin/bash
# is_wasm_module.sh MODULE.js MODULE.wasm: the pair em++ linked is a loadable module.
set -euo pipefail
js="$1" wasm="$2"
[ -s "$js" ] || { echo "FAIL: $js is missing or empty"; exit 1; }
magic="$(head -c 4 "$wasm" | od -An -tx1 | tr -d ' \n')"
[ "$magic" = "0061736d" ] || { echo "FAIL: $wasm is not WebAssembly (starts with $magic)"; exit 1; }
node -e "require(require('path').resolve(process.argv[1]))({ wasmBinary: require('fs').readFileSync(process.argv[2]) }).then(() => console.log('instantiated'))" "$js" "$wasm"
