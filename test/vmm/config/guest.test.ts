/**
 * Guest-level and VCPU rules (REFERENCE.md §2, §5): the guest node, its aspace and VCPUs, VCPU attributes and
 * their ranges. Positions are counted by hand from GUEST / HOST (fixtures.ts).
 */
import { describe, expect, it } from 'vitest';
import { GUEST, HOST, TEMPLATE_GUEST, check, edit, expectNone, expectOne } from './fixtures.js';

const g = (changes: Parameters<typeof edit>[1] = {}) => check(['g.dts', edit(GUEST, changes)]);
const blank = (from: number, to: number): Record<number, string> =>
  Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [from + i, '']));

/** HOST with an inline guest `x` under /guests: its node is on line 55, column 5, its first attribute on 56:7. */
const inline = (...attrs: string[]) =>
  check(['board.dts', edit(HOST, { 54: ['  guests {', '    x {', ...attrs.map((a) => `      ${a}`), '    };', '  };', '};'] })]);

describe('the guest node', () => {
  it('reads the base guest', () => {
    const v = g();
    expect(v.diagnostics).toEqual([]);
    expect(v.host).toBeUndefined();
    const guest = v.guests[0]!;
    expect(guest.name).toBe('g');
    expect(guest.irqCount).toBe(32);
    expect(guest.vcpus).toHaveLength(1);
    expect(guest.vcpus[0]).toMatchObject({
      name: 'g/vcpu0', subid: 0, isa: 'rv64imafdc', startPc: 0x80000000, poweroff: false, priority: 3,
      timeSlice: 1000000, deadline: 500000, periodicity: 1000000, affinity: [0, 1],
    });
  });

  it('more than 1024 VCPUs listed in vcpus (guest_fdt_load caps its copies there too)', () => {
    const many = Array.from({ length: 1025 }, (_, i) => `    v${i} { device_type = "vcpu"; compatible = "riscv,generic"; riscv,isa = "rv64imafdc"; };`);
    expectOne(g({ 4: ['  vcpus {', ...many, '  };', '  unused {'] }), {
      code: 'too_many_vcpus', severity: 'error', file: 'g.dts', line: 4, column: 3,
      message: 'g: 1025 VCPUs, more than the 1024 a guest may have',
    });
  });

  it('a guest file is named after the file', () => {
    expect(check(['dir/web-server.dts', GUEST]).guests[0]!.name).toBe('web-server');
  });

  it('an inline guest without device_type', () => {
    const d = expectOne(inline('model = "x";'), {
      code: 'missing_attribute', severity: 'error', file: 'board.dts', line: 55, column: 5,
      message: "x: missing required attribute 'device_type'",
    });
    expect(d.hint).toContain('device_type = "guest"');
  });

  it('an inline guest with another device_type', () => {
    const v = inline('device_type = "vm";');
    expectOne(v, {
      code: 'device_type', severity: 'error', file: 'board.dts', line: 56, column: 7,
      message: 'x: device_type must be "guest", not "vm"',
    });
    expect(v.guests).toEqual([]);
    expectNone(inline('device_type = "guest";'), 'device_type');
  });

  it('a guest with no aspace', () => {
    expectOne(g(blank(17, 63)), {
      code: 'missing_node', severity: 'error', file: 'g.dts', line: 2, column: 1,
      message: "g: has no 'aspace' node: a guest needs an address space",
    });
    expectNone(g(), 'missing_node');
  });

  it('an inline guest with no aspace', () => {
    expectOne(inline('device_type = "guest";'), {
      code: 'missing_node', severity: 'error', file: 'board.dts', line: 55, column: 5, message: "x: has no 'aspace' node",
    });
  });

  it('aspace without guest_irq_count', () => {
    expectOne(g({ 18: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 17, column: 3,
      message: "g/aspace: missing required attribute 'guest_irq_count'",
    });
    expectNone(g(), 'missing_attribute');
  });

  it('a guest with no VCPUs', () => {
    expectOne(g(blank(4, 16)), {
      code: 'no_vcpus', severity: 'error', file: 'g.dts', line: 2, column: 1,
      message: "g: has neither 'vcpus' nor 'vcpu_template': a guest needs at least one VCPU",
    });
    // An empty vcpus node is no better.
    expectOne(g({ ...blank(5, 15) }), { code: 'no_vcpus', severity: 'error', file: 'g.dts', line: 2, column: 1, message: 'g:' });
    expectNone(g(), 'no_vcpus');
    expectNone(check(['t.dts', TEMPLATE_GUEST]), 'no_vcpus');
  });

  it('an inline guest with no VCPUs', () => {
    expectOne(inline('device_type = "guest";'), {
      code: 'no_vcpus', severity: 'error', file: 'board.dts', line: 55, column: 5, message: "x: has neither 'vcpus'",
    });
  });
});

describe('VCPUs', () => {
  it('VCPUs are numbered by their order in vcpus', () => {
    const v = g({ 15: ['    };', '    second {', '      device_type = "vcpu";', '      compatible = "riscv,generic";', '      riscv,isa = "rv64gc";', '      start_pc = <0x0>;', '      poweroff;', '    };'] });
    expect(v.diagnostics).toEqual([]);
    expect(v.guests[0]!.vcpus.map((c) => [c.name, c.subid, c.poweroff, c.priority, c.timeSlice, c.affinity]))
      .toEqual([['g/vcpu0', 0, false, 3, 1000000, [0, 1]], ['g/second', 1, true, 3, 10_000_000, undefined]]);
  });

  it.each([
    [6, 'device_type'],
    [7, 'compatible'],
    [9, 'start_pc'],
  ])('a VCPU needs line %i, %s', (line, attr) => {
    expectOne(g({ [line]: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 5, column: 5,
      message: `g/vcpu0: missing required attribute '${attr}'`,
    });
  });

  it('device_type must be vcpu', () => {
    expectOne(g({ 6: '      device_type = "cpu";' }), {
      code: 'device_type', severity: 'error', file: 'g.dts', line: 6, column: 7,
      message: 'g/vcpu0: device_type must be "vcpu", not "cpu"',
    });
    expectNone(g(), 'device_type');
  });

  it('compatible must be riscv,generic exactly', () => {
    const d = expectOne(g({ 7: '      compatible = "riscv,generic-v2";' }), {
      code: 'vcpu_compatible', severity: 'error', file: 'g.dts', line: 7, column: 7,
      message: 'g/vcpu0: compatible "riscv,generic-v2" is not a VCPU tsvisor provides',
    });
    expect(d.hint).toBe('use "riscv,generic"');
    expectNone(g(), 'vcpu_compatible');
  });

  it('the template is checked as a VCPU', () => {
    expectOne(check(['t.dts', edit(TEMPLATE_GUEST, { 10: '    compatible = "arm,cortex-a53";' })]), {
      code: 'vcpu_compatible', severity: 'error', file: 't.dts', line: 10, column: 5,
      message: 't/vcpu_template: compatible "arm,cortex-a53"',
    });
  });

  // Xvisor (cpu_vcpu_helper.c, arch_vcpu_init) masks what the host lacks: a warning, and the VCPU runs the rest.
  it.each([
    ['rv64imafdcv', 'v', 'rv64imafdc'],
    ['rv32imac', 'rv32', 'rv64imac'],
    ['rv64imafdc_zba_zbb', 'zba, zbb', 'rv64imafdc'],
    ['rv64imafdch', 'h', 'rv64imafdc'],
    ['rv64imafdchv_zicsr_sstc', 'h, v', 'rv64imafdc_zicsr_sstc'],
  ])('riscv,isa %s is masked', (isa, lacks, runs) => {
    const v = g({ 8: `      riscv,isa = "${isa}";` });
    const d = expectOne(v, {
      code: 'isa_masked', severity: 'warning', file: 'g.dts', line: 8, column: 7,
      message: `g/vcpu0: riscv,isa "${isa}": the hart lacks ${lacks}, masked off as Xvisor masks them: the VCPU runs ${runs}`,
    });
    expect(d.hint).toContain('rv64imafdc');
    expectNone(v, 'isa');
    expect(v.guests[0]!.vcpus[0]!.isa).toBe(runs);
  });

  it.each([
    ['rv128imafdc', 'rv128 is wider than the 64-bit host'],
    ['rv64emac', 'the hart needs the base integer ISA i'],
  ])('riscv,isa %s cannot run', (isa, fragment) => {
    expectOne(g({ 8: `      riscv,isa = "${isa}";` }), {
      code: 'isa', severity: 'error', file: 'g.dts', line: 8, column: 7, message: `g/vcpu0: riscv,isa "${isa}": ${fragment}`,
    });
    expectNone(g(), 'isa');
  });

  it.each([
    ['x86_64', 'not a RISC-V ISA string'],
    ['rv64mafdc', 'the base ISA letter (i or e) must come first'],
  ])('riscv,isa %s is malformed', (isa, fragment) => {
    expectOne(g({ 8: `      riscv,isa = "${isa}";` }), {
      code: 'isa', severity: 'error', file: 'g.dts', line: 8, column: 7, message: fragment,
    });
  });

  it.each(['rv64gc', 'RV64IMAFDC', 'rv64imafdc_zicsr_zifencei_sstc', 'rv64imafdczicsr_zifencei', 'rv64imac'])(
    'riscv,isa %s is provided', (isa) => {
      expectNone(g({ 8: `      riscv,isa = "${isa}";` }), 'isa');
    });

  it('a VCPU without riscv,isa is refused, as Xvisor refuses it', () => {
    const d = expectOne(g({ 8: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'g.dts', line: 5, column: 5,
      message: "g/vcpu0: missing required attribute 'riscv,isa'",
    });
    expect(d.hint).toContain('rv64imafdc_zicsr_zifencei_zicntr_sstc_svadu');
    expectNone(g(), 'missing_attribute');
  });

  it('a VCPU template without riscv,isa too', () => {
    expectOne(check(['t.dts', edit(TEMPLATE_GUEST, { 10: '    compatible = "riscv,generic";' })]), {
      code: 'missing_attribute', severity: 'error', file: 't.dts', line: 8, column: 3,
      message: "t/vcpu_template: missing required attribute 'riscv,isa'",
    });
  });

  it('start_pc of two cells', () => {
    const v = g({ 9: '      start_pc = <0x1 0x0>;' });
    expect(v.diagnostics).toEqual([]);
    expect(v.guests[0]!.vcpus[0]!.startPc).toBe(2 ** 32);
  });

  it('priority above 7', () => {
    expectOne(g({ 10: '      priority = <8>;' }), {
      code: 'priority', severity: 'error', file: 'g.dts', line: 10, column: 7,
      message: 'g/vcpu0: priority 8 is out of range 0..7',
    });
    expectNone(g({ 10: '      priority = <7>;' }), 'priority');
    expectNone(g({ 10: '      priority = <0>;' }), 'priority');
  });

  it('priority of two cells', () => {
    expectOne(g({ 10: '      priority = <0 3>;' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 10, column: 7,
      message: "g/vcpu0: attribute 'priority' must be one 32-bit cell, e.g. <5>",
    });
  });

  it.each(['<0>', '<0 0>'])('time_slice %s', (value) => {
    expectOne(g({ 11: `      time_slice = ${value};` }), {
      code: 'time_slice', severity: 'error', file: 'g.dts', line: 11, column: 7, message: 'g/vcpu0: time_slice must not be 0',
    });
    expectNone(g({ 11: '      time_slice = <1>;' }), 'time_slice');
  });

  it('deadline longer than periodicity', () => {
    expectOne(g({ 12: '      deadline = <2000000>;' }), {
      code: 'deadline', severity: 'error', file: 'g.dts', line: 12, column: 7,
      message: 'g/vcpu0: deadline 2000000 is longer than periodicity 1000000',
    });
    expectNone(g({ 12: '      deadline = <1000000>;' }), 'deadline');
    // Either alone is fine.
    expectNone(g({ 12: '      deadline = <2000000>;', 13: '' }), 'deadline');
  });

  it('poweroff is a flag', () => {
    expectOne(g({ 14: ['      affinity = <0 1>;', '      poweroff = <1>;'] }), {
      code: 'attribute_type', severity: 'warning', file: 'g.dts', line: 15, column: 7,
      message: "g/vcpu0: attribute 'poweroff' is a flag and takes no value",
    });
    const v = g({ 14: ['      affinity = <0 1>;', '      poweroff;'] });
    expect(v.diagnostics).toEqual([]);
    expect(v.guests[0]!.vcpus[0]!.poweroff).toBe(true);
  });

  it('affinity as a string', () => {
    expectOne(g({ 14: '      affinity = "0";' }), {
      code: 'attribute_type', severity: 'error', file: 'g.dts', line: 14, column: 7,
      message: "g/vcpu0: attribute 'affinity' must be a list of 32-bit cells",
    });
  });
});
