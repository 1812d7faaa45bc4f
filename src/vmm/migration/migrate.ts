/**
 * Live migration of a run between two tsvisor processes, by pre-copy (as QEMU and Xen migrate): every page the
 * guest has written goes over while it keeps running; then, round after round, the pages it wrote meanwhile (the
 * write tracking of Bus.dirty, restarted each round); once a round is small enough (or stops shrinking) the guest
 * stops, the last pages and its whole state go over, and it runs on at the destination, which answers DONE. The
 * source keeps the guest until then: on any error it simply runs on.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { SavedState } from '../../state/saved-state.js';
import { message, MessageReader, MigrationError, Msg, PAGE, send } from './wire.js';

export interface MigrationFigures {
  /** Pre-copy rounds before the stop (the first sends every page written so far). */
  readonly rounds: number;
  readonly pagesSent: number;
  readonly bytesSent: number;
  readonly seconds: number;
  /** From the guest's stop at the source to the destination's DONE. */
  readonly downtimeSeconds: number;
  /** Pages sent while the guest was stopped. */
  readonly stopPages: number;
}

/** What migrates: a run (run.ts) or one guest of a hypervisor (the shell). */
export interface MigrationSource {
  /** What the destination needs to build the machine (JSON), checked there. */
  hello(): unknown;
  memory(): Uint8Array;
  /** Pages written since the last call (every page written since the guest was built, the first time). */
  takeWritten(): number[];
  /** Let the guest run a step while its RAM goes over; false when it ended meanwhile. */
  step(): Promise<boolean>;
  /** Stop the guest for the last copy. */
  stop(): void;
  /** The migration failed: the guest runs on here. */
  resume(): void;
  /** The guest's state once stopped. */
  state(): SavedState;
}

/** Where a migration lands. */
export interface MigrationSink {
  /** Build the (not yet running) machine from the source's hello; throw with a reason to refuse it. */
  begin(hello: unknown): void;
  memory(): Uint8Array;
  /** Pages written (set for each page received). */
  written(): Uint8Array;
  /** Take the state and run the guest; throw with a reason to refuse it. */
  adopt(state: SavedState): void;
}

/** Pages per PAGES message: the guest runs a step between two messages. */
const BATCH = 512;
/** A round this small is sent with the guest stopped (1 MiB: about a millisecond on loopback). */
const STOP_PAGES = 256;
const MAX_ROUNDS = 30;

function pagesMessage(memory: Uint8Array, pages: readonly number[]): Buffer {
  const out = Buffer.alloc(4 + pages.length * (4 + PAGE));
  out.writeUInt32LE(pages.length, 0);
  pages.forEach((p, i) => {
    const at = 4 + i * (4 + PAGE);
    out.writeUInt32LE(p, at);
    out.set(memory.subarray(p * PAGE, p * PAGE + PAGE), at + 4);
  });
  return message(Msg.Pages, out);
}

/**
 * Migrate the source's guest to the tsvisor listening at host:port. Resolves with the figures once the destination
 * runs the guest; rejects (after `resume`: the guest runs on here) if it cannot, or if the guest ends first.
 */
export async function migrateOut(source: MigrationSource, host: string, port: number): Promise<MigrationFigures> {
  const t0 = performance.now();
  let stopped = false;
  let socket: Socket | undefined;
  try {
    socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, host, () => resolve(s));
      s.once('error', (e) => reject(new MigrationError(`cannot reach ${host}:${port}: ${e.message}`)));
    });
    socket.setNoDelay(true);
    const sock = socket;
    const reader = new MessageReader(sock);
    let pagesSent = 0, bytesSent = 0, rounds = 0;
    const memory = source.memory();
    const out = async (m: Buffer): Promise<void> => { bytesSent += m.length; await send(sock, m); };
    await out(message(Msg.Hello, Buffer.from(JSON.stringify(source.hello()))));
    let pending = source.takeWritten();
    let best = Infinity, stale = 0;
    while (pending.length > STOP_PAGES && rounds < MAX_ROUNDS && stale < 3) {
      rounds++;
      for (let i = 0; i < pending.length; i += BATCH) {
        const batch = pending.slice(i, i + BATCH);
        await out(pagesMessage(memory, batch));
        pagesSent += batch.length;
        // The guest runs on while its RAM goes over; what it writes now is the next round's.
        if (!(await source.step())) throw new MigrationError('the guest ended during the migration');
      }
      pending = source.takeWritten();
      if (pending.length < best) { best = pending.length; stale = 0; } else stale++;
    }
    // Stop and copy: the guest does not run again here.
    const stop = performance.now();
    source.stop();
    stopped = true;
    pending = [...new Set([...pending, ...source.takeWritten()])];
    await out(pagesMessage(memory, pending));
    pagesSent += pending.length;
    await out(message(Msg.State, Buffer.from(JSON.stringify(source.state()))));
    const reply = await reader.next();
    if (reply.type === Msg.Error) throw new MigrationError(`the destination refused the guest: ${reply.payload.toString('utf8')}`);
    if (reply.type !== Msg.Done) throw new MigrationError(`unexpected reply ${reply.type} from the destination`);
    const end = performance.now();
    return { rounds, pagesSent, bytesSent, seconds: (end - t0) / 1000, downtimeSeconds: (end - stop) / 1000, stopPages: pending.length };
  } catch (e) {
    if (stopped) source.resume();
    throw e;
  } finally {
    socket?.end();
  }
}

/** Listen on host:port (`listening` is told the address); resolves with the first connection. */
export async function acceptOne(host: string, port: number, listening?: (address: string) => void): Promise<Socket> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new MigrationError(`cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  listening?.(`${host}:${typeof address === 'object' && address ? address.port : port}`);
  const socket = await new Promise<Socket>((resolve) => server.once('connection', resolve));
  server.close();
  return socket;
}

/** Receive one guest on `socket` into `sink`; resolves once it runs there (DONE sent), rejects (ERROR sent) if not. */
export async function migrateIn(socket: Socket, sink: MigrationSink): Promise<void> {
  const reader = new MessageReader(socket);
  const refuse = async (why: string): Promise<never> => {
    await send(socket, message(Msg.Error, Buffer.from(why))).catch(() => {});
    socket.end();
    throw new MigrationError(why);
  };
  let begun = false;
  for (;;) {
    const m = await reader.next();
    if (m.type === Msg.Hello && !begun) {
      let hello: unknown;
      try { hello = JSON.parse(m.payload.toString('utf8')); } catch { return refuse('a malformed HELLO'); }
      try { sink.begin(hello); } catch (e) { return refuse((e as Error).message); }
      begun = true;
    } else if (m.type === Msg.Pages && begun) {
      const memory = sink.memory(), written = sink.written();
      const count = m.payload.length >= 4 ? m.payload.readUInt32LE(0) : -1;
      if (m.payload.length !== 4 + count * (4 + PAGE)) return refuse('a malformed PAGES message');
      for (let i = 0; i < count; i++) {
        const at = 4 + i * (4 + PAGE);
        const p = m.payload.readUInt32LE(at);
        if ((p + 1) * PAGE > memory.length) return refuse(`page ${p} is outside the guest's memory`);
        memory.set(m.payload.subarray(at + 4, at + 4 + PAGE), p * PAGE);
        written[p] = 1;
      }
    } else if (m.type === Msg.State && begun) {
      let state: SavedState;
      try { state = JSON.parse(m.payload.toString('utf8')) as SavedState; } catch { return refuse('a malformed STATE'); }
      try { sink.adopt(state); } catch (e) { return refuse(`the guest's state: ${(e as Error).message}`); }
      await send(socket, message(Msg.Done, Buffer.alloc(0)));
      socket.end();
      return;
    } else {
      return refuse(`unexpected message ${m.type}`);
    }
  }
}
