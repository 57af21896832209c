// The playground in Debian's headless Chromium (playwright-core; never a downloaded
// browser): the page loads, a scenario runs, a fault click trips the breaker, a saga
// compensates on the timeline, the share link replays the same run, and frames stay
// short with a thousand messages in flight. Screenshots are kept as test outputs.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const test = require('node:test');
const { serve, launch } = require('./browser.js');

const [serveJs, playwrightDir, moduleJs, moduleWasm] = process.argv.slice(2);
const { chromium } = require(path.resolve(playwrightDir));
const OUTPUTS = process.env.TEST_UNDECLARED_OUTPUTS_DIR || '/tmp';

let server;
let base;
let browser;

test.before(async () => {
  ({ server, base } = await serve(serveJs, moduleJs, moduleWasm));
  browser = await launch(chromium);
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

async function open(query) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}${query}`);
  await page.waitForFunction(() => window.playgroundReady === true, null, { timeout: 20000 });
  page.errors = errors;
  return page;
}

const seconds = async (page) => Number((await page.getByLabel('Virtual time').textContent()).replace(' s', ''));

async function runTo(page, s) {
  await page.getByLabel('Run to time (seconds)').fill(String(s));
  await page.getByRole('button', { name: 'Run to', exact: true }).click();
  await page.waitForFunction((t) => document.getElementById('clock').textContent.startsWith(t.toFixed(3)), s);
}

test('the page loads a scenario and plays it', async () => {
  const page = await open('?scenario=orchestrated-order-saga&seed=1');
  assert.equal(await page.getByLabel('Scenario').inputValue(), 'orchestrated-order-saga');
  assert.equal(await page.getByLabel('Seed').inputValue(), '1');
  await page.getByLabel('Speed').selectOption('10');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => parseFloat(document.getElementById('clock').textContent) >= 3, null, { timeout: 20000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const paused = await seconds(page);
  await page.waitForTimeout(300);
  assert.equal(await seconds(page), paused, 'paused means paused');
  const badge = page.getByRole('status', { name: /Breaker from order to inventory/ });
  assert.equal(await badge.textContent(), 'CLOSED');
  assert.match(await page.getByRole('group', { name: 'client' }).textContent(), /[1-9]\d* orders sent/);
  // Every queue's depth is listed, as text.
  const queues = page.getByRole('region', { name: 'Queues' });
  assert.match(await queues.textContent(), /notifications\.fifo\d+ · \d+/);
  assert.match(await queues.textContent(), /notifications-dlq\.fifo/);
  await page.screenshot({ path: path.join(OUTPUTS, 'playing.png') });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('adding latency to inventory trips the breaker within the expected virtual time', async () => {
  const page = await open('?scenario=orchestrated-order-saga&seed=1');
  await runTo(page, 5);
  await page.getByRole('button', { name: 'Add latency to inventory' }).click();
  const badge = page.getByRole('status', { name: /Breaker from order to inventory/ });
  // The window holds 20 calls and needs 10: at 20 orders/s, each timing out after
  // 500 ms, the breaker must open within about two virtual seconds.
  let opened = null;
  for (let t = 5.1; t <= 8; t = Math.round((t + 0.1) * 10) / 10) {
    await runTo(page, t);
    if ((await badge.textContent()) === 'OPEN') { opened = t; break; }
  }
  assert.ok(opened !== null, 'the breaker opened within 3 virtual seconds of the fault');
  assert.ok(opened - 5 <= 2.5, `opened ${opened - 5} s after the fault`);
  await page.screenshot({ path: path.join(OUTPUTS, 'breaker-open.png') });
  // After the fault (10 s) and the wait in OPEN, probes close it again.
  await runTo(page, 25);
  assert.equal(await badge.textContent(), 'CLOSED');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a saga that compensates shows it in the timeline, and clicking it follows it', async () => {
  const page = await open('?scenario=payment-fails&seed=3');
  // Payment is down from 20 s to 30 s; the refunds of charges that timed out wait for it.
  await runTo(page, 24);
  assert.ok(await page.getByRole('button', { name: /Follow saga order-\d+, COMPENSATING/ }).count() > 0);
  await runTo(page, 35);
  const compensated = page.getByRole('button', { name: /Follow saga order-\d+, COMPENSATED/ }).first();
  await compensated.waitFor({ timeout: 5000 });
  assert.ok(await compensated.locator('.bar.compensation').count() >= 1, 'the compensation is drawn as a bar');
  await compensated.click();
  // The page draws the click on its next frame: wait for it, then check there is one.
  await page.locator('.saga.followed').first().waitFor({ timeout: 5000 });
  assert.equal(await page.locator('.saga.followed').count(), 1);
  await page.screenshot({ path: path.join(OUTPUTS, 'saga-compensated.png') });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the share link reproduces the same run, faults included', async () => {
  const page = await open('?scenario=inventory-slows-down&seed=9');
  await runTo(page, 4);
  await page.getByRole('button', { name: 'Kill payment' }).click();
  await runTo(page, 6);
  await page.getByRole('button', { name: 'Restart payment' }).click();
  await runTo(page, 20);
  const digest = await page.locator('#digest').textContent();
  await page.getByRole('button', { name: 'Share' }).click();
  const url = page.url();
  assert.match(url, /faults=/);
  await page.close();

  const again = await open(url.slice(base.length));
  await runTo(again, 20);
  assert.equal(await again.locator('#digest').textContent(), digest);
  const other = await open('?scenario=inventory-slows-down&seed=9');
  await runTo(other, 20);
  assert.notEqual(await other.locator('#digest').textContent(), digest, 'without the faults the run differs');
  await again.close();
  await other.close();
});

test('stock-check settings applied mid-run act, and replay from the share link', async () => {
  const page = await open('?scenario=payment-fails&seed=4');  // no breaker until one is applied
  await runTo(page, 3);
  assert.equal(await page.getByRole('status', { name: /Breaker from order to inventory/ }).textContent(), 'NONE');
  await page.getByText('Stock-check settings (order').click();
  await page.getByLabel('Stock-check settings (JSON)').fill('{"circuit_breaker": {"failure_rate_threshold_percent": 50, "window_size": 10, "minimum_calls": 5}, "timeout": "200ms"');
  await page.getByRole('button', { name: 'Apply settings' }).click();
  assert.match(await page.getByRole('alert').textContent(), /malformed JSON/);
  await page.getByLabel('Stock-check settings (JSON)').fill('{"circuit_breaker": {"failure_rate_threshold_percent": 50, "window_size": 10, "minimum_calls": 5}, "timeout": "200ms"}');
  await page.getByRole('button', { name: 'Apply settings' }).click();
  assert.equal(await page.getByRole('status', { name: /Breaker from order to inventory/ }).textContent(), 'CLOSED');
  await page.getByRole('button', { name: 'Add latency to inventory' }).click();
  await runTo(page, 6);
  assert.equal(await page.getByRole('status', { name: /Breaker from order to inventory/ }).textContent(), 'OPEN');
  const digest = await page.locator('#digest').textContent();
  await page.getByRole('button', { name: 'Share' }).click();
  const again = await open(page.url().slice(base.length));
  await runTo(again, 6);
  assert.equal(await again.locator('#digest').textContent(), digest);
  await page.close();
  await again.close();
});

test('a pasted Istio DestinationRule sets the breaker from its outlier detection', async () => {
  const page = await open('?scenario=payment-fails&seed=4');
  await runTo(page, 2);
  const badge = page.getByRole('status', { name: /Breaker from order to inventory/ });
  assert.equal(await badge.textContent(), 'NONE');
  await page.getByText('Stock-check settings (order').click();
  const rule = { apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: { name: 'inventory' },
    spec: { host: 'inventory', trafficPolicy: {
      connectionPool: { http: { http2MaxRequests: 5 } },
      outlierDetection: { consecutive5xxErrors: 2, baseEjectionTime: '3s' } } } };
  await page.getByLabel('Stock-check settings (JSON)').fill(JSON.stringify(rule));
  await page.getByRole('button', { name: 'Apply settings' }).click();
  assert.match(await page.getByRole('alert').textContent(), /connectionPool/, 'what cannot be honoured is said');
  assert.equal(await badge.textContent(), 'NONE', 'and nothing changed');
  delete rule.spec.trafficPolicy.connectionPool;
  await page.getByLabel('Stock-check settings (JSON)').fill(JSON.stringify(rule));
  await page.getByRole('button', { name: 'Apply settings' }).click();
  assert.equal(await badge.textContent(), 'CLOSED');
  await page.getByRole('button', { name: 'Kill inventory' }).click();
  await runTo(page, 5);
  assert.equal(await badge.textContent(), 'OPEN', 'two failures in a row eject inventory');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a thousand messages in flight still draw in well under a frame', async () => {
  // Slow links keep thousands of messages on their way at once.
  const scenario = { name: 'busy', title: 'Busy', duration: '60s', seed: 5,
    traffic: { orders_per_second: 300 },
    network: { latency_min: '1s', latency_max: '3s' },
    saga: { mode: 'orchestration', step_timeout: '10s' },
    inventory_client: { timeout: '10s' } };
  const encoded = Buffer.from(JSON.stringify(scenario)).toString('base64url');
  const page = await open(`?scenario_json=${encoded}&seed=5`);
  await runTo(page, 8);
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.evaluate(() => { window.playgroundPerf.frameTimes.length = 0; window.playgroundPerf.maxInFlight = 0; });
  await page.waitForTimeout(3000);
  const perf = await page.evaluate(() => ({ ...window.playgroundPerf }));
  await page.screenshot({ path: path.join(OUTPUTS, 'busy.png') });
  const sorted = [...perf.frameTimes].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const p95 = sorted[Math.floor(sorted.length * 0.95)];
  console.log(`frames: ${sorted.length} in 3 s, work per frame median ${median.toFixed(1)} ms, ` +
    `p95 ${p95.toFixed(1)} ms, messages in flight up to ${perf.maxInFlight}`);
  assert.ok(perf.maxInFlight >= 1000, `${perf.maxInFlight} messages in flight`);
  assert.ok(median < 16.7, `median frame work ${median.toFixed(1)} ms exceeds a 60 fps frame`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
