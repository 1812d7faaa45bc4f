/**
 * Guest address-space regions (REFERENCE.md §2): required attributes per kind, attribute types, emulators and their
 * attributes, IRQ ranges, alignment and overlaps. Positions are counted by hand from GUEST (fixtures.ts): region
 * nodes at column 5, their attributes at column 7.
 */
import { describe, expect, it } from 'vitest';
import { GUEST, TEMPLATE_GUEST, check, edit, expectNone, expectOne } from './fixtures.js';

const g = (changes: Parameters<typeof edit>[1] = {}) => check(['g.dts', edit(GUEST, changes)]);
const blank = (from: number, to: number): Record<number, string> =>
  Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [from + i, '']));

describe('the base guest', () => {
  it('validates with no diagnostics and reads every region', () => {
    const v = g();
    expect(v.diagnostics).toEqual([]);
    const regions = v.guests[0]!.regions;
    expect(regions.map((r) => [r.name, r.manifest, r.gpa, r.size])).toEqual([
      ['g/ram', 'real', 0x80000000, 0x100000],
      ['g/boot', 'alias', 0x1000, 0x1000],
      ['g/plic', 'virtual', 0xc000000, 0x4000000],
      ['g/uart', 'virtual', 0x10000000, 0x1000],
      ['g/heap', 'real', 0x40000000, 0x200000],
    ]);
    expect(regions[0]!.hpa).toBe(0x88000000);
    expect(regions[0]!.memory).toEqual({ readOnly: false, backing: 'fixed' });
    expect(regions[1]!.aliasPa).toBe(0x80000000);
    expect(regions[2]!.emulator?.name).toBe('PLIC');
    expect(regions[3]!.emulator?.name).toBe('ns16550 UART');
    expect(regions[3]!.irqs).toEqual([10]);
    expect(regions[3]!.addressType).toBe('io');
    expect(regions[4]!.memory).toEqual({ readOnly: false, backing: 'alloced' });
    expect(regions[4]!.alignOrder).toBe(21);
  });
});

describe('required attributes', () => {
  it.each([
    [47, 'manifest_type'],
    [48, 'address_type'],
    [49, 'device_type'],
    [51, 'guest_physical_addr'],
    [52, 'physical_size'],
  ])('every region needs line %i, %s', (line, attr) => {
    expectOne(g({ [line]: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 46, column: 5,
      message: `g/uart: missing required attribute '${attr}'`,
    });
    expectNone(g(), 'missing_attribute');
  });

  it('fixed real RAM needs host_physical_addr', () => {
    expectOne(g({ 25: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 19, column: 5,
      message: "g/ram: missing required attribute 'host_physical_addr'",
    });
    expectNone(g(), 'missing_attribute');
  });

  it('fixed real ROM needs host_physical_addr too', () => {
    expectOne(g({ 22: '      device_type = "rom";', 25: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 19, column: 5,
      message: "g/ram: missing required attribute 'host_physical_addr'",
    });
    expectNone(g({ 22: '      device_type = "rom";' }), 'missing_attribute');
  });

  it('allocated RAM does not need host_physical_addr, and ignores one with a warning', () => {
    expectNone(g(), 'missing_attribute');
    const v = g({ 61: ['      align_order = <21>;', '      host_physical_addr = <0x90000000>;'] });
    expectOne(v, {
      code: 'host_physical_addr', severity: 'warning', file: 'g.dts', line: 62, column: 7,
      message: 'g/heap: host_physical_addr is ignored for device_type "alloced_ram"',
    });
    expect(v.guests[0]!.regions[4]!.hpa).toBeUndefined();
    expectNone(g(), 'host_physical_addr');
  });

  it('an alias needs alias_physical_addr', () => {
    expectOne(g({ 33: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 27, column: 5,
      message: "g/boot: missing required attribute 'alias_physical_addr'",
    });
    expectNone(g(), 'missing_attribute');
  });
});

describe('attribute types', () => {
  it('a 64-bit address of three cells', () => {
    expectOne(g({ 23: '      guest_physical_addr = <0x0 0x0 0x80000000>;' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 23, column: 7,
      message: "g/ram: attribute 'guest_physical_addr' must be one or two 32-bit cells",
    });
    // One cell is widened; two cells (high, low) mean the same.
    const v = g({ 23: '      guest_physical_addr = <0x0 0x80000000>;' });
    expect(v.diagnostics).toEqual([]);
    expect(v.guests[0]!.regions[0]!.gpa).toBe(0x80000000);
  });

  it('a 64-bit value from 2^53 up', () => {
    expectOne(g({ 25: '      host_physical_addr = <0x200000 0x0>;' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: "g/ram: attribute 'host_physical_addr' must be below 2^53",
    });
    const v = g({ 25: '      host_physical_addr = <0x1fffff 0x0>;' });
    expectNone(v, 'attribute_type');
    expect(v.guests[0]!.regions[0]!.hpa).toBe(0x1fffff * 2 ** 32);
  });

  it('a string attribute given as cells', () => {
    expectOne(g({ 47: '      manifest_type = <1>;' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 47, column: 7,
      message: "g/uart: attribute 'manifest_type' must be a string",
    });
    expectNone(g(), 'attribute_type');
  });

  it('a string attribute given as two strings', () => {
    expectOne(g({ 48: '      address_type = "io", "memory";' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 48, column: 7,
      message: "g/uart: attribute 'address_type' must be a string",
    });
  });

  it('compatible as cells', () => {
    const v = g({ 50: '      compatible = <1>;' });
    expectOne(v, {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 50, column: 7,
      message: "g/uart: attribute 'compatible' must be one or more strings",
    });
    // With no compatible string there is no emulator either.
    expect(v.diagnostics.map((d) => d.code)).toContain('no_emulator');
  });

  it('interrupts as a string is reported once', () => {
    expectOne(g({ 53: '      interrupts = "10";' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 53, column: 7,
      message: "g/uart: attribute 'interrupts' must be a list of 32-bit cells",
    });
  });

  it('a u32 emulator attribute of two cells', () => {
    expectOne(g({ 43: '      num_irq = <0 31>;' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 43, column: 7,
      message: "g/plic: attribute 'num_irq' must be one 32-bit cell",
    });
  });
});

describe('kinds of region', () => {
  it('manifest_type is real, virtual or alias', () => {
    expectOne(g({ 20: '      manifest_type = "fixed";' }), {
      code: 'manifest_type', severity: 'error', file: 'g.dts', line: 20, column: 7,
      message: 'g/ram: manifest_type "fixed" is none of real, virtual, alias',
    });
    expectNone(g(), 'manifest_type');
  });

  it('address_type is memory or io', () => {
    expectOne(g({ 48: '      address_type = "mmio";' }), {
      code: 'address_type', severity: 'error', file: 'g.dts', line: 48, column: 7,
      message: 'g/uart: address_type "mmio" is neither memory nor io',
    });
    expectNone(g({ 48: '      address_type = "memory";' }), 'address_type');
  });

  it('a real region with a device type: pass-through is unsupported', () => {
    expectOne(g({ 22: '      device_type = "serial";', 25: '' }), {
      code: 'passthrough', severity: 'error', file: 'g.dts', line: 22, column: 7,
      message: 'g/ram: real region of device_type "serial": device pass-through is not supported',
    });
    expectNone(g(), 'passthrough');
  });

  it('a virtual region with a memory device type', () => {
    expectOne(g({ 56: '      manifest_type = "virtual";' }), {
      code: 'virtual_memory', severity: 'error', file: 'g.dts', line: 56, column: 7,
      message: 'g/heap: virtual region of memory device_type "alloced_ram": memory is a real region',
    });
    expectNone(g(), 'virtual_memory');
  });

  it.each(['ram', 'rom', 'alloced_rom', 'shared_ram', 'shared_rom', 'colored_ram', 'colored_rom'])(
    'memory device type %s is memory, not a device', (type) => {
      const v = g({ 58: `      device_type = "${type}";`, 61: ['      align_order = <21>;', '      host_physical_addr = <0x90000000>;'] });
      expectNone(v, 'passthrough');
      expectNone(v, 'no_emulator');
      expect(v.guests[0]!.regions[4]!.memory?.readOnly).toBe(type.endsWith('rom'));
    });
});

describe('emulators', () => {
  it('no emulator for the compatible', () => {
    expectOne(g({ 50: '      compatible = "acme,uart";' }), {
      code: 'no_emulator', severity: 'error', file: 'g.dts', line: 50, column: 7,
      message: 'No emulator found for g/uart (device_type "serial", compatible "acme,uart")',
    });
    expectNone(g(), 'no_emulator');
    expectNone(g({ 50: '      compatible = "acme,uart", "ns16550a";' }), 'no_emulator');
  });

  it('no compatible at all: located at device_type', () => {
    expectOne(g({ 50: '' }), {
      code: 'no_emulator', severity: 'error', file: 'g.dts', line: 49, column: 7,
      message: 'No emulator found for g/uart (device_type "serial", compatible missing)',
    });
  });

  it('a compatible under the wrong device type', () => {
    expectOne(g({ 49: '      device_type = "rtc";' }), {
      code: 'no_emulator', severity: 'error', file: 'g.dts', line: 50, column: 7,
      message: 'No emulator found for g/uart (device_type "rtc", compatible "ns16550a")',
    });
  });

  it('the PLIC needs parent_irq (no default in Xvisor)', () => {
    expectOne(g({ 42: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 35, column: 5,
      message: "g/plic: missing required attribute 'parent_irq'",
    });
  });

  // emulators/pic/plic.c: num_irq defaults to 1024, max_priority to 16.
  it.each([[43, 'num_irq'], [44, 'max_priority']])('the PLIC defaults line %i, %s, as Xvisor does', (line) => {
    expect(g({ [line]: '' }).diagnostics).toEqual([]);
  });

  it('the UART needs interrupts', () => {
    expectOne(g({ 53: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 46, column: 5,
      message: "g/uart: missing required attribute 'interrupts'",
    });
  });
});

describe('interrupts', () => {
  it('IRQ 0 is not a guest interrupt', () => {
    expectOne(g({ 53: '      interrupts = <0>;' }), {
      code: 'irq_range', severity: 'error', file: 'g.dts', line: 53, column: 7,
      message: 'g/uart: interrupt 0 is outside 1..31 (guest_irq_count is 32)',
    });
    expectNone(g({ 53: '      interrupts = <1>;' }), 'irq_range');
  });

  it('IRQs from guest_irq_count up', () => {
    expectOne(g({ 53: '      interrupts = <31 32>;' }), {
      code: 'irq_range', severity: 'error', file: 'g.dts', line: 53, column: 7,
      message: 'g/uart: interrupt 32 is outside 1..31',
    });
    expectNone(g({ 53: '      interrupts = <31>;' }), 'irq_range');
  });

  it('interrupts but no interrupt controller', () => {
    expectOne(g(blank(35, 45)), {
      code: 'no_pic', severity: 'warning', file: 'g.dts', line: 46, column: 5,
      message: 'g: g/uart raises interrupts but the guest has no interrupt controller region',
    });
    expectNone(g(), 'no_pic');
  });
});

describe('sizes and alignment', () => {
  it('a region of size 0', () => {
    expectOne(g({ 24: '      physical_size = <0x0>;' }), {
      code: 'region_size', severity: 'error', file: 'g.dts', line: 24, column: 7, message: 'g/ram: physical_size is 0',
    });
    expectNone(g(), 'region_size');
  });

  it('a region of size 0 an alias names is left to guest_fdt_load: a warning', () => {
    const v = check(['t.dts', TEMPLATE_GUEST]);
    expectOne(v, {
      code: 'region_size', severity: 'warning', file: 't.dts', line: 21, column: 7,
      message: 't/mem0: physical_size is 0 until guest_fdt_load overrides it',
    });
    expect(v.diagnostics).toHaveLength(1);
    expectNone(check(['t.dts', edit(TEMPLATE_GUEST, { 21: '      physical_size = <0x100000>;' })]), 'region_size');
  });

  it.each([11, 41])('align_order %i is out of range', (order) => {
    expectOne(g({ 61: `      align_order = <${order}>;` }), {
      code: 'align_order', severity: 'error', file: 'g.dts', line: 61, column: 7,
      message: `g/heap: align_order ${order} is outside 12..40`,
    });
  });

  it.each([12, 21])('align_order %i is fine', (order) => {
    const v = g({ 61: `      align_order = <${order}>;` });
    expectNone(v, 'align_order');
    expectNone(v, 'alignment');
  });

  it('guest_physical_addr not a multiple of 2^align_order', () => {
    const d = expectOne(g({ 59: '      guest_physical_addr = <0x40100000>;' }), {
      code: 'alignment', severity: 'error', file: 'g.dts', line: 59, column: 7,
      message: 'g/heap: guest_physical_addr 0x40100000 is not a multiple of 2^21 (0x200000)',
    });
    expect(d.hint).toBeUndefined();
    expectNone(g({ 59: '      guest_physical_addr = <0x40200000>;' }), 'alignment');
  });

  it('physical_size not page granular (no align_order)', () => {
    const d = expectOne(g({ 24: '      physical_size = <0x100800>;' }), {
      code: 'alignment', severity: 'error', file: 'g.dts', line: 24, column: 7,
      message: 'g/ram: physical_size 0x100800 is not a multiple of 2^12 (0x1000)',
    });
    expect(d.hint).toContain('4 KiB');
  });

  it('host_physical_addr not page granular', () => {
    expectOne(g({ 25: '      host_physical_addr = <0x88000800>;' }), {
      code: 'alignment', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: 'g/ram: host_physical_addr 0x88000800 is not a multiple of 2^12',
    });
  });

  it('alias_physical_addr not page granular', () => {
    expectOne(g({ 33: '      alias_physical_addr = <0x80000800>;' }), {
      code: 'alignment', severity: 'error', file: 'g.dts', line: 33, column: 7,
      message: 'g/boot: alias_physical_addr 0x80000800 is not a multiple of 2^12',
    });
  });
});

describe('overlaps and aliases', () => {
  it('two regions overlapping: the later in the source is reported, naming both', () => {
    expectOne(g({ 51: '      guest_physical_addr = <0xc001000>;' }), {
      code: 'region_overlap', severity: 'error', file: 'g.dts', line: 51, column: 7,
      message: 'Region for g/uart (0xc001000..0xc001fff) overlaps with region g/plic (0xc000000..0xfffffff)',
    });
    expectNone(g(), 'region_overlap');
  });

  it('the later region in the source may have the lower address', () => {
    expectOne(g({ 59: '      guest_physical_addr = <0x7fe00000>;', 60: '      physical_size = <0x400000>;' }), {
      code: 'region_overlap', severity: 'error', file: 'g.dts', line: 59, column: 7,
      message: 'Region for g/heap (0x7fe00000..0x801fffff) overlaps with region g/ram (0x80000000..0x800fffff)',
    });
    // Touching is not overlapping.
    expectNone(g({ 59: '      guest_physical_addr = <0x7fe00000>;' }), 'region_overlap');
  });

  it('an alias must point into a real region', () => {
    expectOne(g({ 33: '      alias_physical_addr = <0x90000000>;' }), {
      code: 'alias_target', severity: 'error', file: 'g.dts', line: 33, column: 7,
      message: 'g/boot: alias_physical_addr 0x90000000..0x90000fff is not inside a real region of the guest',
    });
    // Running past the end of the region it starts in is not inside either.
    expectOne(g({ 33: '      alias_physical_addr = <0x800ff000>;', 32: '      physical_size = <0x2000>;' }), {
      code: 'alias_target', severity: 'error', file: 'g.dts', line: 33, column: 7, message: 'g/boot: alias_physical_addr',
    });
    expectNone(g({ 33: '      alias_physical_addr = <0x800ff000>;' }), 'alias_target');
  });
});
