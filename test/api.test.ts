/**
 * The library entry points (src/index.ts) in process: their defaults, and bad input as results or a located
 * ConfigError, never a crash. test/package.test.ts runs the same entry points from the packed package.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, ConfigError, Hypervisor, runImage, Shell, validate, VERSION } from '../src/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const at = (p: string): string => join(ROOT, p);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvisor-api-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ConfigError `f` throws (it must throw one). */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError thrown');
}

describe('compile', () => {
  it('gives the tree, the DTB and no diagnostics for a good source', () => {
    const c = compile('/dts-v1/;\n/ { model = "m"; n { x = <1>; }; };\n');
    expect(c.ok).toBe(true);
    expect(c.tree?.root.getChild('n')?.getProp('x')?.value.bytes).toEqual(new Uint8Array([0, 0, 0, 1]));
    expect(c.dtb?.subarray(0, 4)).toEqual(new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]));
    expect(c.diagnostics).toEqual([]);
    // A DTB compiles back to the same bytes.
    expect(compile(c.dtb ?? new Uint8Array()).dtb).toEqual(c.dtb);
  });

  it('reports errors located at the path it is given, with no DTB', () => {
    const c = compile('/dts-v1/;\n/ { x = <1 2; };\n', { path: 'bad.dts' });
    expect(c.ok).toBe(false);
    expect(c.dtb).toBeUndefined();
    expect(c.messages).toEqual(['bad.dts:2:13: error: syntax error: unexpected ";", expected \'>\'']);
  });

  it('a bad DTB option is a diagnostic, not an exception', () => {
    const c = compile('/dts-v1/;\n/ { };\n', { blob: { version: 5 as 17 } });
    expect(c.ok).toBe(false);
    expect(c.messages).toEqual(['error: unknown DTB version 5']);
  });
});

describe('validate', () => {
  it('a board with the guests its bootcmd loads', () => {
    const v = validate(at('boards/two-guests.dts'));
    expect({ ok: v.ok, errors: v.errors, guests: v.guests.map((g) => g.name), cpus: v.host?.cpus.length }).toEqual({
      ok: true, errors: 0, guests: ['guest0', 'guest1'], cpus: 4,
    });
  });

  it('warnings fail only when strict', () => {
    // Xvisor's virt64 guest leaves its RAM size and shared memory to guest_fdt_load: warnings.
    const v = validate([at('guests/dts/virt64.dts')]);
    expect(v.errors).toBe(0);
    expect(v.warnings).toBeGreaterThan(0);
    expect(v.ok).toBe(true);
    expect(validate([at('guests/dts/virt64.dts')], { strict: true }).ok).toBe(false);
  });

  it('a missing file is an error in the report', () => {
    const v = validate(join(dir, 'none.dts'));
    expect(v.ok).toBe(false);
    expect(v.messages).toEqual([`${join(dir, 'none.dts')}:0:0: error: device tree ${join(dir, 'none.dts')}: no such file or directory`]);
  });
});

describe('runImage', () => {
  it('runs a guest file and an image file with the defaults: the console in the result', () => {
    const r = runImage({ guest: at('guests/dts/basic.dts'), image: at('guests/bin/hello.elf') });
    expect([r.outcome, r.status]).toEqual(['shutdown', 0]);
    expect(r.console).toContain('PASS hello (5 checks)');
  });

  it('takes image bytes, streams the console to output, and stops at timeoutSeconds', () => {
    const seen: string[] = [];
    const image = readFileSync(at('guests/bin/hello.elf'));
    const r = runImage({ guest: at('guests/dts/basic.dts'), image, output: (vserial) => { if (!seen.includes(vserial)) seen.push(vserial); } });
    expect(r.status).toBe(0);
    expect(seen).toEqual(['basic/sbi']);
    const short = runImage({ guest: at('guests/dts/basic.dts'), image: at('guests/bin/bench.elf'), timeoutSeconds: 0.01 });
    expect([short.outcome, short.status]).toEqual(['timeout', 124]);
  });

  it('a guest file with errors throws a ConfigError with the errors located', () => {
    const bad = join(dir, 'bad-guest.dts');
    writeFileSync(bad, '/dts-v1/;\n/ {\n  device_type = "guest"\n};\n');
    const e = configError(() => runImage({ guest: bad, image: at('guests/bin/hello.elf') }));
    expect(e.message).toMatch(new RegExp(`^guest ${bad}: 1 error\n  ${bad}:4:1: error: syntax error`));
    expect(e.diagnostics[0]).toMatchObject({ file: bad, line: 4, column: 1 });
  });

  it('a board is not a guest', () => {
    const e = configError(() => runImage({ guest: at('boards/default.dts'), image: at('guests/bin/hello.elf') }));
    expect(e.diagnostics.map((d) => d.code)).toContain('not_guest');
  });

  it('a missing image, or one larger than the guest\'s memory, throws before anything runs', () => {
    expect(configError(() => runImage({ guest: at('guests/dts/basic.dts'), image: join(dir, 'none.elf') })).message)
      .toBe(`image: 1 error\n  error: image ${join(dir, 'none.elf')}: no such file or directory`);
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(4 * 1024 * 1024));
    expect(configError(() => runImage({ guest: at('guests/dts/basic.dts'), image: big, memory: 0x200000 })).message)
      .toMatch(/image .*big\.bin: 4 MiB is larger than the \S+ MiB limit \(the guest's memory\)$/);
  });
});

describe('Hypervisor.fromBoard', () => {
  it('boots a board: bootcmd run, guests created and kicked, consoles kept', () => {
    const lines: string[] = [];
    const hv = Hypervisor.fromBoard(at('boards/default.dts'), { shellOutput: (l) => lines.push(l) });
    expect(lines).toContain('guest0: Created');
    expect(lines).toContain('guest1: Kicked');
    hv.runUntil(50_000_000);
    expect(hv.consoleHistory('guest0/uart0')).toContain('hello through the ns16550a UART');
    expect(hv.takeEvents()).toEqual(['guest0: Shutdown (SBI SRST shutdown, no reason)', 'guest1: Shutdown (SBI SRST shutdown, no reason)']);
    // Any shell command works on it.
    expect(new Shell(hv, at('boards/default.dts')).execute('guest list').lines.join('\n')).toMatch(/guest0[\s\S]*guest1/);
  });

  it('bootcmd: false leaves the guests to the caller', () => {
    const hv = Hypervisor.fromBoard(at('boards/default.dts'), { bootcmd: false });
    expect(hv.guests.size).toBe(0);
  });

  it('a board with errors, a guest file or a missing file throws a ConfigError', () => {
    const bad = join(dir, 'bad-board.dts');
    writeFileSync(bad, '/dts-v1/;\n/ { cpus { x = <1 2; }; };\n');
    expect(configError(() => Hypervisor.fromBoard(bad)).diagnostics[0]).toMatchObject({ file: bad, line: 2, column: 20, code: 'syntax' });
    expect(configError(() => Hypervisor.fromBoard(at('guests/dts/basic.dts'))).diagnostics.map((d) => d.code)).toContain('not_board');
    expect(configError(() => Hypervisor.fromBoard(join(dir, 'none.dts'))).message)
      .toBe(`board ${join(dir, 'none.dts')}: 1 error\n  error: board ${join(dir, 'none.dts')}: no such file or directory`);
  });
});

it('VERSION is the package version', () => {
  expect(VERSION).toBe((JSON.parse(readFileSync(at('package.json'), 'utf8')) as { version: string }).version);
});
