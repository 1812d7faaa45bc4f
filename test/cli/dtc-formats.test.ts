/**
 * `tsvisor dtc` output formats and options against dtc 1.6.1 (goldens in test/dts/golden/formats, from
 * regen-goldens.sh): -O asm, -O yaml, -d, -V, -I fs, --version, and dtc's exit codes for the malformed corpus.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBinary } from '../support/cli.js';

const CLI = 'dist/cli/tsvisor.cjs';
const FIX = 'test/dts/fixtures';
const FMT = 'test/dts/golden/formats';
const tmp = mkdtempSync(join(tmpdir(), 'tsvisor-dtc-fmt-'));

/** The built CLI's dtc, spawned asynchronously (many runs must not block the test worker). */
const dtc = (args: string[], input?: string) => runBinary(process.execPath, [CLI, 'dtc', ...args], input);

describe('tsvisor dtc output formats, as dtc 1.6.1 writes them', () => {
  it.each(['minimal', 'riscv-virt', 'labels-in-values', 'labels-multiple', 'memreserve', 'phandle-refs'])('-O asm: %s', async (name) => {
    const r = (await dtc(['-q', '-i', FIX, '-I', 'dts', '-O', 'asm', join(FIX, `${name}.dts`)]));
    expect(r.status).toBe(0);
    expect(r.stdout.toString('latin1')).toBe(readFileSync(join(FMT, `${name}.S`), 'latin1'));
  });

  it('-O asm -V 1', async () => {
    const r = (await dtc(['-q', '-V', '1', '-O', 'asm', join(FIX, 'riscv-virt.dts')]));
    expect(r.stdout.toString('latin1')).toBe(readFileSync(join(FMT, 'riscv-virt.v1.S'), 'latin1'));
  });

  it.each(['riscv-virt', 'bytestrings', 'cells-bits', 'phandle-refs', 'prop-names', 'empty-props'])('-O yaml: %s', async (name) => {
    const r = (await dtc(['-q', '-i', FIX, '-I', 'dts', '-O', 'yaml', join(FIX, `${name}.dts`)]));
    expect(r.status).toBe(0);
    expect(r.stdout.toString('latin1')).toBe(readFileSync(join(FMT, `${name}.yaml`), 'latin1'));
  });

  it.each(['include-basic', 'include-in-node', 'merge-root-blocks', 'merge-label-ref', 'delete-first-body', 'riscv-virt'])('-T: %s', async (name) => {
    const r = (await dtc(['-q', '-T', '-i', FIX, '-I', 'dts', '-O', 'dts', join(FIX, `${name}.dts`)]));
    expect(r.status).toBe(0);
    expect(r.stdout.toString('latin1')).toBe(readFileSync(join(FMT, `${name}.T.dts`), 'latin1'));
  });

  it('-O yaml needs DTS input, as in dtc', async () => {
    const r = (await dtc(['-I', 'dtb', '-O', 'yaml', 'test/dts/golden/minimal.dtb']));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/YAML output format requires dts input format/);
  });

  it.each(['include-basic', 'include-in-node', 'incbin'])('-d: %s', async (name) => {
    const dep = join(tmp, `${name}.d`);
    const r = (await dtc(['-q', '-i', FIX, '-d', dep, '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', join(FIX, `${name}.dts`)]));
    expect(r.status).toBe(0);
    expect(readFileSync(dep, 'latin1')).toBe(readFileSync(join(FMT, `${name}.d`), 'latin1'));
  });

  it('-d lists #include files read by the built-in preprocessor too', async () => {
    writeFileSync(join(tmp, 'consts.h'), '#define N 3\n');
    writeFileSync(join(tmp, 'board.dts'), '#include "consts.h"\n/dts-v1/;\n/ { n = <N>; };\n');
    const dep = join(tmp, 'board.d');
    expect((await dtc(['-d', dep, '-o', join(tmp, 'board.dtb'), join(tmp, 'board.dts')])).status).toBe(0);
    expect(readFileSync(dep, 'latin1')).toBe(`${join(tmp, 'board.dtb')}: ${join(tmp, 'board.dts')} ${join(tmp, 'consts.h')}\n`);
  });

  it('-V writes each version dtc writes, and refuses others as dtc does', async () => {
    for (const v of [1, 2, 3, 16]) {
      const r = (await dtc(['-q', '-V', String(v), '-O', 'dtb', join(FIX, 'minimal.dts')]));
      expect(Buffer.compare(r.stdout, readFileSync(`test/dts/golden/versions/minimal.v${v}.dtb`))).toBe(0);
    }
    const bad = (await dtc(['-V', '5', '-O', 'dtb', join(FIX, 'minimal.dts')]));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Unknown device tree blob version 5/);
  });

  it('-I fs reads a /proc/device-tree style directory', async () => {
    const root = join(tmp, 'fs');
    mkdirSync(join(root, 'cpus', 'cpu@0'), { recursive: true });
    writeFileSync(join(root, 'model'), 'abc\0');
    writeFileSync(join(root, 'cpus', 'cpu@0', 'reg'), Buffer.from([0, 0, 0, 1]));
    writeFileSync(join(root, 'cpus', 'empty'), '');
    const r = (await dtc(['-q', '-I', 'fs', '-O', 'dts', root]));
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('/dts-v1/;\n\n/ {\n\tmodel = "abc";\n\n\tcpus {\n\t\tempty;\n\n\t\tcpu@0 {\n\t\t\treg = <0x01>;\n\t\t};\n\t};\n};\n');
  });

  it("--version prints dtc's version line (and says tsvisor)", async () => {
    const r = (await dtc(['--version']));
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/^Version: DTC 1\.6\.1 \(tsvisor [0-9.]+\)\n$/);
  });
});

describe("dtc's exit codes", () => {
  const expected = JSON.parse(readFileSync('test/dts/malformed/expected.json', 'utf8')) as Record<string, { dtcExit: number }>;
  const ACCEPTED = new Set(['char-literal-backslash.dts', 'line-comment-at-eof.dts']);
  it('match dtc 1.6.1 on every malformed input (1: read/lex/parse/build errors, 2: check errors)', async () => {
    const files = Object.entries(expected).filter(([file]) => !ACCEPTED.has(file));
    // Two CLI runs at a time: the corpus is ~50 process starts.
    for (let i = 0; i < files.length; i += 2) {
      await Promise.all(files.slice(i, i + 2).map(async ([file, e]) => {
        const r = await dtc(['-q', '-i', 'test/dts/malformed', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', `test/dts/malformed/${file}`]);
        expect(r.status, file).toBe(e.dtcExit);
      }));
    }
  }, 300_000);

  it('an error while building the tree exits 1 whatever follows it, and -f does not force output', async () => {
    const range = '/dts-v1/;\n/ { a = /bits/ 8 <256>; };\n';
    expect((await dtc(['-O', 'dtb', '-'], range)).status).toBe(1);
    expect((await dtc(['-O', 'dtb', '-'], range + '/ { x: a { }; y: b { }; x: c { }; };\n')).status).toBe(1);
    expect((await dtc(['-f', '-O', 'dtb', '-'], range)).status).toBe(1);
    expect((await dtc(['-O', 'dtb', '-'], '')).status).toBe(1);
  });
});
