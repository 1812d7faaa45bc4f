/**
 * virtio console (device ID 3) behind the virtio-mmio transport: one port, receiveq 0 and transmitq 1.
 * Transmitted buffers go to `ctx.console.write`; bytes from `ctx.console.onInput` wait in a host-side buffer
 * (up to {@link CONSOLE_INPUT_LIMIT} bytes; more are dropped) until the driver posts receive buffers, and each
 * posted buffer is filled with as many waiting bytes as it holds. VIRTIO_CONSOLE_F_EMERG_WRITE is offered: a write
 * to `emerg_wr` (config offset 8) prints its low byte. Configuration: cols, rows (0), max_nr_ports (1), emerg_wr.
 */
import { asObject, ints, type SavedState } from '../state/saved-state.js';
import type { DeviceContext } from './device.js';
import type { VirtioBackend, VirtioTransport } from './virtio-mmio.js';
import { total } from './virtqueue.js';

export const VIRTIO_CONSOLE_F_EMERG_WRITE = 1n << 2n;
export const CONSOLE_INPUT_LIMIT = 1 << 20;
const QUEUE_MAX = 128;
const RECEIVEQ = 0;
const TRANSMITQ = 1;

export function createVirtioConsole(ctx: DeviceContext, transport: VirtioTransport): VirtioBackend {
  const config = new Uint8Array(12);
  config[4] = 1; // max_nr_ports (only meaningful with MULTIPORT, which is not offered)
  let input: number[] = [];

  const deliver = (): void => {
    if (input.length === 0) return;
    transport.process(RECEIVEQ, (q) => {
      while (input.length > 0) {
        const chain = q.pop();
        if (!chain) break;
        const room = total(chain.writable);
        const n = Math.min(room, input.length);
        const written = q.scatter(chain.writable, Uint8Array.from(input.slice(0, n)));
        input = input.slice(written);
        q.push(chain.head, written);
      }
    });
  };

  const transmit = (): void => {
    transport.process(TRANSMITQ, (q) => {
      for (let chain = q.pop(); chain; chain = q.pop()) {
        for (const seg of chain.readable) {
          if (seg.len > 0) ctx.console.write(q.read(seg).slice());
        }
        q.push(chain.head, 0);
      }
    });
  };

  ctx.console.onInput((byte) => {
    if (input.length < CONSOLE_INPUT_LIMIT) input.push(byte & 0xff);
    deliver();
  }, () => CONSOLE_INPUT_LIMIT - input.length);

  return {
    deviceId: 3,
    features: VIRTIO_CONSOLE_F_EMERG_WRITE,
    queueMax: [QUEUE_MAX, QUEUE_MAX],
    config,
    configWrite(offset: number, _size: number, value: number): void {
      if (offset === 8) ctx.console.write(Uint8Array.of(value & 0xff));
    },
    notify(index: number): void {
      if (index === TRANSMITQ) transmit();
      else if (index === RECEIVEQ) deliver();
    },
    driverOk: deliver,
    // Typed input that has not reached the guest yet stays: it was never in flight.
    reset(): void {},
    save: () => ({ input: [...input] }),
    restore(state: SavedState): void {
      input = ints(asObject(state, 'virtio-console'), 'input', 'virtio-console', 0, 255).slice(0, CONSOLE_INPUT_LIMIT);
    },
  };
}
