/**
 * `tsvisor boot --web`: the live web view. Access rules over plain HTTP and WebSocket (the token, POST only), then
 * the page in a real browser: Debian's Chromium driven by puppeteer-core, with the default board's two guests and
 * Debian's U-Boot in a third guest to type into. The browser test is skipped without Chromium or U-Boot, except in
 * CI, which installs both (.ci/run). Its screenshot is kept in test-artifacts/web-view.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ROOT, tsvisor } from '../support/cli.js';
import { webBoot, type WebBoot } from '../support/web-boot.js';

const CHROMIUM = '/usr/bin/chromium';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const haveBrowserTest = existsSync(CHROMIUM) && existsSync(UBOOT);
if (!haveBrowserTest && process.env.CI) throw new Error('chromium or u-boot-qemu is missing (CI installs them: .ci/run)');

const BOARD = join(ROOT, 'boards/default.dts');
const ARTIFACTS = join(ROOT, 'test-artifacts');

/** What a WebSocket upgrade to `url` gets: the HTTP status of a refusal, or 101 and the first message. */
function upgrade(url: string): Promise<{ status: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); ws.terminate(); });
    ws.on('message', (data: Buffer) => { resolve({ status: 101, first: data.toString('utf8') }); ws.close(); });
    ws.on('error', (e) => reject(e));
  });
}

/** Open the WebSocket, send `messages` once the page's first update came, and gather replies until `until` holds. */
function exchange(url: string, messages: readonly object[], until: (replies: { type: string }[]) => boolean): Promise<{ type: string }[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const replies: { type: string }[] = [];
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no answer: ${JSON.stringify(replies.map((r) => r.type))}`)); }, 30_000);
    ws.on('open', () => { for (const m of messages) ws.send(JSON.stringify(m)); ws.send('not json'); });
    ws.on('message', (data: Buffer) => {
      replies.push(JSON.parse(data.toString('utf8')) as { type: string });
      if (until(replies)) { clearTimeout(timer); ws.close(); resolve(replies); }
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

describe('tsvisor boot --web: access', () => {
  let web: WebBoot;
  beforeAll(async () => { web = await webBoot(BOARD); });
  afterAll(async () => { await web?.stop(); });

  it('binds to loopback and prints a URL with a random token', () => {
    expect(web.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(web.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('refuses the page, operations and the WebSocket without the token (403), and operations by GET (405)', async () => {
    expect((await fetch(`${web.base}/`)).status).toBe(403);
    expect((await fetch(`${web.base}/?token=wrong`)).status).toBe(403);
    expect((await fetch(web.url)).status).toBe(200);
    expect((await fetch(`${web.base}/assets/xterm.js`)).status).toBe(200); // static files need no token
    const op = `${web.base}/api/guest/guest0/pause`;
    expect((await fetch(op, { method: 'POST' })).status).toBe(403);
    expect((await fetch(op, { method: 'POST', headers: { 'X-Tsvisor-Token': 'x'.repeat(22) } })).status).toBe(403);
    expect((await fetch(`${op}?token=${web.token}`)).status).toBe(405);
    expect((await upgrade(`${web.base.replace('http', 'ws')}/ws`)).status).toBe(403);
    expect((await upgrade(`${web.base.replace('http', 'ws')}/ws?token=nope`)).status).toBe(403);
    // None of that reached the shell.
    expect(web.output()).not.toContain('[web]');
  });

  it('runs an operation by POST with the token, through the shell, and streams over the WebSocket', async () => {
    const r = await fetch(`${web.base}/api/guest/guest0/pause`, { method: 'POST', headers: { 'X-Tsvisor-Token': web.token } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, lines: ['guest0: Paused'] });
    await web.waitFor(/\[web\] guest pause guest0\nguest0: Paused\n/);
    const bad = await fetch(`${web.base}/api/guest/guest0;shutdown/kick`, { method: 'POST', headers: { 'X-Tsvisor-Token': web.token } });
    expect(bad.status).toBe(400);
    const notUtf8 = await fetch(`${web.base}/api/guest/%E0%A4%A/kick`, { method: 'POST', headers: { 'X-Tsvisor-Token': web.token } });
    expect(notUtf8.status).toBe(400);
    expect((await fetch(`${web.base}/api/guest/guest0/reboot`, { method: 'POST', headers: { 'X-Tsvisor-Token': web.token } })).status).toBe(404);
    expect((await fetch(`${web.base}/nowhere`)).status).toBe(404);
    const ws = await upgrade(`${web.base.replace('http', 'ws')}/ws?token=${web.token}`);
    expect(ws.status).toBe(101);
    expect(JSON.parse(ws.first!)).toMatchObject({ type: 'host', host: { cpus: [{ hartId: 0 }, { hartId: 1 }, { hartId: 2 }, { hartId: 3 }] } });
  });

  it('takes operations and keys over the authenticated WebSocket, and answers bad messages with an error', async () => {
    const replies = await exchange(`${web.base.replace('http', 'ws')}/ws?token=${web.token}`, [
      { type: 'op', id: 7, op: 'resume', guest: 'guest0' },
      { type: 'op', id: 8, op: 'shutdown', guest: 'guest0' },
      { type: 'input', vserial: 'guest9/uart0', data: 'x' },
    ], (r) => r.filter((m) => m.type === 'error').length >= 3 && r.some((m) => m.type === 'result'));
    expect(replies).toContainEqual({ type: 'result', id: 7, ok: true, lines: ['guest0: Resumed'] });
    expect(replies).toContainEqual({ type: 'error', message: 'op must be one of kick, pause, resume, reset, halt, destroy' });
    expect(replies).toContainEqual({ type: 'error', message: 'no vserial guest9/uart0' });
    expect(replies).toContainEqual({ type: 'error', message: 'not JSON' });
    expect(replies.find((m) => m.type === 'state')).toMatchObject({ state: { guests: [{ name: 'guest0', vserials: ['guest0/uart0', 'guest0/sbi'] }, { name: 'guest1' }] } });
    await web.waitFor(/\[web\] guest resume guest0\nguest0: Resumed\n/);
  });

  it('refuses a --web that is not [HOST:]PORT, and a port it cannot take, with status 2', async () => {
    const r = await tsvisor(['boot', BOARD, '--web', 'nope'], '', 60_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--web: "nope" is not a port');
    const taken = await tsvisor(['boot', BOARD, '--web', web.base.split(':').pop()!], '', 60_000);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/--web: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});

describe.skipIf(!haveBrowserTest)('tsvisor boot --web in Chromium', () => {
  let web: WebBoot | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  // Page-side checks are written as expressions (the tests are type-checked without the DOM's types).
  /** Wait until the page's terminal for `vserial` shows a line matching `pattern`. */
  const consoleShows = (page: Page, vserial: string, pattern: RegExp): Promise<unknown> =>
    page.waitForFunction(`new RegExp(${JSON.stringify(pattern.source)}, 'm').test(window.tsvisorView.text(${JSON.stringify(vserial)}))`,
      { timeout: 90_000, polling: 100 });
  /** Wait until a VCPU's state on the page matches. */
  const stateIs = (page: Page, vcpu: string, pattern: RegExp): Promise<unknown> =>
    page.waitForFunction(`new RegExp(${JSON.stringify(pattern.source)}).test(document.querySelector(${JSON.stringify(`[data-vcpu="${vcpu}"] .state`)})?.textContent ?? '')`,
      { timeout: 30_000, polling: 50 });

  it('shows the host, the guests and their consoles live; types into U-Boot; pauses and resumes a guest', async () => {
    web = await webBoot(BOARD);
    // A third guest that reads its console: Debian's U-Boot, loaded as `vfs guest_load` loads any image.
    for (const line of ['vfs guest_fdt_load guest2 ../guests/dts/basic.dts 1', 'guest create guest2',
      `vfs guest_load guest2 0x80200000 ${UBOOT}`, 'guest kick guest2']) web.command(line);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true, protocolTimeout: 120_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage();
    // Tall enough for every terminal: xterm.js does not redraw one that is out of view, and the screenshot is full page.
    await page.setViewport({ width: 1400, height: 1700 });
    await page.goto(web.url, { timeout: 60_000 });

    // Both default guests print through their UARTs; the page replays what they printed before it connected.
    await consoleShows(page, 'guest0/uart0', /hello through the ns16550a UART/);
    await consoleShows(page, 'guest1/uart0', /line 3 of 3/);
    await consoleShows(page, 'guest0/sbi', /PASS uart/);
    expect(await page.$$eval('#cpus .cpu', (cpus) => cpus.length)).toBe(4);
    // Their shutdowns happened before the page connected: it is told the recent events.
    await page.waitForFunction(`document.getElementById('events').textContent.includes('guest1: Shutdown (SBI SRST shutdown, no reason)')`, { timeout: 30_000 });
    expect(await page.$$eval('#legend span', (s) => s.map((e) => e.textContent))).toEqual(expect.arrayContaining(['guest0', 'guest1', 'host tasks']));

    // U-Boot gives up autobooting and waits at its prompt; what is typed in its terminal reaches it, and it answers.
    await consoleShows(page, 'guest2/uart0', /^=>\s*$/);
    await page.click('[data-vserial="guest2/uart0"] .xterm');
    await page.keyboard.type('echo typed-in-chromium', { delay: 5 });
    await page.keyboard.press('Enter');
    await consoleShows(page, 'guest2/uart0', /^=> echo typed-in-chromium\s*\ntyped-in-chromium\s*$/);

    // Pause and resume from the page's buttons: the shell runs them, the VCPU's state follows.
    await stateIs(page, 'guest2/vcpu0', /^(Ready|Running)$/);
    await page.click('[data-guest="guest2"] button[data-op="pause"]');
    await stateIs(page, 'guest2/vcpu0', /^Paused$/);
    await page.waitForFunction(`document.getElementById('op-status').textContent === 'guest2: Paused'`, { timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'web-view.png'), fullPage: true });
    await page.click('[data-guest="guest2"] button[data-op="resume"]');
    await stateIs(page, 'guest2/vcpu0', /^(Ready|Running)$/);

    // The timeline has drawn runs of the guests (U-Boot keeps running).
    expect(await page.evaluate(`window.tsvisorView.timelineRuns()`)).toBeGreaterThan(0);
    expect(web.output()).toMatch(/\[web\] guest pause guest2\nguest2: Paused\n/);
    expect(web.output()).toMatch(/\[web\] guest resume guest2\nguest2: Resumed\n/);
    await browser.close();
    browser = undefined;
    expect(await web.stop()).toBe(0);
  }, 180_000);
});
