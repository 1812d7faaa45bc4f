/**
 * `tsvisor test <suite>`: run a suite of guest tests, each a `tsvisor run` in its own process, `--jobs` at a time,
 * and report them together: a progress line per test, a summary table, one JUnit file (a testsuite per test, its
 * script steps as test cases) and TAP. `--shard i/n` runs every n-th test (as Jest and Playwright shard), so a CI
 * matrix spreads a suite over machines and merges their JUnit files.
 *
 * A suite is a JSON manifest (or a directory holding `tests.json`):
 *
 *   { "tests": [ { "name": "rv64i", "guest": "dts/basic.dts", "image": "bin/rv64i.elf",
 *                  "args": ["--vcpus", "4"], "script": "uboot.json", "requires": ["/usr/lib/..."] } ] }
 *
 * Paths are relative to the manifest; `args` are further `tsvisor run` options; a test whose `requires` files are
 * missing is skipped (TAP `# SKIP`, JUnit `<skipped/>`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED } from '../bundled.js';
import { tsvisorCommand } from './cli-command.js';
import { xmlText } from './xml-text.js';

export interface TestFlags {
  jobs?: string;
  shard?: string;
  junit?: string;
  tap?: string;
  logs?: string;
}

interface TestCase {
  readonly name: string;
  readonly guest: string;
  readonly image: string;
  readonly script: string | undefined;
  readonly args: readonly string[];
  readonly requires: readonly string[];
}

interface Outcome {
  readonly test: TestCase;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly exit: number | null;
  readonly seconds: number;
  /** The run's console (stdout) and stderr (its reasons), and its JUnit testsuite body. */
  readonly console: string;
  readonly messages: string;
  readonly junitBody: string;
  readonly junitCounts: { tests: number; failures: number; errors: number };
}

const MAX_MANIFEST_BYTES = 1 << 20;
/** The CLI this module belongs to (the `tsvisor` command when it is the bundle's): each test runs it as a child process. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), BUNDLED ? 'tsvisor.cjs' : 'main.js');

/** Reads the suite; a string is a usage error. */
export function loadSuite(path: string): TestCase[] | string {
  let manifest = path;
  try {
    if (statSync(path).isDirectory()) manifest = join(path, 'tests.json');
  } catch {
    return `${path}: no such file or directory`;
  }
  let text: string;
  try {
    if (statSync(manifest).size > MAX_MANIFEST_BYTES) return `${manifest}: larger than ${MAX_MANIFEST_BYTES} bytes`;
    text = readFileSync(manifest, 'utf8');
  } catch (e) {
    return `${manifest}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (a suite directory holds tests.json)' : (e as Error).message}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `${manifest}: not JSON: ${(e as Error).message}`;
  }
  const list = (json as { tests?: unknown } | null)?.tests;
  if (!Array.isArray(list)) return `${manifest}: a suite is { "tests": [...] }`;
  const base = dirname(manifest);
  const tests: TestCase[] = [];
  const names = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as Record<string, unknown> | null;
    const where = `${manifest}: test ${i + 1}`;
    if (typeof t !== 'object' || t === null) return `${where}: not an object`;
    const { name, guest, image, script, args, requires } = t;
    if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) return `${where}: "name" is a word (letters, digits, . _ -)`;
    if (names.has(name)) return `${where}: a second test named "${name}"`;
    names.add(name);
    if (typeof guest !== 'string' || typeof image !== 'string') return `${where}: "guest" and "image" are file names`;
    if (script !== undefined && typeof script !== 'string') return `${where}: "script" is a file name`;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
    if (args !== undefined && !strings(args)) return `${where}: "args" is a list of strings`;
    if (requires !== undefined && !strings(requires)) return `${where}: "requires" is a list of file names`;
    const at = (p: string): string => resolve(base, p);
    tests.push({
      name, guest: at(guest), image: at(image), script: script === undefined ? undefined : at(script),
      args: args ?? [], requires: (requires ?? []).map(at),
    });
  }
  return tests;
}

/** `i/n` → the tests of shard i (1-based) of n: every n-th test in manifest order. */
function shardOf(tests: TestCase[], shard: string | undefined): TestCase[] | string {
  if (shard === undefined) return tests;
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  const i = m ? Number(m[1]) : 0, n = m ? Number(m[2]) : 0;
  if (!m || n < 1 || i < 1 || i > n) return `--shard: "${shard}" is not i/n with 1 <= i <= n`;
  return tests.filter((_, k) => k % n === i - 1);
}

function runOne(test: TestCase, scratch: string): Promise<Outcome> {
  const t0 = performance.now();
  const missing = test.requires.find((f) => !existsSync(f));
  if (missing !== undefined) {
    return Promise.resolve({
      test, status: 'skip', exit: null, seconds: 0, console: '', messages: `skipped: ${missing} is missing`, junitBody: '',
      junitCounts: { tests: 0, failures: 0, errors: 0 },
    });
  }
  const junit = join(scratch, `${test.name}.xml`);
  const tsvisor = tsvisorCommand(CLI, ['run', test.guest, '--image', test.image, '--junit', junit, ...(test.script ? ['--script', test.script] : []), ...test.args]);
  return new Promise((done) => {
    const child = spawn(tsvisor.command, tsvisor.args, { stdio: ['ignore', 'pipe', 'pipe'], env: tsvisor.env });
    let console = '', messages = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => { console += d; });
    child.stderr.setEncoding('latin1').on('data', (d: string) => { messages += d; });
    child.on('close', (exit) => {
      const seconds = (performance.now() - t0) / 1000;
      let body = '';
      let counts = { tests: 1, failures: exit === 0 ? 0 : 1, errors: 0 };
      try {
        const report = readFileSync(junit, 'utf8');
        const suite = /<testsuite ([^>]*)>([\s\S]*)<\/testsuite>/.exec(report);
        if (suite) {
          const [, attrs = '', content = ''] = suite;
          body = content;
          const num = (attr: string): number => Number(new RegExp(`\\b${attr}="(\\d+)"`).exec(attrs)?.[1] ?? 0);
          counts = { tests: num('tests'), failures: num('failures'), errors: num('errors') };
        }
      } catch {
        // The run died before writing its report: the test case below says so.
      }
      if (!body) body = `<testcase name="${xmlText(test.name)}" classname="tsvisor"><error message="${xmlText(messages.trim() || `exit ${exit}`)}"/></testcase>`;
      done({ test, status: exit === 0 ? 'pass' : 'fail', exit, seconds, console, messages: messages.trim(), junitBody: body, junitCounts: counts });
    });
  });
}

export async function runSuite(path: string, flags: TestFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const jobs = flags.jobs === undefined ? Math.max(1, Math.min(availableParallelism(), 4)) : Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    err(`tsvisor test: --jobs: "${flags.jobs}" is not a number of jobs (1..64)\n`);
    return 2;
  }
  const loaded = loadSuite(path);
  const tests = typeof loaded === 'string' ? loaded : shardOf(loaded, flags.shard);
  if (typeof tests === 'string') {
    err(`tsvisor test: ${tests}\n`);
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'tsvisor-test-'));
  const logs = flags.logs ?? 'tsvisor-test-logs';
  const t0 = performance.now();
  const outcomes: Outcome[] = new Array<Outcome>(tests.length);
  let next = 0, finished = 0;
  const width = String(tests.length).length;
  const worker = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      const test = tests[k];
      if (!test) return;
      const o = await runOne(test, scratch);
      outcomes[k] = o;
      finished++;
      const tag = o.status === 'pass' ? 'PASS' : o.status === 'skip' ? 'SKIP' : 'FAIL';
      out(`[${String(finished).padStart(width)}/${tests.length}] ${tag} ${o.test.name} (${o.seconds.toFixed(1)} s)` +
        `${o.status === 'fail' ? `: ${firstLine(o.messages) || `exit ${o.exit}`}` : ''}\n`);
      if (o.status === 'fail') {
        // Each failing run's console and messages are kept.
        mkdirSync(logs, { recursive: true });
        writeFileSync(join(logs, `${o.test.name}.log`), `${o.console}\n--- stderr (exit ${o.exit}) ---\n${o.messages}\n`, 'latin1');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, tests.length)) }, worker));
  rmSync(scratch, { recursive: true, force: true });
  const seconds = (performance.now() - t0) / 1000;
  out(summary(outcomes, seconds, flags.shard, logs));
  if (flags.junit) writeFileSync(flags.junit, junitReport(outcomes, seconds));
  if (flags.tap) writeFileSync(flags.tap, tapReport(outcomes));
  return outcomes.some((o) => o.status === 'fail') ? 1 : 0;
}

const firstLine = (s: string): string => (s.split('\n', 1)[0] ?? '').replace(/^tsvisor run: /, '');

function summary(outcomes: readonly Outcome[], seconds: number, shard: string | undefined, logs: string): string {
  const nameWidth = Math.max(4, ...outcomes.map((o) => o.test.name.length));
  const rows = outcomes.map((o) => `  ${o.test.name.padEnd(nameWidth)}  ${(o.status === 'pass' ? 'pass' : o.status === 'skip' ? 'skip' : 'FAIL').padEnd(4)}  ` +
    `${o.seconds.toFixed(1).padStart(6)} s${o.status === 'fail' ? `  exit ${o.exit}` : o.status === 'skip' ? `  ${o.messages}` : ''}`);
  const count = (s: Outcome['status']): number => outcomes.filter((o) => o.status === s).length;
  const failed = count('fail');
  return `\n  ${'test'.padEnd(nameWidth)}  res.    time\n${rows.join('\n')}\n\n` +
    `${outcomes.length} tests${shard ? ` (shard ${shard})` : ''}: ${count('pass')} passed, ${failed} failed, ${count('skip')} skipped ` +
    `in ${seconds.toFixed(1)} s${failed ? `; logs of the failures in ${logs}/` : ''}\n`;
}

/** One JUnit document: a testsuite per test (its run's test cases, script steps included), as JUnit files merge. */
function junitReport(outcomes: readonly Outcome[], seconds: number): string {
  let tests = 0, failures = 0, errors = 0;
  const suites = outcomes.map((o) => {
    if (o.status === 'skip') {
      tests++;
      return `<testsuite name="${xmlText(o.test.name)}" tests="1" failures="0" errors="0" skipped="1" time="0.000">` +
        `<testcase name="${xmlText(o.test.name)}" classname="tsvisor"><skipped message="${xmlText(o.messages)}"/></testcase></testsuite>`;
    }
    tests += o.junitCounts.tests;
    failures += o.junitCounts.failures;
    errors += o.junitCounts.errors;
    return `<testsuite name="${xmlText(o.test.name)}" tests="${o.junitCounts.tests}" failures="${o.junitCounts.failures}" ` +
      `errors="${o.junitCounts.errors}" skipped="0" time="${o.seconds.toFixed(3)}">${o.junitBody}</testsuite>`;
  });
  // junit-10.xsd (Jenkins) allows no `skipped` on <testsuites>: the skips are counted on each <testsuite>.
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tsvisor test" tests="${tests}" failures="${failures}" ` +
    `errors="${errors}" time="${seconds.toFixed(3)}">${suites.join('')}</testsuites>\n`;
}

/** TAP version 13: a line per test, with the failure's messages as its YAML block. */
function tapReport(outcomes: readonly Outcome[]): string {
  const lines = ['TAP version 13', `1..${outcomes.length}`];
  outcomes.forEach((o, i) => {
    if (o.status === 'skip') lines.push(`ok ${i + 1} - ${o.test.name} # SKIP ${o.messages}`);
    else if (o.status === 'pass') lines.push(`ok ${i + 1} - ${o.test.name}`);
    else {
      lines.push(`not ok ${i + 1} - ${o.test.name}`, '  ---', `  exit: ${o.exit}`, '  message: |');
      for (const l of (o.messages || `exit ${o.exit}`).split('\n')) lines.push(`    ${l}`);
      lines.push('  ...');
    }
  });
  return `${lines.join('\n')}\n`;
}
