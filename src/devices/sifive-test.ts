/**
 * QEMU's SiFive test finisher (`sifive,test0`, `sifive,test1`): a write to offset 0 (32- or 16-bit) of
 *   0x5555             → `ctx.finish(0, 'shutdown')` (pass)
 *   0x3333 | code<<16  → `ctx.finish(code || 1, 'shutdown')` (fail with `code`)
 *   0x7777             → `ctx.finish(0, 'reset')`
 * Any other value or offset is ignored; reads return 0. Without `ctx.finish` writes do nothing.
 */
import type { DeviceContext, DeviceFactory, MmioDevice } from './device.js';

export const FINISHER_PASS = 0x5555;
export const FINISHER_FAIL = 0x3333;
export const FINISHER_RESET = 0x7777;

export function createSifiveTest(ctx: DeviceContext): MmioDevice {
  return {
    read: () => 0,
    write(offset: number, size: 1 | 2 | 4, value: number): void {
      if (offset !== 0 || (size !== 4 && size !== 2)) return;
      const v = size === 4 ? value >>> 0 : value & 0xffff;
      const status = v & 0xffff;
      const code = v >>> 16;
      if (status === FINISHER_PASS) ctx.finish?.(0, 'shutdown');
      else if (status === FINISHER_FAIL) ctx.finish?.(code || 1, 'shutdown');
      else if (status === FINISHER_RESET) ctx.finish?.(0, 'reset');
    },
    reset: () => {},
    save: () => null, // no state: each write acts at once
    restore: () => {},
  };
}

export const sifiveTestFactory: DeviceFactory = createSifiveTest;
