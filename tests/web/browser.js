// browser.js: what the browser tests share: the playground's server on a free port,
// and Debian's Chromium (never a downloaded browser) through playwright-core.
'use strict';
const { spawn } = require('node:child_process');

// serve: starts //web:serve on a free port; resolves to {server, base} once it listens.
function serve(serveJs, moduleJs, moduleWasm) {
  const server = spawn('node', [serveJs, '--port=0', '--static=web/static', `--module_js=${moduleJs}`,
    `--module_wasm=${moduleWasm}`, '--scenarios=core/sim/scenarios'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const match = String(chunk).match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (match) resolve({ server, base: match[0] });
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

// launch: headless Chromium from Debian, with the flags TOOLCHAIN.md found it needs here.
function launch(chromium) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

module.exports = { serve, launch };
