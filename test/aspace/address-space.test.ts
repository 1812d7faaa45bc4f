/** The address space: memory and aliases in one backing store, device dispatch, and addresses nobody owns. */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../src/aspace/address-space.js';
import type { MmioDevice } from '../../src/devices/device.js';

function recorder(): MmioDevice & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read: (off, size) => { log.push(`r${size}@${off}`); return 0x11223344 + off; },
    write: (off, size, v) => { log.push(`w${size}@${off}=${v.toString(16)}`); },
    reset: () => {},
    save: () => null,
    restore: () => {},
  };
}

describe('address space', () => {
  it('an alias shows the memory of its target; ROM stays read-only through the bus', () => {
    const as = new AddressSpace([
      { base: 0x80000000, size: 0x10000 },
      { base: 0x0, size: 0x2000, readOnly: true },
      { base: 0x40000000, size: 0x1000, aliasOf: 0x80001000 },
    ]);
    as.bus.write(0x80001000, new Uint8Array([1, 2, 3]));
    expect(Array.from(as.bus.read(0x40000000, 3)!)).toEqual([1, 2, 3]);
    expect(as.bus.lookupPage(0x40000000 | 0, 0)).toBe(as.bus.lookupPage(0x80001000 | 0, 0));
    expect(as.bus.lookupPage(0, 0) & 1).toBe(1); // ROM
    expect(as.bus.lookupPage(0x50000000, 0)).toBe(-1);
    expect(() => new AddressSpace([{ base: 0, size: 0x1000, aliasOf: 0x9000 }])).toThrow(/not inside one memory region/);
  });

  it('dispatches MMIO to the device by address, splitting 8-byte accesses', () => {
    const as = new AddressSpace([{ base: 0x80000000, size: 0x1000 }]);
    const dev = recorder();
    as.map('g/uart0', 0x10000000, 0x100, dev);
    const out = { lo: 0, hi: 0 };
    expect(as.read(0x10000004, 0, 1, out)).toBe(true);
    expect(out.lo).toBe(0x11223348);
    expect(as.read(0x10000008, 0, 8, out)).toBe(true);
    expect([out.lo, out.hi]).toEqual([0x11223344 + 8, 0x11223344 + 12]);
    expect(as.write(0x10000010, 0, 8, 0xaabbccdd | 0, 0x01020304)).toBe(true);
    expect(as.write(0x10000000, 0, 1, 0x1ff, 0)).toBe(true);
    expect(dev.log).toEqual(['r1@4', 'r4@8', 'r4@12', 'w4@16=aabbccdd', 'w4@20=1020304', 'w1@0=ff']);
    // Nobody owns these: the caller halts the VCPU.
    expect(as.read(0x10000100, 0, 4, out)).toBe(false);
    expect(as.write(0x100000fe, 0, 4, 0, 0)).toBe(false); // runs past the device's end
    expect(as.deviceAt(0x10000080)?.name).toBe('g/uart0');
  });
});
