/**
 * CLI start-up does no work it does not need: the built CLI is run with an inspector session that lists every
 * script V8 compiles, so every module it loads (those require()d too, which a module loader hook does not see).
 * The `tsvisor` command (tsvisor.cts) runs the CLI from one bundle with a code cache; the built ES modules
 * (`node dist/cli/main.js`) load each module on first use.
 * `--version` loads nothing but main.js, `--help` and usage errors load commander and the command lines, not the
 * toolchain or the VMM, and a run of a well-formed guest does not load chevrotain at all (the DTS is lexed and
 * parsed by hand; a syntax error loads chevrotain's single-file build for the message). The subcommands' module
 * graphs load with require() (cli/commands.ts), so none may await at its top level.
 * (No timing here: bench/startup.ts measures the wall times.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shebangOf, tsvisorCommand } from '../../src/cli/cli-command.js';
import { CLI, MAIN, ROOT, runBinary } from '../support/cli.js';

let dir: string;
let calls = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvisor-startup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Traced {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Modules loaded (files: not node: builtins), relative to the project root. */
  modules: string[];
}

/**
 * Runs the built CLI with an inspector session (opened by an --import module) that collects the URL of each script
 * compiled and writes them to a file of this run's own when the process exits (synchronously: the run may end with
 * process.exit).
 */
async function traced(args: string[], entry = MAIN, env: NodeJS.ProcessEnv = process.env): Promise<Traced> {
  const n = ++calls;
  const log = join(dir, `loaded-${n}.txt`);
  writeFileSync(join(dir, `trace-${n}.mjs`), `import { Session } from 'node:inspector';\n` +
    `import { writeFileSync } from 'node:fs';\n` +
    `const session = new Session();\nsession.connect();\nconst urls = [];\n` +
    `session.on('Debugger.scriptParsed', (m) => { if (m.params.url.startsWith('file:')) urls.push(m.params.url); });\n` +
    `session.post('Debugger.enable');\n` +
    `process.on('exit', () => writeFileSync(${JSON.stringify(log)}, urls.join('\\n')));\n`);
  const r = await runBinary(process.execPath, ['--import', pathToFileURL(join(dir, `trace-${n}.mjs`)).href, entry, ...args], undefined, 120_000, env);
  const root = pathToFileURL(ROOT).href + '/';
  const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => u.replace(root, ''));
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr, modules };
}

const project = (m: Traced): string[] => m.modules.filter((u) => u.startsWith('dist/'));
const heavy = (m: Traced): string[] =>
  m.modules.filter((u) => /^dist\/(dts|vmm|vcpu|devices|sched|aspace)\/|node_modules\/(chevrotain|lodash-es|@chevrotain|chalk)\//.test(u));

describe('CLI start-up: the ES modules', () => {
  it('--version and -v load main.js alone and print the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await traced([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
      expect(r.stderr.trim()).toBe('');
      expect(project(r)).toEqual(['dist/cli/main.js']);
      expect(r.modules.filter((u) => u.includes('node_modules/'))).toEqual([]);
    }
  });

  it('--help, a subcommand\'s help and a usage error load the command lines only', async () => {
    const help = await traced(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tsvisor \[options\] \[command\]/);
    expect(project(help)).toEqual(['dist/cli/main.js', 'dist/cli/commands.js', 'dist/bundled.js']);
    expect(heavy(help)).toEqual([]);

    const runHelp = await traced(['run', '--help']);
    expect(runHelp.status).toBe(0);
    expect(runHelp.stdout).toMatch(/--image <file>/);
    expect(heavy(runHelp)).toEqual([]);

    // A usage error exits 2 (commands.ts), with commander's message.
    const missing = await traced(['run', 'guests/dts/basic.dts']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/required option '--image <file>' not specified/);
    expect(heavy(missing)).toEqual([]);

    // The version flag still belongs to the program only before a subcommand.
    const late = await traced(['--version', 'run']);
    expect(late.status).toBe(0);
    expect(late.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a run loads its implementation, and not chevrotain', async () => {
    const r = await traced(['run', join(ROOT, 'guests/dts/basic.dts'), '--image', join(ROOT, 'guests/bin/hello.elf')]);
    expect(r.status).toBe(0);
    expect(r.modules).toContain('dist/cli/run.js');
    expect(r.modules).toContain('dist/dts/parser.js');
    expect(r.modules.filter((u) => /chevrotain|lodash-es/.test(u))).toEqual([]);
    // A guest that builds cleanly prints no diagnostics: chalk is not needed.
    expect(r.modules.filter((u) => u.includes('/chalk/'))).toEqual([]);
  });

  it('a run with configuration errors still renders them, exit 2', async () => {
    const bad = join(dir, 'bad.dts');
    writeFileSync(bad, '/dts-v1/;\n/ {\n  foo = <1 2;\n};\n');
    const r = await traced(['run', bad, '--image', join(ROOT, 'guests/bin/hello.elf')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:3:13: error: syntax error: unexpected ";", expected '>' [syntax]`);
    // chevrotain's parser words that message: its single-file build is require()d for it (test/dts/lexer-parity.test.ts
    // checks the hand parser against it).
    expect(r.modules.filter((u) => u.includes('/chevrotain/')).map((u) => u.replace(/^(.*\/)?node_modules\//, ''))).toEqual(['chevrotain/lib/chevrotain.mjs']);
  });

  it('the subcommands\' module graphs load with require(): none awaits at its top level', async () => {
    // dtc's is import()ed: it takes the toolchain's whole entry point, dts/index.ts, whose preload awaits.
    for (const m of ['run', 'validate', 'trace', 'test-suite', 'boot']) {
      const r = await runBinary(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, `dist/cli/${m}.js`))})`]);
      expect({ m, status: r.status, stderr: r.stderr }).toEqual({ m, status: 0, stderr: '' });
    }
  });
});

describe('the tsvisor command\'s #! line', () => {
  it('runs the CLI with its Node options and without NODE_EXTRA_CA_CERTS, as the kernel runs the line', async () => {
    const first = readFileSync(CLI, 'utf8').split('\n', 1)[0]!;
    expect(first).toBe('#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --v8-pool-size=0');
    expect(shebangOf(CLI)).toEqual({ unset: ['NODE_EXTRA_CA_CERTS'], nodeOptions: ['--v8-pool-size=0'] });
    // The kernel passes what follows the interpreter as one argument, then the file and the command's arguments.
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, `${first}\nconsole.log(JSON.stringify([process.env.NODE_EXTRA_CA_CERTS ?? null, process.execArgv]));\n`);
    const [interpreter, rest] = [first.slice(2, first.indexOf(' ')), first.slice(first.indexOf(' ') + 1)];
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };
    const r = await runBinary(interpreter, [rest, probe], undefined, 120_000, env);
    expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({ status: 0, stdout: '[null,["--v8-pool-size=0"]]\n', stderr: '' });
    const version = await runBinary(interpreter, [rest, CLI, '--version'], undefined, 120_000, env);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect({ status: version.status, stdout: version.stdout.toString() }).toEqual({ status: 0, stdout: `${pkg.version}\n` });
  });

  it('reads a plain line, a -S line with options and variables to drop, and no line', () => {
    const file = join(dir, 'main.js');
    writeFileSync(file, '#!/usr/bin/env node\nconsole.log(1);\n');
    expect(shebangOf(file)).toEqual({ unset: [], nodeOptions: [] });
    writeFileSync(file, '#!/usr/bin/env -S -u A -u B node --a=1  --b\n');
    expect(shebangOf(file)).toEqual({ unset: ['A', 'B'], nodeOptions: ['--a=1', '--b'] });
    const c = tsvisorCommand(file, ['run', 'x'], { A: '1', B: '2', C: '3' });
    expect(c).toEqual({ command: process.execPath, args: ['--a=1', '--b', file, 'run', 'x'], env: { C: '3' } });
    writeFileSync(file, 'console.log(1);\n');
    expect(shebangOf(file)).toEqual({ unset: [], nodeOptions: [] });
  });
});

describe('the tsvisor command: the CLI from one bundle, with a V8 code cache', () => {
  const hello = ['run', join(ROOT, 'guests/dts/basic.dts'), '--image', join(ROOT, 'guests/bin/hello.elf')];
  /** The files of this checkout it compiled, but for the command's own two. */
  const others = (m: Traced): string[] => compiled(m).filter((u) => !['dist/cli/tsvisor.cjs', 'dist/cli/tsvisor-bundle.cjs'].includes(u));
  /** The files it compiled, but the test's own tracer. */
  const compiled = (m: Traced): string[] => m.modules.filter((u) => !u.startsWith('file:'));

  it('--version reads neither the bundle nor any module', async () => {
    const r = await traced(['--version'], CLI);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(compiled(r)).toEqual(['dist/cli/tsvisor.cjs']);
  });

  it('a run compiles the bundle and nothing else: what loads on first use loads from the bundle', async () => {
    const r = await traced(hello, CLI);
    expect({ status: r.status, stdout: r.stdout.split('\n').at(-2) }).toEqual({ status: 0, stdout: 'PASS hello (5 checks)' });
    expect(compiled(r)).toEqual(['dist/cli/tsvisor.cjs', 'dist/cli/tsvisor-bundle.cjs']);
    // The preprocessor (a #include) and the overlay generators are in the bundle, evaluated on first use.
    writeFileSync(join(dir, 'part.dtsi'), '/ { model = "included"; };\n');
    writeFileSync(join(dir, 'top.dts'), '/dts-v1/;\n#include "part.dtsi"\n/ { compatible = "x"; here: child { }; };\n');
    const dtc = await traced(['dtc', '-@', '-O', 'dts', join(dir, 'top.dts')], CLI);
    expect({ status: dtc.status, stderr: dtc.stderr }).toEqual({ status: 0, stderr: '' });
    expect(dtc.stdout).toContain('model = "included";');
    expect(dtc.stdout).toContain('__symbols__');
    expect(others(dtc)).toEqual([]);
  });

  it('a syntax error loads chevrotain\'s single-file build to word it, and nothing of dist/', async () => {
    const bad = join(dir, 'bad-bundled.dts');
    writeFileSync(bad, '/dts-v1/;\n/ {\n  foo = <1 2;\n};\n');
    const r = await traced(['run', bad, '--image', join(ROOT, 'guests/bin/hello.elf')], CLI);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${bad}:3:13: error: syntax error: unexpected ";", expected '>' [syntax]`);
    expect(others(r).map((u) => u.replace(/^(.*\/)?node_modules\//, ''))).toEqual(['chevrotain/lib/chevrotain.mjs']);
  });

  it('writes its code cache when there is none, keeps one V8 takes, and replaces one it turns down', async () => {
    const cache = join(dir, 'bundle.v8cache');
    const env = { ...process.env, TSVISOR_CODE_CACHE: cache };
    const first = await runBinary(process.execPath, [CLI, ...hello], undefined, 120_000, env);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    const made = readFileSync(cache);
    expect(made.length).toBeGreaterThan(100_000);
    const stamp = statSync(cache).mtimeMs;

    const second = await runBinary(process.execPath, [CLI, ...hello], undefined, 120_000, env);
    expect(second.status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(stamp);
    expect(readFileSync(cache).equals(made)).toBe(true);

    // Made for another bundle (its stamp: the bundle's size and modification time): V8 could take it (it checks the
    // source's length only), but the command must not.
    const other = Buffer.from(made);
    other.writeDoubleLE(other.readDoubleLE(8) - 1000, 8);
    writeFileSync(cache, other);
    const third = await runBinary(process.execPath, [CLI, ...hello], undefined, 120_000, env);
    expect(third.status).toBe(0);
    const bundle = statSync(join(ROOT, 'dist/cli/tsvisor-bundle.cjs'));
    expect([readFileSync(cache).readDoubleLE(0), readFileSync(cache).readDoubleLE(8)]).toEqual([bundle.size, bundle.mtimeMs]);

    writeFileSync(cache, 'not a code cache');
    const fourth = await runBinary(process.execPath, [CLI, ...hello], undefined, 120_000, env);
    expect({ status: fourth.status, stderr: fourth.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(cache).length).toBeGreaterThan(100_000);
  });
});

describe('the tsvisor command without its bundle', () => {
  it('says what is missing, exit 1', async () => {
    const cli = join(dir, 'cli');
    mkdirSync(cli, { recursive: true });
    writeFileSync(join(cli, 'tsvisor.cjs'), readFileSync(CLI));
    const r = await runBinary(process.execPath, [join(cli, 'tsvisor.cjs'), 'run', 'x.dts', '--image', 'x.elf']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`tsvisor: ${join(cli, 'tsvisor-bundle.cjs')} is missing: the package is not built whole (npm run build makes it)\n`);
  });
});
