/**
 * The shell under 20,000 random commands (seeded, so a failure reproduces): words from the real commands, numbers
 * good and bad, guest names, and paths that are files, a directory, /dev/zero, a FIFO and a script that runs
 * itself. No exception may escape and every command must answer quickly.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';
import { runChecked, yieldToEventLoop } from '../support/process.js';

const ROOT = join(import.meta.dirname, '../..');

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('shell fuzz', () => {
  it('20,000 random commands: no exception, each answers within 1 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-shell-fuzz-'));
    try {
      writeFileSync(join(dir, 'self.script'), `echo again\nvfs run ${join(dir, 'self.script')}\n`);
      writeFileSync(join(dir, 'list'), `0x80200000 ${join(ROOT, 'guests/bin/hello.bin')}\n0x80000000 /dev/zero\n`);
      let fifo: string | undefined = join(dir, 'fifo');
      try { await runChecked('mkfifo', [fifo]); } catch { fifo = undefined; }
      const path = join(ROOT, 'boards/host.dtsi');
      const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
      const v = validate([{ path, tree }]);
      const hv = new Hypervisor(tree, v.host!, { output: () => {} });
      const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
      expect(sh.execute('vfs guest_fdt_load g ../guests/dts/basic.dts 1').ok).toBe(true);
      expect(sh.execute('guest create g').ok).toBe(true);

      const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
      const commands: Record<string, readonly string[]> = {
        guest: ['list', 'create', 'destroy', 'reset', 'kick', 'pause', 'resume', 'halt', 'region_list', 'dumpmem', 'bogus'],
        vcpu: ['list', 'normal_list', 'orphan_list', 'reset', 'kick', 'pause', 'resume', 'halt', 'dumpreg', 'dumpstat', 'set_hcpu', 'set_affinity', 'monitor', 'x'],
        memory: ['dump8', 'dump16', 'dump32', 'modify8', 'modify16', 'modify32', 'copy', 'help', 'x'],
        vserial: ['list', 'dump', 'bind'],
        vfs: ['guest_fdt_load', 'guest_load', 'guest_load_list', 'run', 'ls'],
        devtree: ['attr', 'node', 'x'],
        host: ['info', 'cpu', 'ram', 'x'],
        help: [''], version: [''], echo: ['hello'], nosuch: [''],
      };
      const numbers = ['0', '1', '5', '64', '4096', '4097', '0x80000000', '0x80200000', '0x87fffff0', '0x100000', '-1', '-16', '1.5',
        'abc', '0x', '99999999999999999999999', '9007199254740993', '0xffffffffffffffff', '1e3', '010', '08', '0x0c000000', '1024', '1025'];
      const names = ['g', 'g2', 'nosuch', 'g/sbi', 'g/uart0', '', '"a b"', 'guest0'];
      const paths = [join(ROOT, 'guests/bin/hello.bin'), join(ROOT, 'guests/bin/hello.elf'), '../guests/dts/basic.dts', '/dev/zero', '/dev/urandom',
        dir, join(dir, 'self.script'), join(dir, 'list'), '/nonexistent/file', '/etc/shadow', ...(fifo ? [fifo] : [])];
      const extras = ['/vmm', '/', '/guests/g', 'scheduler', 'uint32', 'string', 'bytes', 'mem0,physical_size,uint64,0x1000', 'show', 'get', 'set', 'del', 'dump', 'add', 'copy'];
      const r = rng(0x5eed);
      let max = 0, slowest = '', escaped = 0;
      for (let i = 0; i < 20_000; i++) {
        if (i % 500 === 0) await yieldToEventLoop(); // seconds in all on a loaded machine: let the worker's event loop turn
        const cmd = pick(r, Object.keys(commands));
        const parts = [cmd, pick(r, commands[cmd]!)];
        const n = Math.floor(r() * 5);
        for (let k = 0; k < n; k++) parts.push(pick(r, [names, numbers, paths, extras][Math.floor(r() * 4)]!));
        const line = parts.join(' ');
        const t0 = performance.now();
        try {
          const res = sh.execute(line);
          expect(Array.isArray(res.lines)).toBe(true);
        } catch (e) {
          escaped++;
          throw new Error(`"${line}" threw: ${String(e)}`, { cause: e });
        }
        const dt = performance.now() - t0;
        if (dt > max) { max = dt; slowest = line; }
      }
      console.log(`shell fuzz: slowest command ${max.toFixed(1)} ms: ${slowest}`);
      expect(escaped).toBe(0);
      expect(max).toBeLessThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('validates numbers and files with Xvisor-style error lines', () => {
    const path = join(ROOT, 'boards/host.dtsi');
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
    const hv = new Hypervisor(tree, validate([{ path, tree }]).host!, { output: () => {} });
    const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
    sh.execute('vfs guest_fdt_load g ../guests/dts/basic.dts 1');
    sh.execute('guest create g');
    const img = join(ROOT, 'guests/bin/hello.bin');
    for (const bad of ['1.5', 'abc', '-1', '99999999999999999999999', '0x1p3', '9007199254740993']) {
      const res = sh.execute(`vfs guest_load g ${bad} ${img}`);
      expect(res.ok).toBe(false);
      expect(res.lines[0]).toMatch(/^g: (invalid guest physical address|guest physical address .* out of range)/);
    }
    expect(sh.execute(`vfs guest_load g 0x1000000000 ${img}`).lines).toEqual(['g: 0x1000000000 is not RAM or ROM of the guest']);
    expect(sh.execute('vfs guest_load g 0x80200000 /nonexistent').lines).toEqual(['g: image /nonexistent: no such file or directory']);
    expect(sh.execute(`vfs guest_load g 0x80200000 ${ROOT}`).lines).toEqual([`g: image ${ROOT}: a directory, not a regular file`]);
    expect(sh.execute('vfs guest_load g 0x80200000 /dev/zero').lines).toEqual(['g: image /dev/zero: a character device, not a regular file']);
    expect(sh.execute('guest dumpmem g 0x80000000 -16').lines[0]).toMatch(/^g: invalid length "-16"/);
    expect(sh.execute('guest dumpmem g 0x80000000 0x100000').lines).toEqual(['g: length 1048576 is more than the 4096 bytes dumpmem shows at once']);
    expect(sh.execute('guest dumpmem g 0x80000000 16').lines).toEqual(['0x0000000080000000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00']);
    expect(sh.execute('vcpu kick 1.5').lines[0]).toBe('vcpu: invalid VCPU id "1.5" (a decimal, 0x hex or 0 octal number)');
    expect(sh.execute('vfs guest_fdt_load h ../guests/dts/basic.dts abc').lines).toEqual(['h: invalid VCPU count "abc" (a decimal, 0x hex or 0 octal number)']);
    expect(sh.execute('vfs guest_fdt_load h /dev/zero 1').lines).toEqual(['h: device tree /dev/zero: a character device, not a regular file']);
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-shell-'));
    try {
      const script = join(dir, 'self');
      writeFileSync(script, `echo in\nvfs run ${script}\n`);
      const t0 = performance.now();
      const res = sh.execute(`vfs run ${script}`);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(res.ok).toBe(false);
      expect(res.lines.filter((l) => l === 'in')).toHaveLength(8);
      expect(res.lines.at(-1)).toMatch(/scripts nested more than 8 deep/);
      expect(sh.execute(`vfs run ${dir}`).lines).toEqual([`vfs run: script ${dir}: a directory, not a regular file`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('devtree node copy cannot grow the board tree without bound', async () => {
    const path = join(ROOT, 'boards/host.dtsi');
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
    const hv = new Hypervisor(tree, validate([{ path, tree }]).host!, { output: () => {} });
    const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
    let last = { ok: true, lines: [] as string[] };
    // Each round copies the whole tree into a new node: it doubles, until the limit refuses.
    for (let i = 0; i < 40 && last.ok; i++) {
      await yieldToEventLoop(); // the last copies take a while: let the worker's event loop turn between them
      expect(sh.execute(`devtree node add / d${i}`).ok).toBe(true);
      last = sh.execute(`devtree node copy /d${i} /`);
    }
    expect(last.ok).toBe(false);
    expect(last.lines[0]).toMatch(/more than 100000$/);
  });
});
