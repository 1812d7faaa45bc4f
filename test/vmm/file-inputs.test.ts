/**
 * File inputs under a running hypervisor: /dev/zero, /dev/urandom, a FIFO, a directory and a file larger than the
 * guest's RAM are refused at once, as image, load list, script or device tree, and the guest already running goes
 * on undisturbed.
 */
import { describe, expect, it } from 'vitest';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';
import { readHostFile } from '../../src/vmm/host-file.js';
import { runChecked } from '../support/process.js';

const ROOT = join(import.meta.dirname, '../..');

describe('file inputs', () => {
  it('bad files are refused within a second while a running guest goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-inputs-'));
    try {
      const fifo = join(dir, 'fifo');
      await runChecked('mkfifo', [fifo]);
      const huge = join(dir, 'huge.bin'); // sparse: 2 GiB that cost nothing on disk
      const fd = openSync(huge, 'w');
      ftruncateSync(fd, 2 ** 31);
      closeSync(fd);
      writeFileSync(join(dir, 'list'), `0x80200000 ${huge}\n`);
      const path = join(ROOT, 'boards/host.dtsi');
      const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
      const out = new Map<string, string>();
      const hv = new Hypervisor(tree, validate([{ path, tree }]).host!, {
        output: (n, b) => out.set(n, (out.get(n) ?? '') + Buffer.from(b).toString('latin1')),
      });
      const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
      for (const g of ['g0', 'g1']) {
        expect(sh.execute(`vfs guest_fdt_load ${g} ../guests/dts/basic.dts 1`).ok).toBe(true);
        expect(sh.execute(`guest create ${g}`).ok).toBe(true);
      }
      expect(sh.execute(`vfs guest_load g0 0x80200000 ${join(ROOT, 'guests/bin/rv64i.bin')}`).ok).toBe(true);
      expect(sh.execute('guest kick g0').ok).toBe(true);
      hv.runUntil(1e5);
      expect(out.get('g0/sbi') ?? '').not.toContain('PASS');
      const attempts: [string, RegExp][] = [
        ['vfs guest_load g1 0x80200000 /dev/zero', /character device, not a regular file/],
        ['vfs guest_load g1 0x80200000 /dev/urandom', /character device, not a regular file/],
        [`vfs guest_load g1 0x80200000 ${fifo}`, /a FIFO, not a regular file/],
        [`vfs guest_load g1 0x80200000 ${dir}`, /a directory, not a regular file/],
        [`vfs guest_load g1 0x80200000 ${huge}`, /2048 MiB is larger than the 126 MiB left in mem0 from 0x80200000/],
        [`vfs guest_load_list g1 ${join(dir, 'list')}`, /2048 MiB is larger than/],
        [`vfs guest_load_list g1 ${fifo}`, /a FIFO, not a regular file/],
        [`vfs guest_fdt_load g2 ${fifo} 1`, /device tree .*: a FIFO, not a regular file/],
        ['vfs guest_fdt_load g2 /dev/zero 1', /device tree \/dev\/zero: a character device/],
        [`vfs guest_fdt_load g2 ${huge} 1`, /larger than the 16 MiB limit/],
        [`vfs run ${fifo}`, /script .*: a FIFO, not a regular file/],
        ['vfs run /dev/urandom', /script \/dev\/urandom: a character device/],
      ];
      for (const [cmd, expected] of attempts) {
        const t0 = performance.now();
        const r = sh.execute(cmd);
        expect(performance.now() - t0, cmd).toBeLessThan(1000);
        expect(r.ok, cmd).toBe(false);
        expect(r.lines.join('\n'), cmd).toMatch(expected);
      }
      hv.runUntil(1e9);
      expect(out.get('g0/sbi')).toContain('PASS rv64i');
      expect(hv.guests.get('g0')!.instance.vcpus[0]!.haltReason).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('readHostFile reads regular files within their limit and names the file and reason otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-inputs-'));
    try {
      writeFileSync(join(dir, 'f'), 'hello');
      const r = readHostFile(join(dir, 'f'), 5);
      expect(r.ok && r.data.toString()).toBe('hello');
      expect(readHostFile(join(dir, 'f'), 4, 'image')).toEqual({ ok: false, error: `image ${join(dir, 'f')}: 5 bytes is larger than the 4 bytes limit` });
      expect(readHostFile(join(dir, 'none'), 4)).toEqual({ ok: false, error: `file ${join(dir, 'none')}: no such file or directory` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a guest listing more than 1024 VCPUs is refused at creation; the running guest is unharmed', () => {
    const path = join(ROOT, 'boards/host.dtsi');
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
    const hv = new Hypervisor(tree, validate([{ path, tree }]).host!, { output: () => {} });
    const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
    sh.execute('vfs guest_fdt_load g ../guests/dts/basic.dts 1');
    expect(sh.execute('guest create g').ok).toBe(true);
    const vcpu = (i: number): string => `vcpu${i} { device_type = "vcpu"; compatible = "riscv,generic"; riscv,isa = "rv64imac"; start_pc = <0x0 0x80200000>; };`;
    const dts = `/dts-v1/;\n/ { device_type = "guest"; vcpus { ${Array.from({ length: 1100 }, (_, i) => vcpu(i)).join(' ')} };\n` +
      ' aspace { guest_irq_count = <32>; mem0 { manifest_type = "real"; address_type = "memory"; device_type = "alloced_ram"; guest_physical_addr = <0x0 0x80000000>; physical_size = <0x0 0x400000>; }; }; };\n';
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-vcpus-'));
    try {
      writeFileSync(join(dir, 'many.dts'), dts);
      const load = sh.execute(`vfs guest_fdt_load many ${join(dir, 'many.dts')} 0`);
      if (load.ok) {
        const r = sh.execute('guest create many');
        expect(r.ok).toBe(false);
        expect(r.lines[0]).toMatch(/1100 VCPUs is more than the 1024 a guest may have|1024/);
      } else {
        expect(load.lines[0]).toMatch(/1024/);
      }
      expect(hv.guests.has('g')).toBe(true);
      expect(hv.guests.has('many')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
