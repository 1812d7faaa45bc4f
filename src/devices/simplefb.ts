/**
 * Xvisor's simple framebuffer information device (`simplefb-0.1`): read-only 32-bit registers describing a
 * framebuffer the guest draws into guest RAM. tsvisor shows no display; the registers let a guest find it.
 *   0x00 MAGIC 0xa4a297a6   0x04 VENDOR   0x08 VERSION 1   0x0c reserved
 *   0x10..0x4c MODE: one character of the mode string per word (16 at most, e.g. "a8r8g8b8")
 *   0x50 WIDTH   0x54 HEIGHT   0x58 STRIDE (bytes per line)   0x5c FB_BASE_MS   0x60 FB_BASE_LS
 * Attributes: `base` (u64), `width`, `height`, `mode` (r5g6b5, x1r5g5b5, a1r5g5b5, r8g8b8, x8r8g8b8, a8r8g8b8,
 * a8b8g8r8; defaults as Xvisor: 1600×900 a8r8g8b8), optional `stride`. An unknown mode reads as 4 bytes/pixel.
 */
import type { DeviceContext, DeviceFactory, MmioDevice } from './device.js';
import { VMINFO_MAGIC, VMINFO_VENDOR } from './vminfo.js';
import { narrow, validAccess } from './util.js';

const BYTES_PER_PIXEL: Record<string, number> = {
  r5g6b5: 2, x1r5g5b5: 2, a1r5g5b5: 2, r8g8b8: 4, x8r8g8b8: 4, a8r8g8b8: 4, a8b8g8r8: 4,
};

export function createSimplefb(ctx: DeviceContext): MmioDevice {
  const a = ctx.attributes;
  const width = a.u32('width') ?? 1600;
  const height = a.u32('height') ?? 900;
  const mode = (a.string('mode') ?? 'a8r8g8b8').slice(0, 16);
  const bpp = BYTES_PER_PIXEL[mode] ?? 4;
  const stride = a.u32('stride') ?? width * bpp;
  const base = a.u64('base') ?? 0;
  const regs = new Uint32Array(0x64 / 4);
  regs[0] = VMINFO_MAGIC;
  regs[1] = VMINFO_VENDOR;
  regs[2] = 1;
  for (let i = 0; i < mode.length; i++) regs[0x10 / 4 + i] = mode.charCodeAt(i) & 0xff;
  regs[0x50 / 4] = width;
  regs[0x54 / 4] = height;
  regs[0x58 / 4] = stride >>> 0;
  regs[0x5c / 4] = Math.floor(base / 0x100000000) >>> 0;
  regs[0x60 / 4] = base >>> 0;
  return {
    read(offset: number, size: 1 | 2 | 4): number {
      if (!validAccess(offset, size) || offset >= 0x64) return 0;
      return narrow(regs[offset >> 2]!, offset, size);
    },
    write(): void {},
    reset(): void {},
    save: () => null, // read-only registers, derived from the configuration
    restore(): void {},
  };
}

export const simplefbFactory: DeviceFactory = createSimplefb;
