// The playground's live mode in Debian's headless Chromium (playwright-core): with
// //native:stack running (told the page's origin with --playground_origin), the page
// attaches to every service's /events and draws the real system: each service up, the
// order service's breakers as text from the first moment (the stream's snapshot), a
// confirmed order's saga and its messages, a declined card's compensation, the payment
// breaker OPEN once payment fails, and a service that stops shown DOWN. A page from
// any other origin is refused by the services. Screenshots are kept as test outputs.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const test = require('node:test');
const { serve, launch } = require('./browser.js');

const [serveJs, playwrightDir, moduleJs, moduleWasm, stackBin] = process.argv.slice(2);
const { chromium } = require(path.resolve(playwrightDir));
const OUTPUTS = process.env.TEST_UNDECLARED_OUTPUTS_DIR || '/tmp';
const WORK = process.env.TEST_TMPDIR || '/tmp';

const children = [];
let browser;
let pageBase;   // the playground, at the origin the stack allows
let otherBase;  // the same page from another origin
let stack;      // {process, addresses: {order: "127.0.0.1:port", ...}}

// waitForLine: the first match of `pattern` in the child's stdout.
function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let seen = '';
    let found = false;
    child.stdout.on('data', (chunk) => {  // read to the end, so the child never blocks on a full pipe
      if (found) return;
      seen += String(chunk);
      const match = seen.match(pattern);
      if (match) { found = true; resolve(match); }
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready:\n${seen.slice(-2000)}`)));
  });
}

test.before(async () => {
  for (const which of ['page', 'other']) {
    const { server, base } = await serve(serveJs, moduleJs, moduleWasm);
    children.push(server);
    if (which === 'page') pageBase = base; else otherBase = base;
  }
  const origin = pageBase.replace(/\/$/, '');
  const process = spawn(stackBin, ['--broker_port=0', '--inventory_port=0', '--inventory_grpc_port=0',
    '--order_port=0', '--payment_port=0', '--notification_port=0', '--analytics_port=0', '--no_tui',
    `--data_dir=${WORK}/stack`, `--playground_origin=${origin}`, '--breaker_reset_ms=60000'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(process);
  const ready = await waitForLine(process, /\[stack\] ready: (.*)\n/, 'the stack');
  const addresses = {};
  for (const [, name, address] of ready[1].matchAll(/(\w+) http:\/\/(127\.0\.0\.1:\d+)/g)) addresses[name] = address;
  stack = { process, addresses };
  browser = await launch(chromium);
});

test.after(async () => {
  if (browser) await browser.close();
  for (const child of children) child.kill('SIGTERM');
});

const liveQuery = () => `?live=${encodeURIComponent(Object.entries(stack.addresses).map(([n, a]) => `${n}=${a}`).join(' '))}`;

async function open(base) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}${liveQuery()}`);
  await page.waitForFunction(() => window.playgroundReady === true, null, { timeout: 20000 });
  page.errors = errors;
  return page;
}

async function placeOrder(card) {
  const body = { userId: 'usr_456', items: [{ productId: 'SKU-123', quantity: 1 }], total: 19.99 };
  if (card) body.card = card;
  const response = await fetch(`http://${stack.addresses.order}/api/orders`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text).orderId;
}

const detail = (page, name) => page.getByRole('group', { name, exact: true }).locator('.detail');

test('a page from another origin is refused by the services', async () => {
  const page = await open(otherBase);
  for (const name of ['order', 'broker']) {
    await page.waitForFunction((n) => /refused/.test(document.querySelector(`[aria-label="${n}"] .detail`).textContent),
      name, { timeout: 10000 });
    assert.match(await detail(page, name).textContent(), /refused: no \/events for this origin/);
  }
  assert.equal(await page.getByRole('status', { name: /Breaker from order/ }).count(), 0, 'it read a breaker');
  await page.close();
});

test('the page draws the live stack: sagas, messages, breakers, and services that stop', async () => {
  const page = await open(pageBase);
  for (const name of ['order', 'inventory', 'payment', 'broker', 'notification', 'analytics']) {
    await page.waitForFunction((n) => /^live · /.test(
      document.querySelector(`[aria-label="${n}"] .detail`).textContent), name, { timeout: 10000 });
  }
  // The snapshot: every breaker of the order service, before any of them changes.
  const paymentBreaker = page.getByRole('status', { name: /Breaker from order to payment:/ });
  await paymentBreaker.waitFor({ timeout: 5000 });
  assert.equal(await paymentBreaker.textContent(), 'payment: CLOSED');
  assert.equal(await page.getByRole('status', { name: /Breaker from order to inventory-grpc:/ }).textContent(),
    'inventory-grpc: CLOSED');
  assert.equal(await page.getByRole('button', { name: 'Play', exact: true }).isDisabled(), true,
    'the simulation\'s controls are off while live');

  // A confirmed order: its saga on the timeline, and its messages drawn on the links.
  const confirmed = await placeOrder();
  await page.getByRole('button', { name: `Follow saga ${confirmed}, COMPLETED` }).waitFor({ timeout: 10000 });
  assert.ok(await page.evaluate(() => window.playgroundPerf.maxInFlight) > 0, 'no live message was drawn');
  // The order's events reached the notification service's queue, counted from the broker's events.
  await page.waitForFunction(() => /notification-events/.test(document.getElementById('queues').textContent), null,
    { timeout: 10000 });

  // A declined card: compensated, with the compensation as a bar of its own.
  const declined = await placeOrder('4000000000000000');
  const row = page.getByRole('button', { name: `Follow saga ${declined}, COMPENSATED` });
  await row.waitFor({ timeout: 10000 });
  assert.ok(await row.locator('.bar.compensation').count() > 0, 'no compensation bar');
  await page.screenshot({ path: path.join(OUTPUTS, 'live-sagas.png') });

  // Payment fails every request: its breaker opens, and the badge says so.
  const fault = await fetch(`http://${stack.addresses.payment}/admin/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ route: '*', error_rate: 1, error_status: 503 }) });
  assert.equal(fault.status, 200, await fault.text());
  // Five sagas' charges fail (and are retried): the breaker counts five failures at least.
  await Promise.all([1, 2, 3, 4, 5].map(() => placeOrder()));
  await page.waitForFunction(() => /payment: OPEN/.test(document.getElementById('nodes').textContent), null,
    { timeout: 15000 });
  assert.match(await paymentBreaker.getAttribute('aria-label'), /Breaker from order to payment: OPEN/);
  await page.screenshot({ path: path.join(OUTPUTS, 'live-breaker-open.png') });

  // The stack stops: every service shows DOWN.
  stack.process.kill('SIGTERM');
  await page.waitForFunction(() => /DOWN/.test(document.querySelector('[aria-label="order"] .detail').textContent),
    null, { timeout: 20000 });
  assert.match(await detail(page, 'order').textContent(), /DOWN/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
