/**
 * Xvisor's guest information device (`vminfo-0.1`): read-only 32-bit registers, writes ignored.
 *   0x00 MAGIC 0xa4a297a6   0x04 VENDOR   0x08 VERSION 1   0x0c VCPU_COUNT   0x10 BOOT_DELAY (0xffffffff if unset)
 *   0x14 reserved           0x18/0x1c CLOCKSOURCE_FREQ (high, low)   0x20/0x24 CLOCKCHIP_FREQ (high, low)
 *   0x28..0x3c reserved     0x40 + 0x10·i: RAMi_BASE (high, low), RAMi_SIZE (high, low) for i = 0..3
 * Xvisor takes RAMi's size as the rest of the memory region holding `rami_base`; tsvisor reads it from the
 * `rami_size` attribute if given, else from the `ramSize` option the runtime may pass, else it measures the guest
 * memory contiguous from `rami_base` (4 KiB granular, through `ctx.memory`) at the first read. A base outside guest
 * memory reads as 0 / 0, as in Xvisor. Byte and halfword reads return the corresponding part of the register.
 */
import type { DeviceContext, DeviceFactory, GuestMemory, MmioDevice } from './device.js';
import { narrow, validAccess } from './util.js';

export const VMINFO_MAGIC = 0xa4a297a6;
/** Xvisor's vendor word ('XVSR'), kept so guests written for Xvisor's vminfo-0.1 recognise the device. */
export const VMINFO_VENDOR = 0x52535658;
export const VMINFO_VERSION_0_1 = 1;
/** The default frequencies reported: RISC-V virt's 10 MHz timebase. */
export const VMINFO_DEFAULT_FREQ = 10_000_000;

export interface VminfoOptions {
  /** Size of guest memory from `base` to the end of its region (undefined if no memory region holds it). */
  ramSize?: (base: number) => number | undefined;
  /** Frequency of the time counter the guest reads (`timebase-frequency`). */
  clocksourceHz?: number;
  clockchipHz?: number;
}

const hi = (v: number): number => Math.floor(v / 0x100000000) >>> 0;
const lo = (v: number): number => v >>> 0;

const PAGE = 4096;
/** Largest RAM size measured (2^47 bytes): the doubling search stops there. */
const PROBE_LIMIT = 2 ** 47;

/** Bytes of guest memory readable contiguously from `base` (page granular), 0 if `base` is not memory. */
export function measureMemory(mem: GuestMemory, base: number): number {
  const ok = (len: number): boolean => {
    try { return mem.read(base, len) !== undefined; } catch { return false; }
  };
  if (!ok(1)) return 0;
  let good = 0; // pages known readable
  let step = 1;
  while (step * PAGE <= PROBE_LIMIT && ok(step * PAGE)) { good = step; step *= 2; }
  if (step * PAGE > PROBE_LIMIT) return good * PAGE;
  let bad = step;
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (ok(mid * PAGE)) good = mid; else bad = mid;
  }
  return good * PAGE;
}

export function createVminfo(ctx: DeviceContext, options: VminfoOptions = {}): MmioDevice {
  const a = ctx.attributes;
  const regs = new Uint32Array(0x80 / 4);
  regs[0x00 / 4] = VMINFO_MAGIC;
  regs[0x04 / 4] = VMINFO_VENDOR;
  regs[0x08 / 4] = VMINFO_VERSION_0_1;
  regs[0x0c / 4] = ctx.hartCount;
  regs[0x10 / 4] = a.u32('boot_delay') ?? 0xffffffff;
  const source = options.clocksourceHz ?? a.u32('clocksource_freq') ?? VMINFO_DEFAULT_FREQ;
  const chip = options.clockchipHz ?? a.u32('clockchip_freq') ?? source;
  regs[0x18 / 4] = hi(source);
  regs[0x1c / 4] = lo(source);
  regs[0x20 / 4] = hi(chip);
  regs[0x24 / 4] = lo(chip);
  let ramKnown = false;
  const fillRam = (): void => {
    ramKnown = true;
    for (let i = 0; i < 4; i++) {
      const base = a.u64(`ram${i}_base`);
      if (base === undefined) continue;
      const size = a.u64(`ram${i}_size`) ?? options.ramSize?.(base) ?? measureMemory(ctx.memory, base);
      if (size === 0) continue;
      const r = (0x40 + 0x10 * i) / 4;
      regs[r] = hi(base);
      regs[r + 1] = lo(base);
      regs[r + 2] = hi(size);
      regs[r + 3] = lo(size);
    }
  };
  return {
    read(offset: number, size: 1 | 2 | 4): number {
      if (!validAccess(offset, size) || offset >= 0x80) return 0;
      if (!ramKnown && offset >= 0x40) fillRam();
      return narrow(regs[offset >> 2]!, offset, size);
    },
    write(): void {},
    reset(): void {},
    save: () => null, // read-only registers, derived from the configuration
    restore(): void {},
  };
}

export const vminfoFactory: DeviceFactory = (ctx) => createVminfo(ctx);
