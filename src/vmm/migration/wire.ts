/**
 * The live-migration stream between two tsvisor processes: length-prefixed messages over TCP.
 *
 *   message = u8 type, u32 length, payload
 *   HELLO   JSON: the run's settings and the guest's DTB (base64), so the destination checks it runs the same guest
 *   PAGES   u32 count, then count × (u32 page index, 4096 bytes): RAM, round after round (later copies win)
 *   STATE   JSON: the run's state at the stop (RunSession.save)
 *   DONE    the destination runs the guest now (its reply; or ERROR with a message, and the source keeps the guest)
 */
import type { Socket } from 'node:net';

export enum Msg { Hello = 1, Pages = 2, State = 3, Done = 4, Error = 5 }

export const PAGE = 4096;
/** Most bytes one message may carry (a batch of pages; the guest state). */
export const MAX_MESSAGE = 64 << 20;

export class MigrationError extends Error {}

export function message(type: Msg, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Reads whole messages from a socket, in order. */
export class MessageReader {
  private buffered: Buffer[] = [];
  private size = 0;
  private readonly queue: { type: Msg; payload: Buffer }[] = [];
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.buffered.push(b);
      this.size += b.length;
      this.split();
      this.waiting?.();
    });
    socket.on('close', () => { this.failure ??= new MigrationError('the other side closed the connection'); this.waiting?.(); });
    socket.on('error', (e) => { this.failure = new MigrationError(e.message); this.waiting?.(); });
  }

  /** Whole messages out of the chunks received; a message is joined once, when all of it is there (not per chunk). */
  private split(): void {
    while (this.size >= 5) {
      // The 5-byte header in the first chunk (joined when chunks smaller than it came first).
      let head = this.buffered[0];
      if (!head || head.length < 5) {
        head = Buffer.concat(this.buffered);
        this.buffered = [head];
      }
      const length = head.readUInt32LE(1);
      if (length > MAX_MESSAGE) { this.failure = new MigrationError(`a message of ${length} bytes is too large`); return; }
      if (this.size < 5 + length) return;
      const all = this.buffered.length === 1 ? head : Buffer.concat(this.buffered);
      this.queue.push({ type: all[0] as Msg, payload: all.subarray(5, 5 + length) });
      const rest = all.subarray(5 + length);
      this.buffered = rest.length ? [rest] : [];
      this.size = rest.length;
    }
  }

  /** The next message; rejects when the connection failed first. */
  async next(): Promise<{ type: Msg; payload: Buffer }> {
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => { this.waiting = resolve; });
      this.waiting = undefined;
    }
  }
}

/** Write and wait until the socket took it (backpressure: a fast source does not buffer the guest's RAM twice). */
export function send(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(data, (e) => (e ? reject(new MigrationError(e.message)) : resolve()));
  });
}
