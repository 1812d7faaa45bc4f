/**
 * Acceptance: the shipped board and guest validate clean, and `tsvisor validate` reports as specified (exit 0 clean,
 * 1 errors or warnings with --strict, 2 an unreadable file; text or JSON). In process through runValidate, plus
 * one run of the built CLI for the exit codes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../../src/cli/validate.js';
import { compileSource } from '../../../src/dts/compile.js';
import { toBlob } from '../../../src/dts/dtb.js';
import type { Diagnostic } from '../../../src/dts/diagnostics.js';
import { validate } from '../../../src/vmm/config/validate.js';
import { GUEST, HOST, edit } from './fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const TWO_GUESTS = join(ROOT, 'boards/two-guests.dts');
const VIRT64 = join(ROOT, 'guests/dts/virt64.dts');
const CLI = join(ROOT, 'dist/cli/tsvisor.cjs');

const plain = (s: string): string => stripVTControlCharacters(s);

interface Run { code: number; out: string }
function run(paths: string[], flags: { format?: string; strict?: boolean; include?: string[] } = {}): Run {
  let out = '';
  const code = runValidate(paths, { format: (flags.format ?? 'text') as 'text', strict: flags.strict, include: flags.include ?? [] },
    (s) => { out += s; });
  return { code, out: plain(out) };
}

interface JsonReport {
  files: string[];
  host: { cpus: number; memoryBytes: number } | null;
  guests: { name: string; vcpus: number; regions: number }[];
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

let dir: string;
const at = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvisor-validate-'));
  writeFileSync(at('board.dts'), edit(HOST));
  writeFileSync(at('g.dts'), edit(GUEST));
  // Two errors: an IRQ out of range (line 53) and a priority out of range (line 10).
  writeFileSync(at('bad.dts'), edit(GUEST, { 10: '      priority = <9>;', 53: '      interrupts = <32>;' }));
  writeFileSync(at('syntax.dts'), '/dts-v1/;\n/ {\n  device_type = "guest"\n};\n');
  writeFileSync(at('board.dtb'), toBlob(compileSource(edit(HOST), 'board.dts').tree!));
  writeFileSync(at('inc-board.dts'), '/dts-v1/;\n/include/ "shared-host.dtsi"\n');
  mkdirSync(at('folder.dts'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('acceptance', () => {
  it('virt64 loaded twice through boards/two-guests.dts validates with no diagnostics', () => {
    const t0 = performance.now();
    const result = compileSource(readFileSync(TWO_GUESTS, 'latin1'), TWO_GUESTS);
    const v = validate([{ path: TWO_GUESTS, tree: result.tree! }]);
    const ms = performance.now() - t0;
    console.log(`compile + validate boards/two-guests.dts: ${ms.toFixed(1)} ms`);
    expect(result.diagnostics).toEqual([]);
    expect(v.diagnostics).toEqual([]);
    expect(v.host!.cpus).toHaveLength(4);
    expect(v.guests.map((g) => [g.name, g.vcpus.length, g.vcpus.map((c) => c.poweroff), g.regions.find((r) => r.name.endsWith('/mem0'))!.size]))
      .toEqual([['guest0', 2, [false, true], 0x10000000], ['guest1', 1, [false], 0x08000000]]);
    expect(v.guests[0]!.regions.map((r) => r.name.slice('guest0/'.length))).toEqual([
      'nor_flash0', 'plic', 'uart0', 'vminfo', 'simplefb', 'rtc', 'virtio-net0', 'virtio-blk0', 'virtio-con0', 'videomem', 'shmem', 'mem0',
    ]);
    expect(ms).toBeLessThan(2000);
  });

  it('tsvisor validate boards/two-guests.dts: exit 0', () => {
    const t0 = performance.now();
    const r = run([TWO_GUESTS]);
    console.log(`runValidate boards/two-guests.dts: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(r).toEqual({ code: 0, out: 'ok: host with 4 CPUs, 2 guests\n' });
  });
});

describe('runValidate', () => {
  it('a board and a guest, clean', () => {
    expect(run([at('board.dts'), at('g.dts')])).toEqual({ code: 0, out: 'ok: host with 2 CPUs, 1 guest\n' });
  });

  it('errors: exit 1, each located, with a summary', () => {
    const r = run([at('board.dts'), at('bad.dts')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${at('bad.dts')}:10:7: error: bad/vcpu0: priority 9 is out of range 0..7 [priority]\n`);
    expect(r.out).toContain(`${at('bad.dts')}:53:7: error: bad/uart: interrupt 32 is outside 1..31 (guest_irq_count is 32) [irq_range]\n`);
    // The source line and a caret under the attribute.
    expect(r.out).toContain('53 |       interrupts = <32>;\n   |       ^~~~~~~~~~\n');
    expect(r.out.endsWith('2 errors, 0 warnings (host with 2 CPUs, 1 guest)\n')).toBe(true);
  });

  it('warnings alone: exit 0, or 1 with --strict', () => {
    const r = run([VIRT64]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${VIRT64}:150:4: warning: virt64/mem0: physical_size is 0 until guest_fdt_load overrides it [region_size]`);
    expect(r.out).toContain('hint: give the size here');
    expect(r.out).toContain(`${VIRT64}:143:4: warning: virt64/shmem: 'shared_mem' is empty: it must name the shared memory the region maps (until guest_fdt_load overrides it) [shared_mem]`);
    expect(r.out.endsWith('0 errors, 2 warnings (1 guest)\n')).toBe(true);
    expect(run([VIRT64], { strict: true }).code).toBe(1);
    expect(run([TWO_GUESTS], { strict: true }).code).toBe(0);
  });

  it('a file that cannot be read: exit 2, the others still checked', () => {
    const r = run([at('missing.dts'), at('bad.dts')]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${at('missing.dts')}: error: device tree ${at('missing.dts')}: no such file or directory [read]\n`);
    expect(r.out).toContain('[irq_range]');
    // A folder is unreadable as a file too.
    expect(run([at('folder.dts')]).code).toBe(2);
  });

  it('a file that does not compile: exit 1 with the compiler diagnostic', () => {
    const r = run([at('syntax.dts')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${at('syntax.dts')}:4:1: error: syntax error`);
  });

  it('--format json lists every diagnostic with file, line and column', () => {
    const r = run([at('board.dts'), at('bad.dts'), VIRT64], { format: 'json' });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.files).toEqual([at('board.dts'), at('bad.dts'), VIRT64]);
    expect(report.host).toEqual({ cpus: 2, memoryBytes: 0x10000000 });
    expect(report.guests).toEqual([{ name: 'bad', vcpus: 1, regions: 5 }, { name: 'virt64', vcpus: 0, regions: 12 }]);
    expect([report.errors, report.warnings]).toEqual([2, 2]);
    expect(report.diagnostics.map((d) => [d.severity, d.code, d.file, d.line, d.column])).toEqual([
      ['error', 'priority', at('bad.dts'), 10, 7],
      ['error', 'irq_range', at('bad.dts'), 53, 7],
      ['warning', 'shared_mem', VIRT64, 143, 4],
      ['warning', 'region_size', VIRT64, 150, 4],
    ]);
    expect(report.diagnostics[1]!.message).toBe('bad/uart: interrupt 32 is outside 1..31 (guest_irq_count is 32)');
  });

  it('--format json of a clean board', () => {
    const report = JSON.parse(run([TWO_GUESTS], { format: 'json' }).out) as JsonReport;
    expect(report).toMatchObject({ errors: 0, warnings: 0, diagnostics: [], host: { cpus: 4, memoryBytes: 2 ** 31 } });
    expect(report.guests.map((g) => g.name)).toEqual(['guest0', 'guest1']);
  });

  it('an unknown format: exit 2', () => {
    expect(run([TWO_GUESTS], { format: 'yaml' })).toEqual({ code: 2, out: 'tsvisor validate: unknown format "yaml" (text or json)\n' });
  });

  it('a .dtb board', () => {
    expect(run([at('board.dtb'), at('g.dts')])).toEqual({ code: 0, out: 'ok: host with 2 CPUs, 1 guest\n' });
  });

  it('-i adds to the /include/ search path', () => {
    const inc = mkdtempSync(join(dir, 'inc-'));
    writeFileSync(join(inc, 'shared-host.dtsi'), edit(HOST, { 1: '' }));
    expect(run([at('inc-board.dts')]).code).toBe(1);
    expect(run([at('inc-board.dts')], { include: [inc] })).toEqual({ code: 0, out: 'ok: host with 2 CPUs, 0 guests\n' });
  });
});

describe('the built CLI', () => {
  const exec = (args: string[]): Promise<{ code: number; stdout: string }> => new Promise((done) => {
    execFile(process.execPath, [CLI, 'validate', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout) => done({ code: error ? (error.code as number) : 0, stdout }));
  });

  it.skipIf(!existsSync(CLI))('exits 0, 1 and 2 (run npm run build first)', async () => {
    const [ok, errors, unreadable] = await Promise.all([
      exec(['boards/two-guests.dts']),
      exec([at('bad.dts'), '--format', 'json']),
      exec([at('missing.dts')]),
    ]);
    expect(ok).toEqual({ code: 0, stdout: 'ok: host with 4 CPUs, 2 guests\n' });
    expect(errors.code).toBe(1);
    expect((JSON.parse(errors.stdout) as JsonReport).errors).toBe(2);
    expect(unreadable.code).toBe(2);
    expect(plain(unreadable.stdout)).toContain(`${at('missing.dts')}: error: device tree ${at('missing.dts')}: no such file`);
  });
});
