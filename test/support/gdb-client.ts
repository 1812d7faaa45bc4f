/** A minimal GDB remote-protocol client for tests: send a packet, await the stub's next packet. */
import { connect, type Socket } from 'node:net';
import { frame, RspReader } from '../../src/vmm/gdb/rsp.js';

export class RspClient {
  private readonly reader = new RspReader();
  private readonly packets: string[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (bytes) => {
      for (const e of this.reader.push(bytes)) if (e.kind === 'packet') this.packets.push(e.payload.toString('latin1'));
      this.waiter?.();
    });
    socket.on('close', () => { this.closed = true; this.waiter?.(); });
  }

  static connect(port: number): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RspClient(socket)));
      socket.once('error', reject);
    });
  }

  send(payload: string): void {
    this.socket.write(frame(payload));
  }

  /** The interrupt byte (Ctrl-C). */
  interrupt(): void {
    this.socket.write(Buffer.from([3]));
  }

  /** The next packet from the stub (rejects after `ms`, or when the connection closed first). */
  async next(ms = 60_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.packets.length === 0) {
      if (this.closed) throw new Error('the stub closed the connection');
      if (Date.now() > deadline) throw new Error('no reply from the stub');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
      this.waiter = undefined;
    }
    return this.packets.shift()!;
  }

  async request(payload: string, ms?: number): Promise<string> {
    this.send(payload);
    return this.next(ms);
  }

  close(): void {
    this.socket.destroy();
  }
}
