/**
 * The page's script (browser JavaScript, served as /assets/view.js): it renders what the WebSocket sends (see
 * protocol.ts), one xterm.js terminal per vserial whose keys go back to the guest, the timeline on a canvas, and
 * buttons that POST guest operations with the token. `window.tsvisorView` lets tests read the terminals.
 * (Plain ES2020 in a raw string: no template literals inside, so nothing here is interpolated.)
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var OPS = ['kick', 'pause', 'resume', 'reset', 'halt', 'destroy'];
  var token = new URLSearchParams(location.search).get('token') || '';
  var host = null, state = null, timeline = null, stopped = false;
  var cards = new Map(), consoles = new Map();

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function colourOf(guest) {
    var g = state && state.guests.find(function (x) { return x.name === guest; });
    if (g) return g.colour;
    var l = state && state.legend.find(function (x) { return x[0] === guest; });
    return l ? l[1] : 'hsl(0, 0%, 70%)';
  }
  function guestOfTask(task) { var i = task.indexOf('/'); return i > 0 ? task.slice(0, i) : undefined; }
  function status(text) { $('op-status').textContent = text; }

  // The WebSocket: everything shown comes through it; it comes back after a drop.
  var ws;
  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws?token=' + encodeURIComponent(token));
    ws.onopen = function () { $('conn').textContent = 'live'; $('conn').className = ''; };
    ws.onclose = function (ev) {
      $('conn').className = 'down';
      stopped = ev.code === 1001;
      $('conn').textContent = stopped ? 'stopped' : 'reconnecting';
      if (!stopped) setTimeout(connect, 1000);
    };
    ws.onmessage = function (ev) { handle(JSON.parse(ev.data)); };
  }
  function send(m) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m)); }

  function handle(m) {
    if (m.type === 'host') { host = m.host; $('banner').textContent = host.banner; renderCpus(); }
    else if (m.type === 'state') { state = m.state; renderState(); }
    else if (m.type === 'timeline') { timeline = m.timeline; drawTimeline(); }
    else if (m.type === 'console') writeConsole(m.vserial, m.data, m.replay);
    else if (m.type === 'events') addEvents(m.lines);
    else if (m.type === 'result') status(m.lines.join('\n'));
    else if (m.type === 'error') status('error: ' + m.message);
  }

  function renderState() {
    $('clock').textContent = (state.now / 1e9).toFixed(3) + ' s';
    renderGuests();
    renderCpus();
    syncConsoles();
    renderLegend();
  }

  // Host CPUs by NUMA node and core, each with the VCPUs placed on it.
  function renderCpus() {
    if (!host) return;
    var placed = new Map();
    (state ? state.guests : []).forEach(function (g) {
      g.vcpus.forEach(function (v) {
        if (!placed.has(v.cpu)) placed.set(v.cpu, []);
        placed.get(v.cpu).push({ v: v, colour: g.colour });
      });
    });
    var root = $('cpus');
    root.textContent = '';
    var nodes = new Map();
    host.cpus.forEach(function (c) {
      var n = c.numaNode === null ? 'no NUMA node' : 'NUMA node ' + c.numaNode;
      if (!nodes.has(n)) nodes.set(n, new Map());
      var cores = nodes.get(n);
      if (!cores.has(c.core)) cores.set(c.core, []);
      cores.get(c.core).push(c);
    });
    nodes.forEach(function (cores, n) {
      var box = el('div', { class: 'numa' });
      box.appendChild(el('div', { class: 'label' }, n));
      var row = el('div', { class: 'cores' });
      cores.forEach(function (cpus, core) {
        var cb = el('div', { class: 'core' });
        cb.appendChild(el('div', { class: 'label' }, core.split('/').pop()));
        cpus.forEach(function (c) {
          var cpu = el('div', { class: 'cpu', 'data-cpu': String(c.hartId) });
          cpu.appendChild(el('b', {}, 'cpu ' + c.hartId));
          (placed.get(c.hartId) || []).forEach(function (p) {
            var s = el('span', { class: 'placed', title: p.v.state }, p.v.name);
            s.style.background = p.colour;
            if (p.v.state !== 'Running' && p.v.state !== 'Ready') s.style.opacity = '0.45';
            cpu.appendChild(s);
          });
          cb.appendChild(cpu);
        });
        row.appendChild(cb);
      });
      box.appendChild(row);
      root.appendChild(box);
    });
  }

  // A card per guest (kept, so its buttons stay put), with its VCPUs as vcpu list shows them.
  function renderGuests() {
    var names = new Set(state.guests.map(function (g) { return g.name; }));
    cards.forEach(function (c, name) { if (!names.has(name)) { c.card.remove(); cards.delete(name); } });
    state.guests.forEach(function (g) {
      var c = cards.get(g.name);
      if (!c) {
        var card = el('div', { class: 'guest', 'data-guest': g.name });
        var h = el('h3');
        h.appendChild(el('span', { class: 'name' }, g.name));
        OPS.forEach(function (op) {
          var b = el('button', { type: 'button', 'data-op': op }, op);
          b.addEventListener('click', function () { operate(op, g.name); });
          h.appendChild(b);
        });
        card.appendChild(h);
        var table = el('table');
        var head = el('tr');
        ['ID', 'Name', 'State', 'CPU', 'Prio', 'Affinity'].forEach(function (t) { head.appendChild(el('th', {}, t)); });
        table.appendChild(el('thead')).appendChild(head);
        var body = table.appendChild(el('tbody'));
        card.appendChild(table);
        $('guests').appendChild(card);
        c = { card: card, body: body };
        cards.set(g.name, c);
      }
      c.card.style.borderLeftColor = g.colour;
      c.body.textContent = '';
      g.vcpus.forEach(function (v) {
        var tr = el('tr', { 'data-vcpu': v.name });
        tr.appendChild(el('td', {}, String(v.id)));
        tr.appendChild(el('td', {}, v.name));
        tr.appendChild(el('td')).appendChild(el('span', { class: 'state state-' + v.state }, v.state));
        tr.appendChild(el('td', { class: 'cpu-of' }, String(v.cpu)));
        tr.appendChild(el('td', {}, String(v.priority)));
        tr.appendChild(el('td', {}, v.affinity));
        c.body.appendChild(tr);
      });
    });
  }

  function operate(op, guest) {
    if (op === 'destroy' && !confirm('Destroy ' + guest + '?')) return;
    status('guest ' + op + ' ' + guest + ' ...');
    fetch('/api/guest/' + encodeURIComponent(guest) + '/' + op, { method: 'POST', headers: { 'X-Tsvisor-Token': token } })
      .then(function (r) { return r.ok ? r.json() : r.text().then(function (t) { return { lines: [r.status + ' ' + t] }; }); })
      .then(function (r) { status(r.lines.join('\n')); })
      .catch(function (e) { status('error: ' + e.message); });
  }

  // One terminal per vserial; keys typed into it go to the guest.
  function ensureConsole(vserial) {
    var c = consoles.get(vserial);
    if (c) return c;
    var box = el('div', { class: 'console', 'data-vserial': vserial });
    var title = el('div', { class: 'title' });
    var swatch = title.appendChild(el('i'));
    swatch.style.setProperty('--c', colourOf(guestOfTask(vserial)));
    title.appendChild(document.createTextNode(vserial));
    box.appendChild(title);
    var div = box.appendChild(el('div', { class: 'term' }));
    $('consoles').appendChild(box);
    var term = new Terminal({ convertEol: true, rows: 12, cols: 80, fontSize: 12, scrollback: 2000, theme: { background: '#000000' } });
    term.open(div);
    term.onData(function (data) { send({ type: 'input', vserial: vserial, data: data }); });
    c = { box: box, term: term };
    consoles.set(vserial, c);
    return c;
  }
  function syncConsoles() {
    var wanted = new Set();
    state.guests.forEach(function (g) { g.vserials.forEach(function (v) { wanted.add(v); ensureConsole(v); }); });
    consoles.forEach(function (c, v) { if (!wanted.has(v)) { c.term.dispose(); c.box.remove(); consoles.delete(v); } });
  }
  function writeConsole(vserial, data, replay) {
    var c = ensureConsole(vserial);
    var bin = atob(data), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    if (replay) c.term.reset();
    c.term.write(bytes);
  }

  function addEvents(lines) {
    var pre = $('events');
    pre.textContent = (pre.textContent + lines.join('\n') + '\n').split('\n').slice(-200).join('\n');
    pre.scrollTop = pre.scrollHeight;
  }

  function renderLegend() {
    var root = $('legend');
    root.textContent = '';
    state.legend.forEach(function (l) {
      var s = root.appendChild(el('span', {}, l[0]));
      s.style.setProperty('--c', l[1]);
    });
  }

  // The last few hundred ms of the scheduler: a lane per host CPU, a box per run in its guest's colour.
  function drawTimeline() {
    if (!timeline || !host) return;
    var canvas = $('timeline'), dpr = window.devicePixelRatio || 1;
    var lanes = host.cpus.map(function (c) { return c.hartId; }).sort(function (a, b) { return a - b; });
    var left = 52, top = 18, lane = 22, w = canvas.clientWidth || 800, h = top + lane * lanes.length + 4;
    canvas.width = w * dpr; canvas.height = h * dpr; canvas.style.height = h + 'px';
    var g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, h);
    g.font = '11px sans-serif';
    g.fillStyle = '#8b949e';
    var span = Math.max(1, timeline.end - timeline.start), plot = w - left - 8;
    var x = function (t) { return left + (t - timeline.start) / span * plot; };
    g.fillText((timeline.start / 1e6).toFixed(0) + ' ms', left, 12);
    var endLabel = (timeline.end / 1e6).toFixed(0) + ' ms';
    g.fillText(endLabel, w - 8 - g.measureText(endLabel).width, 12);
    $('timeline-range').textContent = 'last ' + (span / 1e6).toFixed(0) + ' ms of virtual time';
    lanes.forEach(function (cpu, i) {
      g.fillStyle = '#8b949e';
      g.fillText('cpu ' + cpu, 6, top + i * lane + 15);
      g.fillStyle = '#1a1e24';
      g.fillRect(left, top + i * lane + 2, plot, lane - 5);
    });
    var hostColour = state && state.legend.length ? state.legend[state.legend.length - 1][1] : 'hsl(0, 0%, 70%)';
    timeline.runs.forEach(function (r) {
      var i = lanes.indexOf(r[0]);
      if (i < 0) return;
      var task = timeline.tasks[r[1]], guest = guestOfTask(task);
      g.fillStyle = guest === undefined ? hostColour : colourOf(guest);
      var x0 = x(r[2]);
      g.fillRect(x0, top + i * lane + 2, Math.max(0.5, x(r[3]) - x0), lane - 5);
    });
  }
  window.addEventListener('resize', drawTimeline);

  window.tsvisorView = {
    text: function (vserial) {
      var c = consoles.get(vserial);
      if (!c) return '';
      var b = c.term.buffer.active, lines = [];
      for (var i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
      return lines.join('\n');
    },
    state: function () { return state; },
    timelineRuns: function () { return timeline ? timeline.runs.length : 0; },
    focus: function (vserial) { var c = consoles.get(vserial); if (c) c.term.focus(); return !!c; },
  };
  connect();
})();
`;
