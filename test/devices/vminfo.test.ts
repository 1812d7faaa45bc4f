import { describe, expect, it } from 'vitest';
import { createVminfo, measureMemory, VMINFO_MAGIC } from '../../src/devices/vminfo.js';
import { createSimplefb } from '../../src/devices/simplefb.js';
import { fake, FakeMemory } from './fake.js';

describe('vminfo-0.1', () => {
  it('reads magic, vendor, version, VCPU count, boot delay and clock frequencies', () => {
    const f = fake({ hartCount: 3, attrs: { boot_delay: 5, clocksource_freq: 1_000_000 } });
    const v = createVminfo(f.ctx);
    expect(v.read(0x00, 4)).toBe(0xa4a297a6);
    expect(VMINFO_MAGIC).toBe(0xa4a297a6);
    expect(v.read(0x04, 4)).toBe(0x52535658);
    expect(v.read(0x08, 4)).toBe(1);
    expect(v.read(0x0c, 4)).toBe(3);
    expect(v.read(0x10, 4)).toBe(5);
    expect(v.read(0x14, 4)).toBe(0);
    expect([v.read(0x18, 4), v.read(0x1c, 4)]).toEqual([0, 1_000_000]);
    expect([v.read(0x20, 4), v.read(0x24, 4)]).toEqual([0, 1_000_000]);
    expect(v.read(0x28, 4)).toBe(0);
  });

  it('defaults: no boot delay (all ones), 10 MHz clocks', () => {
    const v = createVminfo(fake().ctx);
    expect(v.read(0x10, 4)).toBe(0xffffffff);
    expect(v.read(0x1c, 4)).toBe(10_000_000);
    expect(v.read(0x24, 4)).toBe(10_000_000);
  });

  it('RAM banks from ramN_base and ramN_size, high word first', () => {
    const f = fake({ attrs: { ram0_base: 0x80000000, ram0_size: 0x1_0000_0000, ram2_base: 0x2_0000_0000, ram2_size: 0x1000 } });
    const v = createVminfo(f.ctx);
    expect([0x40, 0x44, 0x48, 0x4c].map((o) => v.read(o, 4))).toEqual([0, 0x80000000, 1, 0]);
    expect([0x50, 0x54, 0x58, 0x5c].map((o) => v.read(o, 4))).toEqual([0, 0, 0, 0]);
    expect([0x60, 0x64, 0x68, 0x6c].map((o) => v.read(o, 4))).toEqual([2, 0, 0, 0x1000]);
  });

  it('measures the RAM size from the base when no size is given, as Xvisor takes the region', () => {
    const mem = new FakeMemory(0x80000000, 0x23000);
    expect(measureMemory(mem, 0x80000000)).toBe(0x23000);
    expect(measureMemory(mem, 0x80001000)).toBe(0x22000);
    expect(measureMemory(mem, 0x1000)).toBe(0);
    const f = fake({ memory: mem, attrs: { ram0_base: 0x80000000, ram1_base: 0x40000000 } });
    const v = createVminfo(f.ctx);
    expect([0x44, 0x4c].map((o) => v.read(o, 4))).toEqual([0x80000000, 0x23000]);
    expect([0x54, 0x5c].map((o) => v.read(o, 4))).toEqual([0, 0]); // base outside memory
    const w = createVminfo(f.ctx, { ramSize: () => 0x5000 });
    expect(w.read(0x4c, 4)).toBe(0x5000);
  });

  it('is read only; byte reads see parts of registers; beyond the map reads 0', () => {
    const v = createVminfo(fake().ctx);
    v.write(0x00, 4, 0);
    v.write(0x0c, 4, 9);
    expect(v.read(0x00, 4)).toBe(0xa4a297a6);
    expect(v.read(0x0c, 4)).toBe(1);
    expect(v.read(0x00, 1)).toBe(0xa6);
    expect(v.read(0x02, 2)).toBe(0xa4a2);
    expect(v.read(0x01, 4)).toBe(0);
    expect(v.read(0x80, 4)).toBe(0);
  });
});

describe('simplefb-0.1', () => {
  it('describes the framebuffer', () => {
    const f = fake({ attrs: { base: 0x1_8000_0000, width: 640, height: 480, mode: 'r5g6b5' } });
    const fb = createSimplefb(f.ctx);
    expect(fb.read(0x00, 4)).toBe(0xa4a297a6);
    const mode = Array.from({ length: 16 }, (_, i) => fb.read(0x10 + 4 * i, 4)).filter((c) => c).map((c) => String.fromCharCode(c)).join('');
    expect(mode).toBe('r5g6b5');
    expect([fb.read(0x50, 4), fb.read(0x54, 4), fb.read(0x58, 4)]).toEqual([640, 480, 1280]);
    expect([fb.read(0x5c, 4), fb.read(0x60, 4)]).toEqual([1, 0x80000000]);
  });
});
