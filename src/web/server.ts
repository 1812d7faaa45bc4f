/**
 * `tsvisor boot --web`: an HTTP server with one page and a WebSocket that shows the running hypervisor live (host
 * CPUs, guests and VCPUs, consoles, the scheduler timeline) and lets the page type into consoles and run guest
 * operations through the management shell. The boot loop calls `output` for console bytes and `afterStep` after
 * each step of the guests; the server answers between steps, when the event loop is free.
 *
 * Access: the page, the WebSocket and every operation need the random token of the printed URL (403 otherwise);
 * operations are POST (or WebSocket) only, so a link or an image cannot trigger one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Hypervisor } from '../vmm/hypervisor.js';
import type { Shell } from '../vmm/shell.js';
import type { Endpoint } from '../vmm/endpoint.js';
import { newToken, tokenMatches, tokenOf } from './access.js';
import { Clients } from './clients.js';
import { isGuestName, isGuestOp, parseClientMessage, type GuestOp, type ServerMessage } from './protocol.js';
import { staticFiles, type StaticFile } from './static-files.js';
import { Timeline } from './timeline.js';
import { TypedInput } from './typed-input.js';
import { GuestOrder, hostView, stateView } from './view-state.js';

/** Wall-clock ms between state and timeline updates while guests run (the page redraws at this rate). */
export const UPDATE_MS = 200;
/** Wall-clock ms console bytes are gathered before they are sent. */
const CONSOLE_MS = 20;
/** Events (halts, shutdowns) a page that connects is shown from before. */
const RECENT_EVENTS = 100;
/** Largest WebSocket message accepted from a page. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface WebViewOptions {
  readonly hv: Hypervisor;
  readonly shell: Shell;
  readonly endpoint: Endpoint;
  /** The boot loop should look again now (a guest was kicked or resumed while nothing ran). */
  readonly wake: () => void;
  /** Text for the shell's transcript: what was done from the page. */
  readonly log: (text: string) => void;
  /** The scheduler's whole trace is written out at the end (--trace): copy its events instead of taking them. */
  readonly keepTrace: boolean;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page's URL: never send it on.
  'Referrer-Policy': 'no-referrer',
  // xterm.js sets element styles; everything else comes from this server.
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
};

/** Hosts only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The request's URL, or undefined when it is not one (an absolute form with a bad host). */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://tsvisor');
  } catch {
    return undefined;
  }
}

/** A path segment decoded, or undefined when its %-escapes are not UTF-8. */
function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export class WebView {
  readonly url: string;
  private readonly clients = new Clients();
  private readonly timeline = new Timeline();
  private readonly typed = new TypedInput();
  private readonly order = new GuestOrder();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly pendingConsole = new Map<string, Buffer[]>();
  private consoleTimer: NodeJS.Timeout | undefined;
  private updateTimer: NodeJS.Timeout | undefined;
  private lastUpdate = 0;
  private readonly recentEvents: string[] = [];

  private constructor(private readonly o: WebViewOptions, private readonly server: Server, private readonly token: string,
    private readonly files: Map<string, StaticFile>) {
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : o.endpoint.port;
    const host = o.endpoint.host.includes(':') ? `[${o.endpoint.host}]` : o.endpoint.host;
    this.url = `http://${host}:${port}/?token=${token}`;
    server.on('request', (req, res) => this.request(req, res));
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Listen on the endpoint (port 0: a free one); rejects with a readable error if that cannot be done. */
  static async start(o: WebViewOptions): Promise<WebView> {
    const files = staticFiles();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${o.endpoint.host}:${o.endpoint.port}: ${e.code ?? e.message}`, { cause: e })));
      server.listen(o.endpoint.port, o.endpoint.host, resolve);
    });
    server.on('error', () => {}); // after listening, errors belong to connections
    return new WebView(o, server, newToken(), files);
  }

  /** What boot prints on stderr at start: the URL, and a warning when others than this machine may reach it. */
  get notice(): string {
    const beyond = isLoopback(this.o.endpoint.host) ? '' : ' (not loopback: anyone who can reach it with the token can operate the guests)';
    return `web view at ${this.url}${beyond}`;
  }

  /** Console bytes from a guest (the hypervisor's output callback), sent to the pages shortly. */
  output(vserial: string, bytes: Uint8Array): void {
    if (this.clients.size === 0) return; // a page that connects later replays the console's history
    let list = this.pendingConsole.get(vserial);
    if (!list) this.pendingConsole.set(vserial, (list = []));
    list.push(Buffer.from(bytes));
    this.consoleTimer ??= setTimeout(() => this.flushConsole(), CONSOLE_MS);
  }

  /** After each step of the guests: typed keys go in, the timeline takes the new runs, the pages hear of it. */
  afterStep(events: readonly string[]): void {
    const hv = this.o.hv;
    this.typed.flush((vserial, byte) => this.guestOf(vserial)?.instance.input(vserial, byte) ?? false);
    this.timeline.take(hv.scheduler.trace, this.o.keepTrace, hv.scheduler.now());
    if (events.length) {
      this.recentEvents.push(...events);
      this.recentEvents.splice(0, this.recentEvents.length - RECENT_EVENTS);
      this.clients.broadcast({ type: 'events', lines: events });
    }
    this.scheduleUpdate();
  }

  async close(): Promise<void> {
    clearTimeout(this.consoleTimer);
    clearTimeout(this.updateTimer);
    this.clients.closeAll();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private guestOf(vserial: string): ReturnType<Hypervisor['guests']['get']> {
    const g = this.o.hv.guests.get(vserial.slice(0, vserial.indexOf('/')));
    return g?.instance.vserials().includes(vserial) ? g : undefined;
  }

  private flushConsole(): void {
    this.consoleTimer = undefined;
    for (const [vserial, list] of this.pendingConsole) {
      this.clients.broadcast({ type: 'console', vserial, data: Buffer.concat(list).toString('base64') });
    }
    this.pendingConsole.clear();
  }

  /** State and timeline at most every UPDATE_MS; the last change is always sent. */
  private scheduleUpdate(): void {
    if (this.updateTimer || this.clients.size === 0) return;
    this.updateTimer = setTimeout(() => {
      this.updateTimer = undefined;
      this.update();
    }, Math.max(0, this.lastUpdate + UPDATE_MS - Date.now()));
  }

  private update(): void {
    this.lastUpdate = Date.now();
    this.clients.broadcast({ type: 'state', state: stateView(this.o.hv, this.order) });
    this.clients.broadcast({ type: 'timeline', timeline: this.timeline.view(this.o.hv.scheduler.now()) });
  }

  /**
   * `guest <op> <guest>` through the management shell, as if typed (in parallel mode with the VCPUs stopped around
   * it, as the shell's own commands); the pages see the new state at once.
   */
  private async operate(op: GuestOp, guest: string): Promise<{ ok: boolean; lines: string[] }> {
    const cmd = `guest ${op} ${guest}`;
    const hv = this.o.hv;
    if (hv.engine) await hv.quiesce();
    const r = this.o.shell.execute(cmd);
    if (hv.engine) hv.release();
    this.o.log(`[web] ${cmd}\n${r.lines.map((l) => `${l}\n`).join('')}`);
    this.o.wake();
    this.update();
    return { ok: r.ok, lines: r.lines };
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    req.resume(); // no request body is read
    const reply = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...HEADERS, 'Content-Type': type, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = (status: number, body: string, extra: Record<string, string> = {}): void => reply(status, 'text/plain; charset=utf-8', `${body}\n`, extra);
    const url = requestUrl(req);
    if (!url) return text(400, 'not a URL');
    const op = /^\/api\/guest\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (op) {
      // Operations change the hypervisor: POST only (a GET can come from any link or <img>), and the token.
      if (req.method !== 'POST') return text(405, 'operations are POST only', { Allow: 'POST' });
      if (!tokenMatches(tokenOf(req, url), this.token)) return text(403, 'forbidden: the token of the URL tsvisor printed is needed');
      const [, segment = '', verb = ''] = op;
      const name = decodeSegment(segment);
      if (!isGuestOp(verb)) return text(404, `no operation ${verb}`);
      if (!isGuestName(name)) return text(400, 'not a guest name');
      void this.operate(verb, name).then((r) => reply(200, 'application/json', JSON.stringify(r)));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'GET only', { Allow: 'GET, HEAD' });
    if (url.pathname === '/') {
      if (!tokenMatches(tokenOf(req, url), this.token)) return text(403, 'forbidden: open the URL tsvisor printed, with its token');
      const page = this.files.get('index.html')!;
      return reply(200, page.type, page.body);
    }
    const asset = url.pathname.startsWith('/assets/') ? this.files.get(url.pathname.slice('/assets/'.length)) : undefined;
    if (asset && url.pathname !== '/assets/index.html') return reply(200, asset.type, asset.body);
    return text(404, 'not found');
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const url = requestUrl(req);
    if (url?.pathname !== '/ws' || !tokenMatches(tokenOf(req, url), this.token)) {
      const status = url?.pathname !== '/ws' ? '404 Not Found' : '403 Forbidden';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  /** A new page: everything it shows, the consoles' recent output first. */
  private connected(ws: WebSocket): void {
    this.flushConsole(); // bytes pending are in the history the new page replays; the others get them now
    this.clients.add(ws);
    const hv = this.o.hv;
    this.clients.send(ws, { type: 'host', host: hostView(hv) });
    const state = stateView(hv, this.order);
    this.clients.send(ws, { type: 'state', state });
    for (const g of state.guests) {
      for (const vserial of g.vserials) {
        const text = hv.consoleHistory(vserial);
        if (text) this.clients.send(ws, { type: 'console', vserial, data: Buffer.from(text, 'latin1').toString('base64'), replay: true });
      }
    }
    this.clients.send(ws, { type: 'timeline', timeline: this.timeline.view(hv.scheduler.now()) });
    if (this.recentEvents.length) this.clients.send(ws, { type: 'events', lines: this.recentEvents });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.clients.send(ws, { type: 'error', message: 'messages are JSON text' });
      this.message(ws, Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    });
  }

  private message(ws: WebSocket, text: string): void {
    const m = parseClientMessage(text);
    if (typeof m === 'string') return this.clients.send(ws, { type: 'error', message: m });
    if (m.type === 'op') {
      void this.operate(m.op, m.guest).then((r) => this.clients.send(ws, { type: 'result', id: m.id, ...r }));
      return;
    }
    if (!this.guestOf(m.vserial)) return this.clients.send(ws, { type: 'error', message: `no vserial ${m.vserial}` });
    if (!this.typed.push(m.vserial, Buffer.from(m.data, 'utf8'))) this.clients.send(ws, { type: 'error', message: `${m.vserial}: typing too fast, keys dropped` });
  }
}

export type { ServerMessage };
