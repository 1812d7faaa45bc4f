/**
 * The host a board describes (REFERENCE.md §1): /cpus and its cpu-map, memory banks, reserved ranges, /chosen and
 * /vmm. Positions are counted by hand from HOST (fixtures.ts).
 */
import { describe, expect, it } from 'vitest';
import { HOST, check, edit, expectNone, expectOne } from './fixtures.js';

const board = (changes: Parameters<typeof edit>[1] = {}) => check(['board.dts', edit(HOST, changes)]);
const blank = (from: number, to: number): Record<number, string> =>
  Object.fromEntries(Array.from({ length: to - from + 1 }, (_, i) => [from + i, '']));

describe('the base board', () => {
  it('reads CPUs, topology, memory, reserved ranges, console and /vmm', () => {
    const v = board();
    expect(v.diagnostics).toEqual([]);
    const host = v.host!;
    expect(host.timebaseFrequency).toBe(10_000_000);
    expect(host.cpus.map((c) => [c.name, c.hartId, c.isa, c.core])).toEqual([
      ['cpu@0', 0, 'rv64imafdc', '/cpus/cpu-map/core0'],
      ['cpu@1', 1, 'rv64imafdc', '/cpus/cpu-map/core0'],
    ]);
    expect(host.memory.map((b) => [b.base, b.size, b.numaNode])).toEqual([[0x80000000, 0x10000000, 0]]);
    expect(host.reserved.map((r) => [r.base, r.size, r.node?.name])).toEqual([[0x80000000, 0x200000, 'fw@80000000']]);
    expect(host.console).toBe('/uart@10000000');
    expect(host.bootcmd).toEqual([]);
    expect(host.vmm).toEqual({ mtermPriority: 3, mtermTimeSlice: 10_000_000, scheduler: 'prr', parallel: false });
    expect(v.guests).toEqual([]);
  });

  it('a board without /chosen and /vmm takes the defaults', () => {
    const v = board(blank(5, 12));
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.console).toBeUndefined();
    expect(v.host!.vmm).toEqual({ mtermPriority: 3, mtermTimeSlice: 10_000_000, scheduler: 'prr', parallel: false });
  });
});

describe('/cpus', () => {
  it('no /cpus node', () => {
    expectOne(board(blank(13, 37)), {
      code: 'missing_node', severity: 'error', file: 'board.dts', line: 2, column: 1,
      message: 'the board has no /cpus node: the host needs at least one CPU',
    });
    expectNone(board(), 'missing_node');
  });

  it('no cpu@N node', () => {
    expectOne(board(blank(17, 36)), {
      code: 'no_cpus', severity: 'error', file: 'board.dts', line: 13, column: 3,
      message: '/cpus has no cpu@N node: the host needs at least one CPU',
    });
    // Other nodes under /cpus (an empty core in cpu-map) do not make a CPU.
    expectOne(board({ ...blank(17, 26), ...blank(29, 34) }), {
      code: 'no_cpus', severity: 'error', file: 'board.dts', line: 13, column: 3,
      message: '/cpus has no cpu@N node: the host needs at least one CPU',
    });
    expectNone(board(), 'no_cpus');
  });

  it('only cpu nodes that cannot be used', () => {
    const v = board({ 19: '', 24: '' });
    expectOne(v, {
      code: 'no_cpus', severity: 'error', file: 'board.dts', line: 13, column: 3, message: '/cpus: no usable cpu@N node',
    });
    expect(v.diagnostics.filter((d) => d.code === 'missing_attribute').map((d) => [d.line, d.column, d.message])).toEqual([
      [17, 11, "/cpus/cpu@0: missing required attribute 'reg'"],
      [22, 11, "/cpus/cpu@1: missing required attribute 'reg'"],
    ]);
  });

  it('two CPUs with one hart id', () => {
    expectOne(board({ 24: '      reg = <0>;' }), {
      code: 'duplicate_hart', severity: 'error', file: 'board.dts', line: 24, column: 7,
      message: '/cpus/cpu@1: hart id 0 is also the id of /cpus/cpu@0',
    });
    expectNone(board(), 'duplicate_hart');
  });

  it('hart ids sort the CPUs', () => {
    const v = board({ 19: '      reg = <7>;' });
    expect(v.host!.cpus.map((c) => c.hartId)).toEqual([1, 7]);
  });

  it('no timebase-frequency', () => {
    expectOne(board({ 16: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'board.dts', line: 13, column: 3,
      message: "/cpus: missing required attribute 'timebase-frequency'",
    });
    expectNone(board(), 'missing_attribute');
  });

  it('timebase-frequency 0', () => {
    expectOne(board({ 16: '    timebase-frequency = <0>;' }), {
      code: 'timebase', severity: 'error', file: 'board.dts', line: 16, column: 5,
      message: '/cpus: timebase-frequency must not be 0',
    });
    expectNone(board(), 'timebase');
  });

  it('timebase-frequency of two cells is a type error only', () => {
    const v = board({ 16: '    timebase-frequency = <0 10000000>;' });
    expectOne(v, {
      code: 'attribute_type', severity: 'error', file: 'board.dts', line: 16, column: 5,
      message: "/cpus: attribute 'timebase-frequency' must be one 32-bit cell",
    });
    expectNone(v, 'timebase');
  });

  it('a malformed #address-cells is reported once', () => {
    const v = board({ 14: '    #address-cells = "1";' });
    const cells = v.diagnostics.filter((d) => d.message.includes('#address-cells'));
    expect(cells.map((d) => [d.code, d.severity, d.file, d.line, d.column])).toEqual([['attribute_type', 'error', 'board.dts', 14, 5]]);
    expect(cells[0]!.message).toBe("/cpus: attribute '#address-cells' must be one 32-bit cell, e.g. <5>");
  });

  it('a CPU of another device_type', () => {
    expectOne(board({ 18: '      device_type = "vcpu";' }), {
      code: 'device_type', severity: 'error', file: 'board.dts', line: 18, column: 7,
      message: '/cpus/cpu@0: device_type must be "cpu", not "vcpu"',
    });
    expectNone(board(), 'device_type');
  });

  it.each([
    [18, 'device_type'],
    [20, 'riscv,isa'],
  ])('a CPU needs line %i, %s', (line, attr) => {
    expectOne(board({ [line]: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'board.dts', line: 17, column: 11,
      message: `/cpus/cpu@0: missing required attribute '${attr}'`,
    });
  });

  it('a host CPU that is not rv64', () => {
    expectOne(board({ 20: '      riscv,isa = "rv32imac";' }), {
      code: 'isa', severity: 'error', file: 'board.dts', line: 20, column: 7,
      message: '/cpus/cpu@0: riscv,isa "rv32imac": host CPUs must be rv64',
    });
    // The host may have extensions the runtime does not use.
    expectNone(board({ 20: '      riscv,isa = "rv64imafdcvh_zba";' }), 'isa');
  });

  it('a malformed riscv,isa', () => {
    expectOne(board({ 25: '      riscv,isa = "arm64";' }), {
      code: 'isa', severity: 'error', file: 'board.dts', line: 25, column: 7,
      message: '/cpus/cpu@1: riscv,isa "arm64": not a RISC-V ISA string',
    });
  });
});

describe('/cpus/cpu-map', () => {
  it('cpu naming a node that is not a CPU', () => {
    expectOne(board({ 30: '          cpu = <&{/uart@10000000}>;' }), {
      code: 'cpu_map', severity: 'error', file: 'board.dts', line: 30, column: 11,
      message: "/cpus/cpu-map/core0/thread0: 'cpu' does not reference a cpu@N node of /cpus",
    });
    expectNone(board(), 'cpu_map');
  });

  it('one CPU placed twice', () => {
    expectOne(board({ 33: '          cpu = <&cpu0>;' }), {
      code: 'cpu_map', severity: 'error', file: 'board.dts', line: 33, column: 11,
      message: '/cpus/cpu-map/core0/thread1: cpu@0 is already placed at /cpus/cpu-map/core0/thread0',
    });
  });

  it('a thread without cpu', () => {
    expectOne(board({ 30: '' }), {
      code: 'missing_attribute', severity: 'error', file: 'board.dts', line: 29, column: 9,
      message: "/cpus/cpu-map/core0/thread0: missing required attribute 'cpu'",
    });
  });

  it('cpu as a string', () => {
    expectOne(board({ 30: '          cpu = "cpu0";' }), {
      code: 'attribute_type', severity: 'error', file: 'board.dts', line: 30, column: 11,
      message: "/cpus/cpu-map/core0/thread0: attribute 'cpu' must be one 32-bit cell",
    });
  });

  it('an unexpected node', () => {
    expectOne(board({ 28: '      bogus {' }), {
      code: 'cpu_map', severity: 'warning', file: 'board.dts', line: 28, column: 7,
      message: '/cpus/cpu-map/bogus: unexpected node in cpu-map',
    });
  });

  it('cores without threads, inside a cluster', () => {
    const v = board({
      27: '    cpu-map { cluster0 {',
      28: '      core0 { cpu = <&cpu0>; };',
      29: '      core1 { cpu = <&cpu1>; };',
      ...blank(30, 35),
      36: '    }; };',
    });
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.cpus.map((c) => c.core)).toEqual(['/cpus/cpu-map/cluster0/core0', '/cpus/cpu-map/cluster0/core1']);
  });

  it('no cpu-map: no topology', () => {
    const v = board(blank(27, 36));
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.cpus.map((c) => c.core)).toEqual([undefined, undefined]);
  });
});

describe('memory', () => {
  const second = (reg: string) => ({ 41: ['  };', '  memory@88000000 {', '    device_type = "memory";', `    reg = ${reg};`, '    numa-node-id = <1>;', '  };'] });

  it('two banks overlapping', () => {
    expectOne(board(second('<0x0 0x88000000 0x0 0x1000000>')), {
      code: 'memory_overlap', severity: 'error', file: 'board.dts', line: 44, column: 5,
      message: '/memory@88000000: memory 0x88000000..0x88ffffff overlaps /memory@80000000',
    });
    const v = board(second('<0x0 0x90000000 0x0 0x1000000>'));
    expectNone(v, 'memory_overlap');
    expect(v.host!.memory.map((b) => [b.base, b.numaNode])).toEqual([[0x80000000, 0], [0x90000000, 1]]);
  });

  it('a bank of size 0', () => {
    const v = board({ 40: '    reg = <0x0 0x80000000 0x0 0x0>;' });
    expectOne(v, {
      code: 'memory', severity: 'error', file: 'board.dts', line: 40, column: 5,
      message: '/memory@80000000: memory bank of size 0',
    });
    expectNone(board(), 'memory');
  });

  it('no memory', () => {
    expectOne(board(blank(38, 41)), {
      code: 'no_memory', severity: 'error', file: 'board.dts', line: 2, column: 1,
      message: 'the board has no memory node (device_type = "memory")',
    });
    expectNone(board(), 'no_memory');
  });

  it('a memory node without reg', () => {
    const v = board({ 40: '' });
    expectOne(v, {
      code: 'missing_attribute', severity: 'error', file: 'board.dts', line: 38, column: 3,
      message: "/memory@80000000: missing required attribute 'reg'",
    });
    expectOne(v, { code: 'no_memory', severity: 'error', file: 'board.dts', line: 2, column: 1, message: 'the board has no memory node' });
  });

  it('a reserved-memory node of the wrong size for the cell counts', () => {
    expectOne(board({ 47: '      reg = <0x80000000 0x200000>;' }), {
      code: 'attribute_type', severity: 'error', file: 'board.dts', line: 47, column: 7,
      message: "/reserved-memory/fw@80000000: 'reg' must hold (address, size) pairs of 2 + 2 cells",
    });
  });

  it('reg of the wrong size for the cell counts', () => {
    expectOne(board({ 40: '    reg = <0x0 0x80000000 0x10000000>;' }), {
      code: 'attribute_type', severity: 'error', file: 'board.dts', line: 40, column: 5,
      message: "/memory@80000000: 'reg' must hold (address, size) pairs of 2 + 2 cells",
    });
  });

  it('several banks in one reg', () => {
    const v = board({ 40: '    reg = <0x0 0x80000000 0x0 0x8000000 0x0 0x90000000 0x0 0x8000000>;' });
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.memory.map((b) => b.base)).toEqual([0x80000000, 0x90000000]);
  });

  it('/memreserve/ entries are reserved ranges', () => {
    const v = board({ 1: '/dts-v1/; /memreserve/ 0x8f000000 0x1000;' });
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.reserved.map((r) => [r.base, r.size, r.node])).toEqual([[0x8f000000, 0x1000, undefined], [0x80000000, 0x200000, expect.anything()]]);
  });
});

describe('/chosen', () => {
  it('console by phandle', () => {
    const v = board({ 6: '    console = <&uart0>;', 50: '  uart0: uart@10000000 {' });
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.console).toBe('/uart@10000000');
  });

  it('console naming no node', () => {
    expectOne(board({ 6: '    console = <0x99>;' }), {
      code: 'console', severity: 'error', file: 'board.dts', line: 6, column: 5,
      message: "/chosen: 'console' does not reference a node",
    });
    expectNone(board(), 'console');
  });

  it('stdout-path naming neither a path nor an alias', () => {
    expectOne(board({ 6: '    stdout-path = "serial0:115200n8";' }), {
      code: 'console', severity: 'error', file: 'board.dts', line: 6, column: 5,
      message: '/chosen: stdout-path "serial0:115200n8" names neither a node path nor an alias',
    });
    const v = board({ 5: '  aliases { serial0 = "/uart@10000000"; };  chosen {', 6: '    stdout-path = "serial0:115200n8";' });
    expectNone(v, 'console');
    expect(v.host!.console).toBe('serial0');
  });

  it('bootcmd is a list of strings', () => {
    expect(board({ 6: '    bootcmd = "version", "host info";' }).host!.bootcmd).toEqual(['version', 'host info']);
    expectOne(board({ 6: '    bootcmd = <1>;' }), {
      code: 'attribute_type', severity: 'error', file: 'board.dts', line: 6, column: 5,
      message: "/chosen: attribute 'bootcmd' must be one or more strings",
    });
  });
});

describe('/vmm', () => {
  it('parallel; runs the VCPUs on worker threads; it is a flag and takes no value', () => {
    const v = board({ 11: '    scheduler = "prr"; parallel;' });
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.vmm.parallel).toBe(true);
    const valued = board({ 11: '    scheduler = "prr"; parallel = <1>;' });
    expectOne(valued, { code: 'attribute_type', severity: 'warning', file: 'board.dts', line: 11, column: 24, message: 'is a flag and takes no value' });
    expect(valued.host!.vmm.parallel).toBe(true);
  });

  it('mterm_priority above 7', () => {
    expectOne(board({ 9: '    mterm_priority = <8>;' }), {
      code: 'priority', severity: 'error', file: 'board.dts', line: 9, column: 5,
      message: '/vmm: mterm_priority 8 is out of range 0..7',
    });
    expect(board({ 9: '    mterm_priority = <7>;' }).host!.vmm.mtermPriority).toBe(7);
  });

  it('mterm_time_slice 0', () => {
    expectOne(board({ 10: '    mterm_time_slice = <0>;' }), {
      code: 'time_slice', severity: 'error', file: 'board.dts', line: 10, column: 5,
      message: '/vmm: mterm_time_slice must not be 0',
    });
    expect(board({ 10: '    mterm_time_slice = <0x1 0x0>;' }).host!.vmm.mtermTimeSlice).toBe(2 ** 32);
  });

  it('an unknown scheduler', () => {
    const d = expectOne(board({ 11: '    scheduler = "edf";' }), {
      code: 'scheduler', severity: 'error', file: 'board.dts', line: 11, column: 5,
      message: '/vmm: unknown scheduler "edf"',
    });
    expect(d.hint).toContain('"prr"');
    const v = board({ 11: '    scheduler = "table";' });
    expectNone(v, 'scheduler');
    expect(v.host!.vmm.scheduler).toBe('table');
  });
});
