/**
 * A run under GDB: the stub listens on TCP (one debugger at a time, as QEMU's -gdb), and the run advances step by
 * step with the event loop free in between, so that packets and Ctrl-C are served while the guest runs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { RunImageResult, RunSession } from '../run-image.js';
import { GdbStub } from './stub.js';
import type { Endpoint } from '../endpoint.js';

export interface GdbRunOptions extends Endpoint {
  /** Hold the guest before its first instruction until GDB continues it (QEMU's -S). */
  readonly wait: boolean;
  /** Called once the stub listens, with the address GDB should connect to. */
  readonly listening?: (address: string) => void;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Run `session` to its end with a GDB stub attached to its guest; throws when the port cannot be listened on. */
export async function runUnderGdb(session: RunSession, o: GdbRunOptions): Promise<RunImageResult> {
  const guest = session.guest;
  const stub = new GdbStub({
    vcpus: guest.vcpus,
    wake: (i) => guest.wake(i),
    interrupt: () => session.scheduler.interrupt(),
    kill: () => session.stop('the debugger ended the run (kill)'),
  }, o.wait);
  guest.debugger = stub;
  let client: Socket | undefined;
  const server = createServer((socket) => {
    if (client) { socket.destroy(); return; } // one debugger at a time
    client = socket;
    socket.setNoDelay(true);
    stub.connect((bytes) => { if (!socket.destroyed) socket.write(bytes); });
    socket.on('data', (bytes) => stub.receive(bytes));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (client !== socket) return;
      client = undefined;
      stub.disconnect();
    });
  });
  try {
    await listen(server, o.host, o.port);
  } catch (e) {
    throw new Error(`gdb: cannot listen on ${o.host}:${o.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const address = server.address();
  o.listening?.(typeof address === 'object' && address ? `${o.host}:${address.port}` : `${o.host}:${o.port}`);
  try {
    for (;;) {
      await stub.untilRunning();
      if (!session.advance()) break;
      // Let packets in (Ctrl-C, a new connection) between steps of virtual time.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    guest.debugger = undefined;
    for (const v of guest.vcpus) v.hart.debug = undefined;
  }
  const result = session.result();
  stub.exited(result.status);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // GDB closes its side once it has the exit reply; one that does not is cut off.
    const c = client;
    c?.end();
    if (c) setTimeout(() => c.destroy(), 1000).unref();
  });
  return result;
}
