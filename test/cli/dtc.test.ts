/** `tsvisor dtc` end to end: the built CLI, its flags, its exit codes and its error output. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBinary } from '../support/cli.js';
import { run } from '../support/process.js';

const CLI = 'dist/cli/tsvisor.cjs';
const tmp = mkdtempSync(join(tmpdir(), 'tsvisor-cli-'));

/** The built CLI, spawned asynchronously (many runs must not block the test worker). */
const tsvisor = (args: string[], input?: string | Uint8Array) => runBinary(process.execPath, [CLI, ...args], input);

const hasDtc = (await run('dtc', ['--version'])).status === 0;

describe('tsvisor', () => {
  it('prints its version and help', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect((await tsvisor(['--version'])).stdout.toString().trim()).toBe(pkg.version);
    const help = (await tsvisor(['--help'])).stdout.toString();
    expect(help).toMatch(/dtc/);
    expect((await tsvisor(['dtc', '--help'])).stdout.toString()).toMatch(/-@, --symbols/);
  });
});

describe('tsvisor dtc', () => {
  it('reads standard input and writes a DTB to standard output', async () => {
    const r = (await tsvisor(['dtc', '-I', 'dts', '-O', 'dtb'], '/dts-v1/;\n/ { model = "x"; };\n'));
    expect(r.status).toBe(0);
    expect(r.stdout.readUInt32BE(0)).toBe(0xd00dfeed);
  });

  it('writes -o files, guesses formats from names and reads DTBs back', async () => {
    const dtb = join(tmp, 'board.dtb');
    expect((await tsvisor(['dtc', '-o', dtb, 'boards/default.dts'])).status).toBe(0);
    const back = (await tsvisor(['dtc', dtb]));
    expect(back.status).toBe(0);
    expect(back.stdout.toString()).toMatch(/^\/dts-v1\/;\n\n\/ \{\n\t#address-cells = <0x02>;/);
  });

  it('finds includes through -i and exports symbols with -@', async () => {
    writeFileSync(join(tmp, 'part.dtsi'), '/ { l: leaf { }; };\n');
    const src = join(tmp, 'sub.dts');
    writeFileSync(src, '/dts-v1/;\n/include/ "part.dtsi"\n');
    const r = (await tsvisor(['dtc', '-@', '-O', 'dts', '-i', tmp, '-'], readFileSync(src)));
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toContain('__symbols__ {\n\t\tl = "/leaf";');
  });

  it('shows a syntax error with its position, the line and a caret, and exits 1', async () => {
    const f = join(tmp, 'broken.dts');
    writeFileSync(f, '/dts-v1/;\n/ {\n\treg = <1 2;\n};\n');
    const r = (await tsvisor(['dtc', f]));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${f}:3:12: error: syntax error: unexpected ";"`);
    expect(r.stderr).toContain('3 |     reg = <1 2;');
    expect(r.stderr).toMatch(/\|\s+\^/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('exits 2 when the tree has semantic errors, and -f forces output', async () => {
    const src = '/dts-v1/;\n/ { a: x { }; a: y { }; };\n';
    const r = (await tsvisor(['dtc', '-O', 'dts', '-'], src));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Duplicate label 'a'");
    expect((await tsvisor(['dtc', '-f', '-O', 'dts', '-'], src)).status).toBe(0);
  });

  it('fails cleanly on a missing input file', async () => {
    const r = (await tsvisor(['dtc', join(tmp, 'nope.dts')]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/couldn't open/);
  });

  it('applies -b, -R, -p and -H to the blob', async () => {
    const r = (await tsvisor(['dtc', '-b', '3', '-R', '2', '-p', '16', '-H', 'both', '-'], '/dts-v1/;\n/ { r = <&a>; a: x { }; };\n'));
    expect(r.status).toBe(0);
    expect(r.stdout.readUInt32BE(28)).toBe(3);
    expect(r.stdout.toString('latin1')).toContain('linux,phandle');
  });

  it('preprocesses #include/#define sources, takes -D, and --no-cpp turns it off', async () => {
    writeFileSync(join(tmp, 'consts.h'), '#define BASE 0x1000\n');
    const src = '#include "consts.h"\n/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; n@1000 { reg = <BASE REV>; }; };\n';
    const r = (await tsvisor(['dtc', '-O', 'dts', '-i', tmp, '-D', 'REV=3', '-'], src));
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toContain('reg = <0x1000 0x03>;');
    expect((await tsvisor(['dtc', '-O', 'dts', '--no-cpp', '-'], src)).status).toBe(1);
    const missing = (await tsvisor(['dtc', '-O', 'dts', '-'], '/dts-v1/;\n#include <nope.h>\n'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/<stdin>:2:.*nope\.h/);
  });

  it('takes -W/-E as dtc does and rejects unknown check names', async () => {
    const src = '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; n@1 { reg = <1>; }; };\n';
    const warned = (await tsvisor(['dtc', '-O', 'dts', '-'], src));
    expect(warned.status).toBe(0);
    expect(warned.stderr).toMatch(/\/n@1:reg: property has invalid length \(4 bytes\).*\[reg_format\]/);
    expect((await tsvisor(['dtc', '-O', 'dts', '-Wno-reg_format', '-'], src)).stderr).toBe('');
    expect((await tsvisor(['dtc', '-O', 'dts', '-q', '-'], src)).stderr).toBe('');
    const failed = (await tsvisor(['dtc', '-O', 'dts', '-E', 'reg_format', '-'], src));
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/error: .*\[reg_format\]/);
    const unknown = (await tsvisor(['dtc', '-O', 'dts', '-W', 'no-such_check', '-'], src));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unrecognized check name "such_check"/);
  });

  it.skipIf(!hasDtc)('matches dtc 1.6.1 byte for byte on the default board, DTB and DTS', async () => {
    for (const args of [['-I', 'dts', '-O', 'dtb'], ['-I', 'dts', '-O', 'dts'], ['-@', '-I', 'dts', '-O', 'dtb']]) {
      const ours = (await tsvisor(['dtc', ...args, 'boards/default.dts']));
      const ref = await run('dtc', ['-q', ...args, 'boards/default.dts']);
      expect(ours.status).toBe(0);
      expect(Buffer.compare(ours.stdout, ref.stdout)).toBe(0);
    }
  });
});
