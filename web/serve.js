// serve.js: serves the playground page and the WebAssembly module it loads, on
// 127.0.0.1 only by default.
//
//   tools/bazel run //web:serve                  -> http://127.0.0.1:8080/
//   tools/bazel run //web:serve -- --port=0      -> any free port, printed on stdout
//
// Files: web/static/* at /, //wasm:playground at /playground.js and /playground.wasm,
// the shipped scenarios at /scenarios/<name>.json with their list at /scenarios/.
// Nothing is fetched from anywhere else: the page works offline.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const USAGE = `Serves the sluice playground (the simulated example system in WebAssembly).
  serve [--port=8080] [--bind=127.0.0.1]
    --port   port to listen on (0: any free port; the address is printed)
    --bind   address to listen on (loopback by default)
    --help   this text`;

function parseArguments(argv) {
  const options = { port: 8080, bind: '127.0.0.1', files: {} };
  for (const argument of argv) {
    if (argument === '--help' || argument === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = argument.match(/^--(port|bind|static|module_js|module_wasm|scenarios)=(.*)$/);
    if (!match) {
      console.error(`serve: unknown argument ${argument}\n${USAGE}`);
      process.exit(1);
    }
    const [, key, value] = match;
    if (key === 'port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        console.error(`serve: --port must be a number from 0 to 65535; got "${value}"`);
        process.exit(1);
      }
      options.port = Number(value);
    } else if (key === 'bind') {
      options.bind = value;
    } else {
      options.files[key] = value;
    }
  }
  return options;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  response.end(body);
}

function main() {
  const options = parseArguments(process.argv.slice(2));
  const { static: staticDir, module_js: moduleJs, module_wasm: moduleWasm, scenarios } = options.files;
  const scenarioFiles = fs.readdirSync(scenarios).filter((f) => f.endsWith('.json')).sort();
  const fixed = new Map([
    ['/playground.js', moduleJs],
    ['/playground.wasm', moduleWasm],
  ]);
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'text/plain', 'only GET and HEAD\n');
    }
    const url = new URL(request.url, 'http://localhost');
    let file;
    if (fixed.has(url.pathname)) {
      file = fixed.get(url.pathname);
    } else if (url.pathname === '/scenarios/') {
      const list = scenarioFiles.map((f) => JSON.parse(fs.readFileSync(path.join(scenarios, f), 'utf8')))
        .map((s) => ({ name: s.name, title: s.title || s.name, description: s.description || '' }));
      return send(response, 200, TYPES['.json'], JSON.stringify(list));
    } else if (url.pathname.startsWith('/scenarios/')) {
      const name = url.pathname.slice('/scenarios/'.length);
      if (!scenarioFiles.includes(name)) return send(response, 404, 'text/plain', 'no such scenario\n');
      file = path.join(scenarios, name);
    } else {
      const relative = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      // Only plain names inside the static folder: no "..", no hidden files.
      if (!/^[a-z0-9_-]+\.[a-z]+$/.test(relative)) return send(response, 404, 'text/plain', 'not found\n');
      file = path.join(staticDir, relative);
    }
    fs.readFile(file, (error, body) => {
      if (error) return send(response, 404, 'text/plain', 'not found\n');
      send(response, 200, TYPES[path.extname(file)] || 'application/octet-stream', request.method === 'HEAD' ? '' : body);
    });
  });
  server.on('error', (error) => {
    console.error(`serve: cannot listen on ${options.bind}:${options.port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(options.port, options.bind, () => {
    const { address, port } = server.address();
    console.log(`playground at http://${address}:${port}/`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
