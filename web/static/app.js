// The playground page: drives //wasm:playground (the simulated example system) on
// virtual time and draws what it reports: messages moving along links, the breaker's
// state, queue depths, RED charts and a saga timeline. Faults are injected with the
// buttons; the share link encodes scenario, seed and every fault with its time, so
// another person replays exactly the same run.
'use strict';

(async function main() {
  const NODE_W = 130;
  const NODE_H = 62;
  const NODES = {
    client: { x: 20, y: 180 },
    order: { x: 200, y: 180 },
    inventory: { x: 400, y: 30 },
    payment: { x: 400, y: 330 },
    broker: { x: 560, y: 180 },
    notification: { x: 750, y: 80 },
    analytics: { x: 750, y: 290 },
  };
  const LINKS = [['client', 'order'], ['order', 'inventory'], ['order', 'payment'], ['order', 'broker'],
    ['broker', 'notification'], ['broker', 'analytics']];
  const COLOURS = { request: '#4aa3ff', reply: '#3ccf8e', event: '#b48cff', compensation: '#ff9f43',
    rejected: '#ff4d5e', dead: '#c0392b', dropped: '#8b98a5' };
  const SERVICES = ['order', 'inventory', 'payment', 'broker', 'notification', 'analytics'];
  // Fault buttons beyond kill/restart: [label, fault].
  const FAULTS = [
    ['Add latency to inventory', { action: 'add_latency', target: 'inventory', latency: '800ms', for: '10s' }],
    ['Add latency to payment', { action: 'add_latency', target: 'payment', latency: '800ms', for: '10s' }],
    ['Error rate on inventory', { action: 'error_rate', target: 'inventory', rate: 0.5, for: '10s' }],
    ['Error rate on payment', { action: 'error_rate', target: 'payment', rate: 0.5, for: '10s' }],
    ['Partition order and inventory', { action: 'partition', target: 'order', peer: 'inventory', for: '5s' }],
    ['Slow down notification', { action: 'slow_down', target: 'notification', factor: 5, for: '15s' }],
    ['Deploy a bug to analytics', { action: 'consumer_bug', target: 'analytics', for: '10s' }],
    ['Replay the analytics log', { action: 'replay', target: 'analytics', from: '0s' }],
  ];
  const MAX_IN_FLIGHT_DRAWN = 5000;
  const MAX_SAGAS = 300;

  const $ = (id) => document.getElementById(id);
  const sluice = await createPlayground();

  // Everything about the run in progress.
  const run = {
    sim: null,
    scenarioName: '',
    scenarioText: '',
    customScenario: false,
    seed: '',
    faults: [],  // [{at: "<ns>ns", ...fault}] in injection order, for the share link
    playing: false,
    speed: 1,
    strings: [],
    inFlight: new Map(),  // message id -> {from, to, kind, t0, t1, subject}
    marks: [],            // short-lived marks: rejected calls, drops, dead letters
    breaker: 'NONE',
    services: {},
    sagas: new Map(),     // saga id -> {id, t0, t1, state, bars: [{step, op, t0, t1, ok}]}
    followed: null,
    seconds: new Map(),   // virtual second -> {orders, errors, latencies: [], queue, breaker}
    stats: null,
    live: null,           // while attached to the real services: see attachLive
  };
  const perf = { frameTimes: [], maxInFlight: 0 };
  window.playgroundPerf = perf;

  function showError(message) {
    $('error').hidden = !message;
    $('error').textContent = message || '';
  }

  // nowNs: the instant drawn: virtual time, or in live mode real time since attaching.
  function nowNs() {
    if (run.live) return (performance.now() - run.live.t0) * 1e6;
    return run.sim ? run.sim.nowMs() * 1e6 : 0;
  }

  // ---- Loading a run -------------------------------------------------------------
  const scenarios = await (await fetch('scenarios/')).json();
  for (const s of scenarios) {
    const option = document.createElement('option');
    option.value = s.name;
    option.textContent = s.title;
    $('scenario').append(option);
  }

  function base64url(text) {
    return btoa(unescape(encodeURIComponent(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function fromBase64url(text) {
    return decodeURIComponent(escape(atob(text.replace(/-/g, '+').replace(/_/g, '/'))));
  }

  async function load({ name, seed, faults = [], scenarioText = null }) {
    const text = scenarioText ?? await (await fetch(`scenarios/${name}.json`)).text();
    const scenario = JSON.parse(text);
    let sim;
    try {
      sim = sluice.Playground.create(JSON.stringify(scenario), seed);
    } catch (error) {
      showError(error.message);
      return;
    }
    showError('');
    if (run.sim) run.sim.delete();
    Object.assign(run, {
      sim, scenarioName: scenario.name, scenarioText: text, customScenario: scenarioText !== null,
      seed: sim.seed(), faults: [], strings: [], inFlight: new Map(), marks: [], breaker: 'NONE',
      // A share link's faults are injected as a click would, at the nanosecond it was made.
      pending: [...faults].sort((a, b) => Number(a.at_ns) - Number(b.at_ns)),
      sagas: new Map(), followed: null, seconds: new Map(), stats: null,
    });
    if (![...$('scenario').options].some((o) => o.value === scenario.name)) {
      const option = document.createElement('option');  // a scenario from a link
      option.value = scenario.name;
      option.textContent = `${scenario.title || scenario.name} (from the link)`;
      $('scenario').append(option);
    }
    $('scenario').value = scenario.name;
    $('seed').value = run.seed;
    $('description').textContent = scenario.description || '';
    $('settings').value = JSON.stringify(scenario.inventory_client || {}, null, 2);
    pause();
    readStats();
    render(true);
  }

  function shareUrl() {
    const url = new URL(location.href);
    url.search = '';
    if (run.customScenario) url.searchParams.set('scenario_json', base64url(run.scenarioText));
    else url.searchParams.set('scenario', run.scenarioName);
    url.searchParams.set('seed', run.seed);
    if (run.faults.length) url.searchParams.set('faults', base64url(JSON.stringify(run.faults)));
    return url.toString();
  }

  // ---- Time ----------------------------------------------------------------------
  function advanceTo(ms) {
    const { sim } = run;
    if (!sim || ms <= sim.nowMs()) return;
    // A virtual second at a time, so a long jump does not hold every event at once.
    for (let t = sim.nowMs(); t < ms;) {
      t = Math.min(ms, t + 1000);
      while (run.pending.length && run.pending[0].at_ns <= t * 1e6) {
        const { at_ns: atNs, ...action } = run.pending.shift();
        sim.runUntilNs(atNs);
        if (action.configure) configure(action.configure); else inject(action);
      }
      sim.runUntilMs(t);
      drainEvents();
      if (Math.floor(t / 250) !== Math.floor(run.lastStatsMs / 250)) readStats();
    }
  }

  function stepOnce() {
    if (!run.sim) return;
    run.sim.step();
    drainEvents();
    readStats();
    render(true);
  }

  function readStats() {
    run.stats = JSON.parse(run.sim.statsJson());
    run.lastStatsMs = run.sim.nowMs();
    const second = bucket(run.sim.nowMs() * 1e6);
    second.queue = Math.max(second.queue, run.stats.queues.notifications.visible + run.stats.queues.notifications.in_flight);
    run.breaker = run.stats.stock_check ? run.stats.stock_check.breaker : 'NONE';
    second.breaker = run.breaker;
  }

  function bucket(tNs) {
    const key = Math.floor(tNs / 1e9);
    let b = run.seconds.get(key);
    if (!b) {
      b = { orders: 0, errors: 0, latencies: [], queue: 0, breaker: run.live ? liveStockBreaker() : run.breaker };
      run.seconds.set(key, b);
      if (run.seconds.size > 600) run.seconds.delete(run.seconds.keys().next().value);
    }
    return b;
  }

  // ---- Events ----------------------------------------------------------------------
  function drainEvents() {
    const { sim, strings } = run;
    const fresh = JSON.parse(sim.stringsFrom(strings.length));
    for (const s of fresh) strings.push(s);
    const packed = sim.eventsPacked(sim.begin(), 1e9);
    for (let i = 0; i < packed.length;) {
      const t = packed[i];
      const what = strings[packed[i + 1]];
      const where = strings[packed[i + 2]];
      const n = packed[i + 3];
      const a = {};
      i += 4;
      for (let k = 0; k < n; k++, i += 3) a[strings[packed[i]]] = packed[i + 1] === 2 ? strings[packed[i + 2]] : packed[i + 2];
      onEvent(t, what, where, a);
    }
    sim.discardBefore(sim.end());
  }

  function onEvent(t, what, where, a) {
    switch (what) {
      case 'msg.sent':
        if (a.arrive_ns >= 0) {
          if (run.inFlight.size < MAX_IN_FLIGHT_DRAWN) {
            run.inFlight.set(a.id, { from: where, to: a.to, kind: a.kind, t0: t, t1: a.arrive_ns, subject: a.subject });
          }
        } else {
          mark(where, a.to, 'dropped', t);
        }
        break;
      case 'msg.delivered':
      case 'msg.dropped':
        if (what === 'msg.dropped' && a.reason === 'down') mark(where, where, 'dropped', t);
        run.inFlight.delete(a.id);
        break;
      case 'call.rejected':
        mark('order', 'inventory', 'rejected', t);
        bucket(t).errors++;
        break;
      case 'queue.dead_lettered':
        mark('broker', 'broker', 'dead', t);
        break;
      case 'order.sent':
        bucket(t).orders++;
        break;
      case 'breaker.call_failed':
        bucket(t).errors++;
        bucket(t).latencies.push(a.duration_ns / 1e6);
        break;
      case 'breaker.call_succeeded':
        bucket(t).latencies.push(a.duration_ns / 1e6);
        break;
      case 'breaker.state_changed':
        run.breaker = a.to;
        bucket(t).breaker = a.to;
        break;
      case 'saga.started':
        run.sagas.set(where, { id: where, t0: t, t1: t, state: 'RUNNING', bars: [] });
        if (run.sagas.size > MAX_SAGAS) {
          for (const id of run.sagas.keys()) {
            if (id !== run.followed) { run.sagas.delete(id); break; }
          }
        }
        break;
      case 'saga.attempt_started': {
        const saga = run.sagas.get(where);
        if (saga) saga.bars.push({ step: a.step, op: a.operation, t0: t, t1: null, ok: null });
        break;
      }
      case 'saga.attempt_succeeded':
      case 'saga.attempt_failed': {
        const saga = run.sagas.get(where);
        if (!saga) break;
        for (let k = saga.bars.length - 1; k >= 0; k--) {
          const bar = saga.bars[k];
          if (bar.step === a.step && bar.op === a.operation && bar.t1 === null) {
            bar.t1 = t;
            bar.ok = what === 'saga.attempt_succeeded';
            break;
          }
        }
        saga.t1 = t;
        break;
      }
      case 'saga.event_observed': {
        // A choreographed saga, as the tracker follows it: each event a mark on its row.
        let saga = run.sagas.get(where);
        if (!saga) {
          saga = { id: where, t0: t, t1: t, state: 'RUNNING', bars: [] };
          run.sagas.set(where, saga);
        }
        const undo = /Refunded|Released/.test(a.event);
        saga.bars.push({ step: a.event, op: undo ? 'compensation' : 'action', t0: t, t1: t + 2e6,
          ok: !/Failed/.test(a.event) });
        saga.state = a.state;
        saga.t1 = t;
        break;
      }
      case 'saga.state_changed': {
        const saga = run.sagas.get(where);
        if (saga) { saga.state = a.state; saga.t1 = t; }
        break;
      }
      default:
        break;
    }
  }

  function mark(from, to, kind, t) {
    if (run.marks.length < 2000) run.marks.push({ from, to, kind, t });
  }

  // ---- Drawing ---------------------------------------------------------------------
  const linksCanvas = $('links');
  const context = linksCanvas.getContext('2d');
  const centre = (name) => ({ x: NODES[name].x + NODE_W / 2, y: NODES[name].y + NODE_H / 2 });

  // The nodes and the breaker badge are DOM elements: text a screen reader (or a test) can read.
  const nodeElements = {};
  for (const [name, at] of Object.entries(NODES)) {
    const element = document.createElement('div');
    element.className = 'node';
    element.style.left = `${at.x}px`;
    element.style.top = `${at.y}px`;
    element.setAttribute('role', 'group');
    element.setAttribute('aria-label', name);
    element.innerHTML = `<strong>${name}</strong><span class="detail"></span>`;
    $('nodes').append(element);
    nodeElements[name] = element;
  }
  const badge = document.createElement('div');
  badge.className = 'badge NONE';
  badge.setAttribute('role', 'status');
  badge.setAttribute('aria-label', 'Breaker from order to inventory');
  badge.dataset.testid = 'breaker-order-inventory';
  const mid = { x: (centre('order').x + centre('inventory').x) / 2, y: (centre('order').y + centre('inventory').y) / 2 };
  badge.style.left = `${mid.x - 30}px`;
  badge.style.top = `${mid.y - 10}px`;
  $('nodes').append(badge);

  $('legend').innerHTML = Object.entries({ request: 'request', reply: 'reply', event: 'event',
    compensation: 'compensation', rejected: 'rejected by the breaker', dead: 'dead-lettered', dropped: 'lost or dropped' })
    .map(([kind, label]) => `<span><i style="background:${COLOURS[kind]}"></i>${label}</span>`).join('');

  function drawTopology(nowNs) {
    context.clearRect(0, 0, linksCanvas.width, linksCanvas.height);
    context.lineWidth = 2;
    for (const [a, b] of LINKS) {
      const p = centre(a);
      const q = centre(b);
      context.strokeStyle = '#2b3540';
      context.beginPath();
      context.moveTo(p.x, p.y);
      context.lineTo(q.x, q.y);
      context.stroke();
    }
    // Messages: a dot per message, where it is on its way at this virtual instant.
    let drawn = 0;
    for (const [id, m] of run.inFlight) {
      if (m.t1 < nowNs) { run.inFlight.delete(id); continue; }
      if (!NODES[m.from] || !NODES[m.to]) continue;
      const f = m.t1 === m.t0 ? 1 : Math.max(0, (nowNs - m.t0) / (m.t1 - m.t0));
      const p = centre(m.from);
      const q = centre(m.to);
      const followed = run.followed !== null && m.subject === run.followed;
      context.fillStyle = COLOURS[m.kind] || '#fff';
      context.beginPath();
      context.arc(p.x + (q.x - p.x) * f, p.y + (q.y - p.y) * f, followed ? 7 : 4, 0, 2 * Math.PI);
      context.fill();
      if (followed) { context.strokeStyle = '#fff'; context.stroke(); }
      drawn++;
    }
    perf.maxInFlight = Math.max(perf.maxInFlight, drawn);
    // Marks fade over half a virtual second.
    run.marks = run.marks.filter((m) => nowNs - m.t < 5e8);
    for (const m of run.marks) {
      const p = centre(m.from);
      const q = centre(m.to);
      context.globalAlpha = 1 - (nowNs - m.t) / 5e8;
      context.fillStyle = COLOURS[m.kind];
      context.beginPath();
      context.arc(p.x + (q.x - p.x) * 0.25, p.y + (q.y - p.y) * 0.25, 6, 0, 2 * Math.PI);
      context.fill();
      context.globalAlpha = 1;
    }
  }

  function updateNodes() {
    if (run.live) return updateLiveNodes();
    const s = run.stats;
    if (!s) return;
    for (const name of SERVICES) {
      const service = s.services[name];
      const element = nodeElements[name];
      element.classList.toggle('down', !service.up);
      let detail = service.up ? `${service.in_progress} busy, ${service.queued} queued` : 'DOWN';
      if (service.up && service.added_latency_ms > 0) detail += ` · +${service.added_latency_ms} ms`;
      if (service.up && service.error_rate > 0) detail += ` · ${Math.round(service.error_rate * 100)}% errors`;
      if (service.up && service.slowdown > 1) detail += ` · ${service.slowdown}× slower`;
      if (name === 'broker') {
        const q = s.queues.notifications;
        detail += ` · notifications: ${q.visible} queued, ${q.in_flight} in flight · DLQ ${s.queues.dlq.visible}`;
      }
      if (name === 'analytics') detail += ` · counted ${s.analytics.counted}${s.analytics.bug ? ' · BUG' : ''}`;
      element.querySelector('.detail').textContent = detail;
    }
    nodeElements.client.querySelector('.detail').textContent = `${s.orders.sent} orders sent`;
    badge.className = `badge ${run.breaker}`;
    badge.textContent = run.breaker;
    badge.setAttribute('aria-label', `Breaker from order to inventory: ${run.breaker}`);
    const o = s.orders;
    const counters = { sent: o.sent, 'sagas started': o.sagas_started, running: o.running, confirmed: o.confirmed,
      cancelled: o.cancelled, 'needs attention': o.needs_attention, 'rejected (no stock)': o.rejected_out_of_stock,
      fallbacks: s.stock_check ? s.stock_check.fallbacks : 0, 'dead-lettered': s.queues.notifications.dead_lettered };
    $('counters').innerHTML = Object.entries(counters).map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
    showQueues(s.queue_depths.map((q) => [q.name, `${q.visible} · ${q.in_flight}`]));
    for (const button of document.querySelectorAll('[data-service]')) {
      const up = s.services[button.dataset.service].up;
      button.textContent = `${up ? 'Kill' : 'Restart'} ${button.dataset.service}`;
    }
    $('event-count').textContent = String(s.events);
    $('digest').textContent = run.sim.digest();
  }

  // showQueues: [[queue, text]] as the queue list, its rows labelled for screen readers.
  function showQueues(rows) {
    $('queues').innerHTML = rows.map(([name, text]) =>
      `<dt>${name}</dt><dd aria-label="${name}: ${text.replace(' · ', ' queued, ')} in flight">${text}</dd>`).join('');
  }

  function drawChart(canvas, series, options) {
    const c = canvas.getContext('2d');
    c.clearRect(0, 0, canvas.width, canvas.height);
    const n = 60;
    const w = canvas.width / n;
    if (options.band) {
      options.band.forEach((state, k) => {
        c.fillStyle = { OPEN: '#ff4d5e', HALF_OPEN: '#ffd166', CLOSED: '#1f3b2e' }[state] || 'transparent';
        c.fillRect(k * w, canvas.height - 8, w, 8);
      });
    }
    const max = Math.max(1, ...series.flat().filter(Number.isFinite));
    series.forEach((values, s) => {
      c.strokeStyle = options.colours[s];
      c.beginPath();
      values.forEach((v, k) => {
        const y = canvas.height - 10 - (Number.isFinite(v) ? v : 0) / max * (canvas.height - 20);
        if (k === 0) c.moveTo(k * w, y); else c.lineTo(k * w, y);
      });
      c.stroke();
    });
    c.fillStyle = '#8b98a5';
    c.fillText(max.toFixed(max < 10 ? 1 : 0), 2, 10);
  }

  function percentile(values, p) {
    if (!values.length) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  }

  function drawCharts() {
    const now = Math.floor(nowNs() / 1e9);
    const keys = Array.from({ length: 60 }, (_, k) => now - 59 + k);
    const at = (key) => run.seconds.get(key);
    drawChart($('chart-rate'), [keys.map((k) => at(k)?.orders ?? 0), keys.map((k) => at(k)?.errors ?? 0)],
      { colours: ['#4aa3ff', '#ff4d5e'] });
    drawChart($('chart-latency'), [keys.map((k) => percentile(at(k)?.latencies ?? [], 0.5)),
      keys.map((k) => percentile(at(k)?.latencies ?? [], 0.99))], { colours: ['#3ccf8e', '#ffd166'] });
    drawChart($('chart-queue'), [keys.map((k) => at(k)?.queue ?? 0)],
      { colours: ['#b48cff'], band: keys.map((k) => at(k)?.breaker ?? 'NONE') });
  }

  function drawTimeline() {
    // Up to 10 sagas that compensated (or need a person) first, so they are not lost
    // among running ones; then those that moved last, 30 rows in all.
    const byActivity = [...run.sagas.values()].sort((a, b) => b.t1 - a.t1);
    const undone = new Set(['COMPENSATING', 'COMPENSATED', 'FAILED_NEEDS_ATTENTION']);
    const first = byActivity.filter((s) => undone.has(s.state)).slice(0, 10);
    const sagas = first.concat(byActivity.filter((s) => !first.includes(s)).slice(0, 30 - first.length));
    if (run.followed && !sagas.some((s) => s.id === run.followed) && run.sagas.has(run.followed)) {
      sagas.unshift(run.sagas.get(run.followed));
    }
    const now = nowNs();
    $('timeline').innerHTML = sagas.map((saga) => {
      const span = Math.max(1, (saga.state === 'RUNNING' || saga.state === 'COMPENSATING' ? now : saga.t1) - saga.t0);
      const bars = saga.bars.map((b) => {
        const left = (b.t0 - saga.t0) / span * 100;
        const width = Math.max(1, ((b.t1 ?? now) - b.t0) / span * 100);
        const cls = b.op === 'compensation' ? 'compensation' : (b.ok === false ? 'failed' : 'action');
        return `<span class="bar ${cls}" title="${b.step} ${b.op}" style="left:${left}%;width:${width}%"></span>`;
      }).join('');
      const ms = ((saga.t1 - saga.t0) / 1e6).toFixed(0);
      return `<div class="saga${saga.id === run.followed ? ' followed' : ''}" role="button" tabindex="0" ` +
        `data-saga="${saga.id}" aria-label="Follow saga ${saga.id}, ${saga.state}">` +
        `<span>${saga.id}</span><span class="bars">${bars}</span>` +
        `<span class="state-${saga.state}">${saga.state} · ${ms} ms</span></div>`;
    }).join('');
  }

  function render(everything) {
    if (!run.sim && !run.live) return;
    const now = nowNs();
    $('clock').textContent = run.live ? `live · ${(now / 1e9).toFixed(1)} s` : `${(now / 1e9).toFixed(3)} s`;
    drawTopology(now);
    const real = performance.now();
    if (everything || real - (run.lastSlowDraw || 0) > 250) {
      run.lastSlowDraw = real;
      updateNodes();
      drawCharts();
      drawTimeline();
    }
  }

  // ---- The loop ----------------------------------------------------------------------
  let lastFrame = null;
  function frame(timestamp) {
    const started = performance.now();
    if (run.playing && run.sim && !run.live && lastFrame !== null) {
      // At most a tenth of a second of real time per frame, so a stalled tab does not leap.
      const realMs = Math.min(100, timestamp - lastFrame);
      advanceTo(run.sim.nowMs() + realMs * run.speed);
    }
    lastFrame = timestamp;
    render(false);
    perf.frameTimes.push(performance.now() - started);
    if (perf.frameTimes.length > 600) perf.frameTimes.shift();
    requestAnimationFrame(frame);
  }

  function play() { run.playing = true; }
  function pause() { run.playing = false; }

  // ---- Controls ------------------------------------------------------------------------
  $('play').onclick = play;
  $('pause').onclick = pause;
  $('step').onclick = () => { pause(); stepOnce(); };
  $('speed').onchange = () => { run.speed = Number($('speed').value); };
  $('load').onclick = () => load({ name: $('scenario').value, seed: $('seed').value.trim() });
  $('scenario').onchange = () => load({ name: $('scenario').value, seed: '' });
  $('share').onclick = async () => {
    const url = shareUrl();
    history.replaceState(null, '', url);
    try { await navigator.clipboard.writeText(url); } catch (error) { /* no clipboard: the address bar has it */ }
    $('share').textContent = 'Link in the address bar';
    setTimeout(() => { $('share').textContent = 'Share'; }, 2000);
  };
  $('timeline').onclick = (event) => {
    const row = event.target.closest('[data-saga]');
    if (!row) return;
    run.followed = run.followed === row.dataset.saga ? null : row.dataset.saga;
    render(true);
  };
  $('timeline').onkeydown = (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); $('timeline').onclick(event); }
  };

  function inject(fault) {
    if (!run.sim) return;
    const atNs = run.sim.nowNs();
    try {
      run.sim.inject(JSON.stringify(fault));
    } catch (error) {
      showError(error.message);
      return;
    }
    run.faults.push({ at_ns: atNs, ...fault });
    drainEvents();
    readStats();
    render(true);
  }

  // configure: new stock-check settings from now on; kept for the share link like a fault.
  // An Istio DestinationRule pasted instead ("kind": "DestinationRule") sets the breaker
  // from its outlierDetection.
  function configure(settings) {
    if (!run.sim) return false;
    const atNs = run.sim.nowNs();
    try {
      if (settings.kind === 'DestinationRule') run.sim.configureFromDestinationRule(JSON.stringify(settings));
      else run.sim.configure(JSON.stringify(settings));
    } catch (error) {
      showError(error.message);
      return false;
    }
    showError('');
    run.faults.push({ at_ns: atNs, configure: settings });
    readStats();
    render(true);
    return true;
  }
  $('apply-settings').onclick = () => {
    let settings;
    try {
      settings = JSON.parse($('settings').value);
    } catch (error) {
      return showError(`Stock-check settings: malformed JSON: ${error.message}`);
    }
    configure(settings);
  };

  for (const service of SERVICES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.service = service;
    button.textContent = `Kill ${service}`;
    button.onclick = () => {
      const up = run.stats.services[service].up;
      inject({ action: up ? 'crash' : 'restart', target: service });
    };
    $('fault-buttons').append(button);
  }
  for (const [label, fault] of FAULTS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.onclick = () => inject(fault);
    $('fault-buttons').append(button);
  }

  // "Run to" a virtual time, exactly: for comparing runs, and for tests.
  const runTo = document.createElement('span');
  runTo.innerHTML = '<label>Run to <input id="run-to" aria-label="Run to time (seconds)" size="5" value="30"> s</label> ' +
    '<button id="run-to-button" type="button">Run to</button>';
  document.querySelector('.controls').append(runTo);
  $('run-to-button').onclick = () => {
    const seconds = Number($('run-to').value);
    if (!Number.isFinite(seconds) || seconds < 0) return showError('Run to: a number of seconds');
    pause();
    advanceTo(seconds * 1000);
    readStats();
    render(true);
  };

  // ---- Live mode -------------------------------------------------------------------------
  // The real services of //native:stack, read from each one's GET /events (Server-Sent
  // Events in the one event model the simulation reports too), drawn with the same
  // views on real time. Each service answers only pages from the origin it was started
  // with (--playground_origin).
  const STOCK_BREAKER = 'inventory-grpc';  // the order service's stock check, as the simulation's badge
  const STEP_NODES = { reserve_stock: 'inventory', charge_payment: 'payment' };
  const LIVE_MESSAGE_NS = 4e8;  // how long a live message takes to cross its link on screen
  const SIM_CONTROLS = ['scenario', 'seed', 'load', 'play', 'pause', 'step', 'speed', 'share', 'run-to', 'run-to-button'];
  const liveBadges = new Map();  // "service/breaker" -> element

  // parseLiveServices: "order=127.0.0.1:3001 broker=..." -> [[name, "host:port"]], or throws.
  function parseLiveServices(text) {
    const services = [];
    for (const token of text.trim().split(/\s+/).filter(Boolean)) {
      const match = token.match(/^([a-z]+)=([A-Za-z0-9.-]+:\d{1,5})$/);
      if (!match || !SERVICES.includes(match[1])) {
        throw new Error(`Live services: "${token}" is not name=host:port with a name among ${SERVICES.join(', ')}`);
      }
      services.push([match[1], match[2]]);
    }
    if (!services.length) throw new Error('Live services: name at least one, as name=host:port');
    return services;
  }

  function liveStockBreaker() {
    return run.live.breakers.get(`order/${STOCK_BREAKER}`) || 'NONE';
  }

  function attachLive(text) {
    let services;
    try {
      services = parseLiveServices(text);
    } catch (error) {
      showError(error.message);
      return false;
    }
    showError('');
    detachLive();
    pause();
    Object.assign(run, { inFlight: new Map(), marks: [], sagas: new Map(), followed: null, seconds: new Map() });
    const live = {
      t0: performance.now(), services: new Map(), breakers: new Map(), depth: new Map(), nextId: 0,
      totals: { started: 0, completed: 0, compensated: 0, attention: 0, deadLettered: 0 },
    };
    run.live = live;
    for (const [name, address] of services) {
      const service = { address, state: 'connecting', events: 0, source: new EventSource(`http://${address}/events`) };
      live.services.set(name, service);
      service.source.onopen = () => { service.state = 'up'; };
      // EventSource reconnects by itself (with Last-Event-ID) unless the answer was
      // refused outright: no CORS header for this page's origin, or no /events at all.
      service.source.onerror = () => {
        service.state = service.source.readyState === EventSource.CLOSED ? 'refused' : 'down';
      };
      service.source.onmessage = (message) => {
        if (run.live !== live) return;
        service.events++;
        onLiveEvent(name, JSON.parse(message.data));
      };
    }
    document.body.classList.add('live');
    for (const id of SIM_CONTROLS) $(id).disabled = true;
    $('attach').textContent = 'Attach again';
    $('detach').disabled = false;
    badge.hidden = true;
    $('description').textContent = `Live: ${services.map(([n, a]) => `${n} at ${a}`).join(', ')}.`;
    render(true);
    return true;
  }

  function detachLive() {
    if (!run.live) return;
    for (const service of run.live.services.values()) service.source.close();
    run.live = null;
    for (const element of liveBadges.values()) element.remove();
    liveBadges.clear();
    document.body.classList.remove('live');
    for (const id of SIM_CONTROLS) $(id).disabled = false;
    $('attach').textContent = 'Attach to the live stack';
    $('detach').disabled = true;
    badge.hidden = false;
  }

  function liveMessage(from, to, kind, subject, t) {
    if (!NODES[from] || !NODES[to] || from === to || run.inFlight.size >= MAX_IN_FLIGHT_DRAWN) return;
    run.inFlight.set(`live-${run.live.nextId++}`, { from, to, kind, t0: t, t1: t + LIVE_MESSAGE_NS, subject });
  }

  // QUEUE_MOVES: how each queue event moves one message between visible and in flight.
  const QUEUE_MOVES = {
    'queue.sent': [1, 0], 'queue.delivered': [-1, 1], 'queue.visible_again': [1, -1], 'queue.deleted': [0, -1],
    'queue.expired': [-1, 0], 'queue.dead_lettered': [-1, 0],
  };

  // countQueue: a queue's depth as counted since attaching (what it held before is not
  // known, so neither count goes below zero).
  function countQueue(queue, what, t) {
    const depth = run.live.depth.get(queue) || { visible: 0, inFlight: 0 };
    const [visible, inFlight] = QUEUE_MOVES[what];
    depth.visible = Math.max(0, depth.visible + visible);
    depth.inFlight = Math.max(0, depth.inFlight + inFlight);
    run.live.depth.set(queue, depth);
    if (queue === 'notification-events') {
      bucket(t).queue = Math.max(bucket(t).queue, depth.visible + depth.inFlight);
    }
  }

  function onLiveEvent(service, event) {
    const t = nowNs();
    const { what, where } = event;
    const a = event.attributes || {};
    const { live } = run;
    switch (what) {
      case 'breaker.state':  // the snapshot a fresh stream starts with
      case 'breaker.state_changed': {
        const state = what === 'breaker.state' ? a.state : a.to;
        live.breakers.set(`${service}/${where}`, state);
        if (where === STOCK_BREAKER) bucket(t).breaker = state;
        return;
      }
      case 'breaker.call_failed':
      case 'breaker.call_succeeded':
        if (where === STOCK_BREAKER) onEvent(t, what, where, a);
        else if (what === 'breaker.call_failed') bucket(t).errors++;
        return;
      case 'breaker.call_rejected':
        mark(service, where.split('-')[0], 'rejected', t);
        bucket(t).errors++;
        return;
      case 'saga.started':
        live.totals.started++;
        bucket(t).orders++;
        break;
      case 'saga.attempt_started': {
        const kind = a.operation === 'compensation' ? 'compensation' : 'request';
        liveMessage(service, STEP_NODES[a.step], kind, where, t);
        break;
      }
      case 'saga.attempt_succeeded':
      case 'saga.attempt_failed':
        liveMessage(STEP_NODES[a.step], service, 'reply', where, t);
        break;
      case 'saga.state_changed':
        if (a.state === 'COMPLETED') live.totals.completed++;
        if (a.state === 'COMPENSATED') live.totals.compensated++;
        if (a.state === 'FAILED_NEEDS_ATTENTION') live.totals.attention++;
        break;
      case 'broker.routed': {
        // Who published it: the routing key's first word (order.created, payment.charged, ...).
        const publisher = String(a.routing_key || '').split('.')[0];
        liveMessage(NODES[publisher] ? publisher : 'order', 'broker', 'event', null, t);
        return;
      }
      case 'queue.sent':
      case 'queue.visible_again':
      case 'queue.deleted':
      case 'queue.expired':
        countQueue(where, what, t);
        return;
      case 'queue.delivered':
        countQueue(where, what, t);
        // Queues are named for their consumer: notification-events, order-reactions, ...
        liveMessage('broker', where.split('-')[0], 'event', null, t);
        return;
      case 'queue.dead_lettered':
        countQueue(where, what, t);
        live.totals.deadLettered++;
        mark('broker', 'broker', 'dead', t);
        return;
      default:
        break;
    }
    onEvent(t, what, where, a);  // the saga timeline, as in the simulation
  }

  function liveBadge(key) {
    let element = liveBadges.get(key);
    if (element) return element;
    const [from, breaker] = key.split('/');
    const to = NODES[breaker.split('-')[0]] ? breaker.split('-')[0] : from;
    const p = centre(from);
    const q = centre(to);
    const sameLink = [...liveBadges.keys()].filter((k) => k.startsWith(`${from}/${to}`)).length;
    element = document.createElement('div');
    element.setAttribute('role', 'status');
    element.style.left = `${(p.x + q.x) / 2 - 50}px`;
    element.style.top = `${(p.y + q.y) / 2 - 10 + sameLink * 22}px`;
    $('nodes').append(element);
    liveBadges.set(key, element);
    return element;
  }

  function updateLiveNodes() {
    const { live } = run;
    for (const name of SERVICES) {
      const service = live.services.get(name);
      const element = nodeElements[name];
      const state = service ? service.state : 'not attached';
      element.classList.toggle('down', state !== 'up');
      let detail = {
        up: `live · ${service?.events} events`, connecting: 'connecting…', down: 'DOWN (reconnecting)',
        refused: 'refused: no /events for this origin', 'not attached': 'not attached',
      }[state];
      const notifications = live.depth.get('notification-events');
      if (name === 'broker' && state === 'up' && notifications) detail += ` · notifications: ${notifications.visible} queued`;
      element.querySelector('.detail').textContent = detail;
    }
    nodeElements.client.querySelector('.detail').textContent = `${live.totals.started} sagas started`;
    for (const [key, state] of live.breakers) {
      const element = liveBadge(key);
      const [from, breaker] = key.split('/');
      element.className = `badge ${state}`;
      element.textContent = `${breaker}: ${state}`;
      element.setAttribute('aria-label', `Breaker from ${from} to ${breaker}: ${state}`);
    }
    const running = [...run.sagas.values()].filter((saga) => saga.state === 'RUNNING' || saga.state === 'COMPENSATING');
    const counters = { 'sagas started': live.totals.started, running: running.length, completed: live.totals.completed,
      compensated: live.totals.compensated, 'needs attention': live.totals.attention,
      'dead-lettered': live.totals.deadLettered };
    $('counters').innerHTML = Object.entries(counters).map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('');
    showQueues([...live.depth].map(([name, depth]) => [name, `${depth.visible} · ${depth.inFlight}`]));
    $('event-count').textContent = String([...live.services.values()].reduce((n, s) => n + s.events, 0));
    $('digest').textContent = 'live';
  }

  $('attach').onclick = () => attachLive($('live-services').value);
  $('detach').onclick = () => {
    detachLive();
    $('description').textContent = '';
    load({ name: $('scenario').value, seed: $('seed').value.trim() });
  };

  // ---- Start -----------------------------------------------------------------------------
  const params = new URLSearchParams(location.search);
  let faults = [];
  try {
    if (params.get('faults')) faults = JSON.parse(fromBase64url(params.get('faults')));
    const custom = params.get('scenario_json');
    await load({
      name: params.get('scenario') || scenarios[0].name,
      seed: params.get('seed') || '',
      faults,
      scenarioText: custom ? fromBase64url(custom) : null,
    });
  } catch (error) {
    showError(`The link could not be read: ${error.message}`);
    await load({ name: scenarios[0].name, seed: '' });
  }
  run.speed = Number($('speed').value);
  if (params.get('live') !== null) {
    if (params.get('live')) $('live-services').value = params.get('live');
    $('live-panel').open = true;
    attachLive($('live-services').value);
  }
  requestAnimationFrame(frame);
  window.playgroundReady = true;
})();
