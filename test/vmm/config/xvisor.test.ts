/**
 * `validate` follows Xvisor's emulators and guest creation: the defaults they have, the rejections they make and
 * what they mask (the Xvisor source each rule mirrors is cited where the rule is, in src/vmm/config/guest.ts,
 * isa.ts and rules.ts). Positions are counted by hand from GUEST (fixtures.ts) and the lines added here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUEST, HOST, TEMPLATE_GUEST, check, edit, expectNone, expectOne } from './fixtures.js';

const g = (changes: Parameters<typeof edit>[1] = {}) => check(['g.dts', edit(GUEST, changes)]);

/** GUEST with a simplefb region after `heap`: its node on line 63, `base` on 70, `extra` attributes from 71. */
const fb = (...extra: string[]) => g({
  62: ['    };', '    fb {', '      manifest_type = "virtual";', '      address_type = "memory";', '      device_type = "display";',
    '      compatible = "simplefb-0.1";', '      guest_physical_addr = <0x10002000>;', '      physical_size = <0x1000>;',
    '      base = <0x40000000>;', ...extra.map((a) => `      ${a}`), '    };'],
});

describe('simplefb (emulators/display/simplefb.c)', () => {
  it('width, height and mode default to 1600×900 a8r8g8b8', () => {
    const v = fb();
    expect(v.diagnostics).toEqual([]);
    expect(v.guests[0]!.regions.find((r) => r.name === 'g/fb')!.emulator?.name).toBe('simplefb');
  });

  it.each(['r5g6b5', 'x1r5g5b5', 'a1r5g5b5', 'r8g8b8', 'x8r8g8b8', 'a8r8g8b8', 'a8b8g8r8'])('mode %s', (mode) => {
    expect(fb(`mode = "${mode}";`).diagnostics).toEqual([]);
  });

  it('a mode Xvisor does not know is refused', () => {
    const d = expectOne(fb('mode = "rgb565";'), {
      code: 'simplefb_mode', severity: 'error', file: 'g.dts', line: 71, column: 7, message: 'g/fb: mode "rgb565" is not a simplefb mode',
    });
    expect(d.hint).toContain('a8r8g8b8');
  });

  it('order lblp, bbbp or bblp', () => {
    expect(fb('order = "bbbp";').diagnostics).toEqual([]);
    expectOne(fb('order = "xxxx";'), {
      code: 'simplefb_order', severity: 'error', file: 'g.dts', line: 71, column: 7, message: 'g/fb: order "xxxx": expected lblp, bbbp or bblp',
    });
  });

  it('a stride shorter than a line is refused', () => {
    expect(fb('width = <100>;', 'mode = "r5g6b5";', 'stride = <200>;').diagnostics).toEqual([]);
    expectOne(fb('width = <100>;', 'mode = "r5g6b5";', 'stride = <199>;'), {
      code: 'simplefb_stride', severity: 'error', file: 'g.dts', line: 73, column: 7,
      message: 'g/fb: stride 199 is shorter than a line (100 pixels of 2 bytes)',
    });
  });

  it('no base: a warning, the display has no framebuffer', () => {
    const v = g({
      62: ['    };', '    fb {', '      manifest_type = "virtual";', '      address_type = "memory";', '      device_type = "display";',
        '      compatible = "simplefb-0.1";', '      guest_physical_addr = <0x10002000>;', '      physical_size = <0x1000>;', '    };'],
    });
    expectOne(v, { code: 'simplefb_base', severity: 'warning', file: 'g.dts', line: 63, column: 5, message: 'g/fb: no base' });
    expectNone(fb(), 'simplefb_base');
  });
});

describe('PLIC (emulators/pic/plic.c)', () => {
  it('num_irq up to 1024', () => {
    expect(g({ 43: '      num_irq = <1024>;' }).diagnostics.filter((d) => d.code.startsWith('plic'))).toEqual([]);
    expectOne(g({ 43: '      num_irq = <1025>;' }), {
      code: 'plic_num_irq', severity: 'error', file: 'g.dts', line: 43, column: 7, message: 'g/plic: num_irq 1025 is above 1024',
    });
  });

  it('max_priority up to 16', () => {
    expect(g({ 44: '      max_priority = <16>;' }).diagnostics).toEqual([]);
    expectOne(g({ 44: '      max_priority = <17>;' }), {
      code: 'plic_max_priority', severity: 'error', file: 'g.dts', line: 44, column: 7, message: 'g/plic: max_priority 17 is above 16',
    });
  });
});

/** GUEST with a shared_ram region after `heap`: node on line 63, `shared_mem` (when given) on 69. */
const shm = (sharedMem: string | undefined, size = '0x100000', align?: number) => [
  '    };', '    shm {', '      manifest_type = "real";', '      address_type = "memory";', '      device_type = "shared_ram";',
  '      guest_physical_addr = <0x58000000>;', `      physical_size = <${size}>;`,
  ...(sharedMem === undefined ? [] : [`      shared_mem = ${sharedMem};`]), ...(align === undefined ? [] : [`      align_order = <${align}>;`]), '    };',
];

describe('shared memory', () => {
  it('a shared region names its shared memory', () => {
    expect(g({ 62: shm('"s0"') }).diagnostics).toEqual([]);
  });

  it('missing shared_mem', () => {
    expectOne(g({ 62: shm(undefined) }), {
      code: 'shared_mem', severity: 'error', file: 'g.dts', line: 63, column: 5, message: "g/shm: missing 'shared_mem'",
    });
  });

  it('empty shared_mem', () => {
    const d = expectOne(g({ 62: shm('""') }), {
      code: 'shared_mem', severity: 'error', file: 'g.dts', line: 69, column: 7, message: "g/shm: 'shared_mem' is empty",
    });
    expect(d.hint).toContain('shared_mem,string,');
  });

  it('empty shared_mem in a region the aliases name (Xvisor\'s virt64: "Override this before guest creation"): a warning', () => {
    const v = check(['t.dts', edit(TEMPLATE_GUEST, { 6: '    uart0 = &UART0; shmem0 = &SHM;', 30: [...shm('""').slice(0, 1), '    SHM: shm {', ...shm('""').slice(2)] })]);
    expectOne(v, { code: 'shared_mem', severity: 'warning', file: 't.dts', line: 37, column: 7, message: "t/shm: 'shared_mem' is empty" });
  });

  it('guests mapping one shared memory agree on its size and alignment', () => {
    const one = (name: string, size: string, align?: number) => [name, edit(GUEST, { 62: shm('"pool"', size, align) })] as const;
    const same = check(one('a.dts', '0x100000'), one('b.dts', '0x100000'));
    expectNone(same, 'shared_mem_size');
    expectNone(same, 'shared_mem_align');
    expectOne(check(one('a.dts', '0x100000'), one('b.dts', '0x200000')), {
      code: 'shared_mem_size', severity: 'error', file: 'b.dts', line: 68, column: 7,
      message: 'b/shm: shared memory "pool" is 0x200000 bytes here but 0x100000 in a/shm',
    });
    expectOne(check(one('a.dts', '0x200000'), one('b.dts', '0x200000', 21)), {
      code: 'shared_mem_align', severity: 'error', file: 'b.dts', line: 70, column: 7,
      message: 'b/shm: shared memory "pool" is aligned to 2^21 here but 2^12 in a/shm',
    });
  });
});

describe('strings copied into the generated guest device tree', () => {
  it('a model with a newline (and #if after it) is refused where it is written', () => {
    const d = expectOne(g({ 3: '  device_type = "guest"; model = "virt\\n#if 1";' }), {
      code: 'fdt_string', severity: 'error', file: 'g.dts', line: 3, column: 26,
      message: "g: model contains a newline (at offset 4): it would make the guest's generated device tree invalid",
    });
    expect(d.hint).toContain('printable ASCII');
    expectNone(g({ 3: '  device_type = "guest"; model = "virt #if 1";' }), 'fdt_string');
  });

  it('bootargs with a control character, on the guest or in its chosen node', () => {
    expectOne(g({ 3: '  device_type = "guest"; bootargs = "console=ttyS0\\r";' }), {
      code: 'fdt_string', severity: 'error', file: 'g.dts', line: 3, column: 26, message: 'g: bootargs contains a carriage return (at offset 13)',
    });
    expectOne(g({ 3: '  device_type = "guest"; chosen { bootargs = "a\\x01"; };' }), {
      code: 'fdt_string', severity: 'error', file: 'g.dts', line: 3, column: 35, message: 'g/chosen: bootargs contains the byte 0x01 (at offset 1)',
    });
    expect(g({ 3: '  device_type = "guest"; bootargs = "console=ttyS0 earlycon=sbi";' }).diagnostics).toEqual([]);
  });
});

describe('a memory bank of size 0', () => {
  it('is reported as such, not as a board with no memory node', () => {
    const v = check(['board.dts', edit(HOST, { 40: '    reg = <0x0 0x80000000 0x0 0x0>;' })]);
    expectOne(v, { code: 'memory', severity: 'error', file: 'board.dts', line: 40, column: 5, message: 'memory bank of size 0' });
    expectNone(v, 'no_memory');
  });
});

/**
 * Xvisor's own guest: tests/riscv/virt64/virt64-guest.dts of xvisor/xvisor (as of commit 663035af). Our
 * guests/dts/virt64.dts is a copy of an earlier version; the later one differs by the edits below (a `sbi_version`,
 * a /chosen stdout-path, riscv,isa "rv64imafdcsu", a simplefb with `match_fbdev` and no width/height/mode,
 * virtio-rpmsg and virtio-input devices, a videomem `map_order`), applied here to our copy.
 */
describe("Xvisor's virt64 guest", () => {
  const ROOT = resolve(import.meta.dirname, '../../..');
  const ours = readFileSync(join(ROOT, 'guests/dts/virt64.dts'), 'utf8');

  const xvisor = (): string => {
    let s = ours;
    const sub = (from: string | RegExp, to: string): void => {
      const next = s.replace(from, to);
      expect(next, `edit ${String(from)}`).not.toBe(s);
      s = next;
    };
    sub('device_type = "guest";', 'device_type = "guest";\n\tsbi_version = <2>;');
    sub('\tvcpu_template {', '\tchosen {\n\t\tstdout-path="uart0";\n\t};\n\n\tvcpu_template {');
    sub('riscv,isa = "rv64imafdc_zicsr_zifencei_sstc";', 'riscv,isa = "rv64imafdcsu";');
    sub(/width = <1024>;\s*height = <768>;\s*mode = "r5g6b5";/, 'match_fbdev = "fb0";');
    sub('\t\tvideomem {', [3, 4].map((i) => `\t\tvirtio-x${i} {\n\t\t\tmanifest_type = "virtual";\n\t\t\taddress_type = "memory";\n` +
      `\t\t\tdevice_type = "virtio";\n\t\t\tcompatible = "virtio,mmio";\n\t\t\tvirtio_type = <${i === 3 ? 7 : 18}>;\n` +
      `\t\t\tguest_physical_addr = <0x2000${i}000>;\n\t\t\tphysical_size = <0x1000>;\n\t\t\tinterrupts = <${i + 1}>;\n\t\t};\n\n`).join('') + '\t\tvideomem {');
    sub('align_order = <21>;\n\t\t\tdevice_type = "alloced_ram";\n\t\t};\n\n\t\tSHMEM0', 'align_order = <21>;\n\t\t\tmap_order = <24>;\n\t\t\tdevice_type = "alloced_ram";\n\t\t};\n\n\t\tSHMEM0');
    return s;
  };

  it('our copy validates with warnings only (RAM size and shared memory left to guest_fdt_load)', () => {
    const v = check(['virt64.dts', ours]);
    expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(v.diagnostics.map((d) => d.code)).toEqual(['shared_mem', 'region_size']);
  });

  it("Xvisor's later version validates with warnings only", () => {
    const v = check(['virt64-guest.dts', xvisor()]);
    expect(v.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
    expect(v.diagnostics.map((d) => d.code).sort()).toEqual(['region_size', 'shared_mem']);
    expect(v.guests[0]!.regions.find((r) => r.name.endsWith('/simplefb'))!.emulator?.name).toBe('simplefb');
  });
});
