/** Small helpers shared by the device emulators. */
import type { DeviceAttributes, IrqLine } from './device.js';

/** A line that goes nowhere (a device configured without an interrupt, or an out-of-range input). */
export const NO_IRQ: IrqLine = { set: () => {} };

/**
 * An output line that remembers its level and only tells the wire about changes, so a device can recompute its
 * interrupt output after every access without flooding the interrupt controller.
 */
export class OutputLine {
  private level = false;
  constructor(private readonly line: IrqLine) {}

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    this.line.set(level);
  }

  get high(): boolean {
    return this.level;
  }
}

/** The device's first interrupt (`interrupts[0]`), or a dead line when it has none. */
export function firstIrq(attrs: DeviceAttributes, irq: (n: number) => IrqLine): IrqLine {
  const list = attrs.u32List('interrupts');
  const n = list?.[0];
  return n === undefined ? NO_IRQ : irq(n);
}

/**
 * Whether a boolean (empty) attribute is present. `DeviceAttributes` has no flag reader, so an optional
 * `flag(name)` on the runtime's attributes object is used when it exists; otherwise a property that reads as a
 * string (an empty property may read as '') or as a non-zero u32 counts as set.
 */
export function hasFlag(attrs: DeviceAttributes, name: string): boolean {
  const withFlag = attrs as DeviceAttributes & { flag?: (n: string) => boolean };
  if (typeof withFlag.flag === 'function') return withFlag.flag(name);
  if (attrs.string(name) !== undefined) return true;
  const v = attrs.u32(name);
  return v !== undefined && v !== 0;
}

/** Reads of a 32-bit register file narrowed to the access: `size` bytes starting at byte `offset & 3`. */
export function narrow(word: number, offset: number, size: 1 | 2 | 4): number {
  const shift = (offset & 3) * 8;
  if (size === 4) return shift === 0 ? word >>> 0 : 0;
  const mask = size === 1 ? 0xff : 0xffff;
  if ((offset & 3) + size > 4) return 0;
  return (word >>> shift) & mask;
}

/** A 32-bit unsigned value from whatever the guest wrote. */
export const u32 = (v: number): number => v >>> 0;

/** Whether an access is well formed enough to decode: a non-negative integer offset and a size of 1, 2 or 4. */
export const validAccess = (offset: number, size: number): boolean =>
  Number.isInteger(offset) && offset >= 0 && (size === 1 || size === 2 || size === 4);
