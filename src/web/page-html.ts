/** The page of the web view: its panels are filled by view.js from the WebSocket. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tsvisor</title>
<link rel="stylesheet" href="/assets/xterm.css">
<link rel="stylesheet" href="/assets/view.css">
</head>
<body>
<header>
  <h1>tsvisor</h1>
  <span id="banner"></span>
  <span id="clock" title="virtual time"></span>
  <span id="conn" class="down">connecting</span>
</header>
<main>
  <section id="host-panel">
    <h2>Host CPUs</h2>
    <div id="cpus"></div>
  </section>
  <section id="guests-panel">
    <h2>Guests</h2>
    <div id="guests"></div>
    <pre id="op-status" aria-live="polite"></pre>
  </section>
  <section id="timeline-panel">
    <h2>Scheduler <small id="timeline-range"></small></h2>
    <canvas id="timeline" height="40"></canvas>
    <div id="legend"></div>
  </section>
  <section id="consoles-panel">
    <h2>Consoles</h2>
    <div id="consoles"></div>
  </section>
  <section id="events-panel">
    <h2>Events</h2>
    <pre id="events"></pre>
  </section>
</main>
<script src="/assets/xterm.js"></script>
<script src="/assets/view.js"></script>
</body>
</html>
`;
