/**
 * The pages connected over WebSocket. A page that cannot keep up (a guest printing faster than it reads) is
 * dropped rather than buffered without bound; it can reload and replays the consoles' recent output.
 */
import { WebSocket } from 'ws';
import type { ServerMessage } from './protocol.js';

/** Bytes queued for one page before it is dropped. */
export const MAX_BUFFERED_BYTES = 8 * 2 ** 20;

export class Clients {
  private readonly sockets = new Set<WebSocket>();

  get size(): number {
    return this.sockets.size;
  }

  add(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => this.sockets.delete(ws));
  }

  send(ws: WebSocket, m: ServerMessage): void {
    this.sendText(ws, JSON.stringify(m));
  }

  broadcast(m: ServerMessage): void {
    if (this.sockets.size === 0) return;
    const text = JSON.stringify(m);
    for (const ws of this.sockets) this.sendText(ws, text);
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.sockets.delete(ws);
      ws.terminate();
      return;
    }
    ws.send(text);
  }

  /** Close every page (the hypervisor stops). */
  closeAll(): void {
    for (const ws of this.sockets) ws.close(1001, 'tsvisor stopped');
    this.sockets.clear();
  }
}
