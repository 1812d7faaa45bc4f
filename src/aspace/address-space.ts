/**
 * A guest's address space: RAM and ROM regions (and aliases of them) in one backing store the harts access
 * directly, and device regions whose accesses arrive as MMIO exits and are dispatched here to their emulators.
 * An address in no region belongs to nobody: the caller halts the VCPU with that address as the reason.
 */
import type { MmioDevice } from '../devices/device.js';
import { RamBus, type MemoryRegionSpec, type RamBusOptions } from './ram-bus.js';

export interface DeviceMapping {
  readonly name: string;
  readonly base: number;
  readonly end: number;
  readonly device: MmioDevice;
}

const TWO32 = 4294967296;

/** Real regions first, so aliases can refer to any of them (the order another thread's bus must use too). */
export function busOrder(memory: readonly MemoryRegionSpec[]): MemoryRegionSpec[] {
  return [...memory.filter((m) => m.aliasOf === undefined), ...memory.filter((m) => m.aliasOf !== undefined)];
}

export class AddressSpace {
  readonly bus: RamBus;
  private readonly devices: DeviceMapping[] = [];

  constructor(memory: readonly MemoryRegionSpec[], options: RamBusOptions = {}) {
    this.bus = new RamBus(busOrder(memory), options);
  }

  /** Map a device over [base, base + size). */
  map(name: string, base: number, size: number, device: MmioDevice): void {
    this.devices.push({ name, base, end: base + size, device });
    this.devices.sort((a, b) => a.base - b.base);
  }

  deviceAt(pa: number): DeviceMapping | undefined {
    for (const d of this.devices) if (pa >= d.base && pa < d.end) return d;
    return undefined;
  }

  allDevices(): readonly DeviceMapping[] {
    return this.devices;
  }

  /**
   * An MMIO load of `size` bytes at (hi:lo): the value as (lo, hi) words in `out`, or false when no device is there.
   * 8-byte accesses are two 4-byte accesses, low word first.
   */
  read(lo: number, hi: number, size: number, out: { lo: number; hi: number }): boolean {
    const pa = (hi >>> 0) * TWO32 + (lo >>> 0);
    const d = this.deviceAt(pa);
    if (!d || pa + size > d.end) return false;
    const off = pa - d.base;
    if (size === 8) {
      out.lo = d.device.read(off, 4) | 0;
      out.hi = d.device.read(off + 4, 4) | 0;
    } else {
      out.lo = d.device.read(off, size as 1 | 2 | 4) | 0;
      out.hi = 0;
    }
    return true;
  }

  /** An MMIO store; false when no device is there. */
  write(lo: number, hi: number, size: number, valueLo: number, valueHi: number): boolean {
    const pa = (hi >>> 0) * TWO32 + (lo >>> 0);
    const d = this.deviceAt(pa);
    if (!d || pa + size > d.end) return false;
    const off = pa - d.base;
    if (size === 8) {
      d.device.write(off, 4, valueLo >>> 0);
      d.device.write(off + 4, 4, valueHi >>> 0);
    } else {
      d.device.write(off, size as 1 | 2 | 4, size === 4 ? valueLo >>> 0 : valueLo & ((1 << (8 * size)) - 1));
    }
    return true;
  }
}
