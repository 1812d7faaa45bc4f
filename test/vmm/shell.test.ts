/** The management shell's commands against a live hypervisor: devtree, vfs, host, help and errors. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';

const ROOT = join(import.meta.dirname, '../..');

function shell(): { sh: Shell; hv: Hypervisor; out: string[] } {
  const path = join(ROOT, 'boards/host.dtsi');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const v = validate([{ path, tree }]);
  const out: string[] = [];
  const hv = new Hypervisor(tree, v.host!, { output: (n, b) => out.push(`${n}:${Buffer.from(b).toString('latin1')}`) });
  return { sh: new Shell(hv, join(ROOT, 'boards/default.dts')), hv, out };
}

describe('shell', () => {
  it('devtree reads and edits the live board tree', () => {
    const { sh } = shell();
    expect(sh.execute('devtree attr get /vmm scheduler').lines).toEqual(['scheduler = "prr";']);
    expect(sh.execute('devtree attr set /vmm mterm_priority uint32 5').ok).toBe(true);
    expect(sh.execute('devtree attr get /vmm mterm_priority').lines).toEqual(['mterm_priority = <0x05>;']);
    expect(sh.execute('devtree attr del /vmm mterm_priority').ok).toBe(true);
    expect(sh.execute('devtree attr get /vmm mterm_priority').ok).toBe(false);
    expect(sh.execute('devtree node add /vmm extra').ok).toBe(true);
    expect(sh.execute('devtree node add /vmm extra').lines[0]).toContain('already has extra');
    expect(sh.execute('devtree node copy /vmm /cpus/cpu@0').ok).toBe(true);
    expect(sh.execute('devtree node show /vmm').lines).toEqual(['extra', 'cpu@0']);
    expect(sh.execute('devtree node dump /vmm/cpu@0').lines[0]).toBe('cpu@0 {');
    expect(sh.execute('devtree node del /vmm/extra').ok).toBe(true);
    expect(sh.execute('devtree node show /nowhere')).toEqual({ ok: false, lines: ['devtree: no node /nowhere'] });
  });

  it('vfs loads a guest, and a script stops at its first failing line', () => {
    const { sh, hv } = shell();
    expect(sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1').lines).toEqual(['g0: Loaded ../guests/dts/basic.dts']);
    expect(sh.execute('guest create g0').lines).toEqual(['g0: Created']);
    expect(sh.execute('vfs guest_load g0 0x80200000 ../guests/bin/hello.bin').lines[0]).toMatch(/^g0: Loaded 0x0000000080200000 with \d+ bytes$/);
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-shell-'));
    try {
      writeFileSync(join(dir, 'script'), '# a comment\necho one\nguest kick nosuch\necho never\n');
      const r = sh.execute(`vfs run ${join(dir, 'script')}`);
      expect(r).toEqual({ ok: false, lines: ['one', 'nosuch: Failed to kick (no such guest)'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(hv.guests.has('g0')).toBe(true);
  });

  it('help, version, host info, and unknown commands', () => {
    const { sh } = shell();
    expect(sh.execute('help').lines.some((l) => l.startsWith('devtree node'))).toBe(true);
    expect(sh.execute('version').lines[0]).toMatch(/^tsvisor /);
    expect(sh.execute('host info').lines[0]).toBe('CPU count        : 4');
    expect(sh.execute('frobnicate')).toEqual({ ok: false, lines: ['Unknown command: frobnicate (try help)'] });
    expect(sh.execute('   ').lines).toEqual([]);
  });

  it('per-VCPU operations, dumpreg, dumpstat, region_list, dumpmem and vserial dump', () => {
    const { sh, hv } = shell();
    sh.execute('vfs guest_fdt_load g0 ../guests/dts/basic.dts 1');
    sh.execute('guest create g0');
    sh.execute('vfs guest_load g0 0x80200000 ../guests/bin/hello.bin');
    const id = hv.guests.get('g0')!.vcpuIds[0]!;
    expect(sh.execute(`vcpu pause ${id}`).lines).toEqual(['g0/vcpu0: Failed to pause']);
    expect(sh.execute(`vcpu kick ${id}`).lines).toEqual(['g0/vcpu0: Kicked']);
    expect(sh.execute(`vcpu pause ${id}`).lines).toEqual(['g0/vcpu0: Paused']);
    expect(sh.execute(`vcpu resume ${id}`).lines).toEqual(['g0/vcpu0: Resumed']);
    expect(sh.execute('vcpu kick 99').lines).toEqual(['Failed to find vcpu 99']);
    hv.runUntil(1e9);
    expect(sh.execute('vserial dump g0/sbi').lines).toContain('PASS hello (5 checks)');
    expect(sh.execute('vserial dump nope/uart0').ok).toBe(false);
    const regs = sh.execute(`vcpu dumpreg ${id}`).lines;
    expect(regs[0]).toMatch(/^pc: 0x[0-9a-f]{16}  mode: S$/);
    expect(regs[1]).toMatch(/^zero0x0{16}/);
    expect(sh.execute(`vcpu dumpstat ${id}`).lines).toContain('Reset count      : 2'); // created, then SRST shutdown = reset
    const regions = sh.execute('guest region_list g0').lines;
    expect(regions.some((l) => l.includes('mem0') && l.includes('0x0000000080000000') && l.includes('alloced_ram'))).toBe(true);
    expect(sh.execute('guest dumpmem g0 0x80200000 16').lines[0]).toMatch(/^0x0000000080200000: ([0-9a-f]{2} ){15}[0-9a-f]{2}$/);
    expect(sh.execute('guest dumpmem g0 0x1000 16').ok).toBe(false);
  });
});
