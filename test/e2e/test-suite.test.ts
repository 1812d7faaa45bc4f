/**
 * `tsvisor test` end to end: the project's own suite (guests/tests.json: the guest programs, U-Boot and Linux SMP
 * driven by scripts) with two jobs, shards that split a suite, a failing test's kept log, TAP, and a JUnit report
 * that follows the structure Jenkins' junit-10.xsd requires.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, tsvisor } from '../support/cli.js';

const test = (args: string[]) => tsvisor(['test', ...args], '', 300_000);

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
}

/** A small parser for the XML the reports are made of (elements, attributes, text; no DTD, no CDATA). */
function parseXml(text: string): Element {
  const root: Element = { name: '#document', attrs: {}, children: [] };
  const stack = [root];
  const tag = /<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|<\?[^>]*\?>/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[0].startsWith('<?')) continue;
    if (m[1]) {
      const open = stack.pop()!;
      expect(open.name, `</${m[2]}> closes <${open.name}>`).toBe(m[2]);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    const el: Element = { name: m[2]!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(el);
    if (!m[4]) stack.push(el);
  }
  expect(stack.length, 'every element is closed').toBe(1);
  return root;
}

/** The element and attribute rules of junit-10.xsd (github.com/jenkinsci/xunit-plugin), as checks. */
function checkJunit10(xml: string): void {
  const doc = parseXml(xml);
  expect(doc.children.map((c) => c.name)).toEqual(['testsuites']);
  const time = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/; // SUREFIRE_TIME
  const only = (el: Element, allowed: string[]): void => {
    for (const a of Object.keys(el.attrs)) expect(allowed, `<${el.name}> may not have ${a}`).toContain(a);
  };
  const suites = doc.children[0]!;
  only(suites, ['name', 'time', 'tests', 'failures', 'errors']);
  if (suites.attrs['time'] !== undefined) expect(suites.attrs['time']).toMatch(time);
  const suite = (s: Element): void => {
    expect(['testsuite']).toContain(s.name);
    only(s, ['name', 'tests', 'failures', 'errors', 'group', 'time', 'skipped', 'timestamp', 'hostname', 'id', 'package', 'file', 'log', 'url']);
    for (const required of ['name', 'tests', 'failures', 'errors']) expect(s.attrs[required], `testsuite ${required}`).toBeDefined();
    if (s.attrs['time'] !== undefined) expect(s.attrs['time']).toMatch(time);
    for (const c of s.children) {
      expect(['testsuite', 'properties', 'testcase', 'system-out', 'system-err']).toContain(c.name);
      if (c.name === 'testsuite') suite(c);
      if (c.name !== 'testcase') continue;
      only(c, ['name', 'time', 'classname', 'group']);
      expect(c.attrs['name']).toBeDefined();
      for (const r of c.children) {
        expect(['skipped', 'error', 'failure', 'rerunFailure', 'rerunError', 'flakyFailure', 'flakyError', 'system-out', 'system-err']).toContain(r.name);
        if (['skipped', 'error', 'failure'].includes(r.name)) only(r, ['type', 'message']);
      }
    }
  };
  for (const s of suites.children) suite(s);
}

describe.skipIf(!existsSync(CLI))('tsvisor test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-suite-'));

  it("runs the project's suite with two jobs: progress lines, a summary, JUnit (junit-10) and TAP", async () => {
    const junit = join(dir, 'suite.xml'), tap = join(dir, 'suite.tap');
    const r = await test([join(ROOT, 'guests'), '--jobs', '2', '--junit', junit, '--tap', tap, '--logs', join(dir, 'logs')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const names = ['hello', 'rv64i', 'traps', 'smp', 'litmus', 'devices_sv48', 'u-boot', 'linux-smp'];
    for (const n of names) expect(r.stdout).toMatch(new RegExp(`\\] (PASS|SKIP) ${n} \\(`));
    expect(r.stdout).toMatch(/20 tests: \d+ passed, 0 failed, \d+ skipped in/);
    const xml = readFileSync(junit, 'utf8');
    checkJunit10(xml);
    if (existsSync('/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin')) {
      expect(xml).toContain('name="step 3: wait &quot;/U-Boot 20\\\\d\\\\d\\\\.\\\\d\\\\d/&quot;"');
    }
    const lines = readFileSync(tap, 'utf8').split('\n');
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', '1..20']);
    expect(lines.filter((l) => /^ok \d+ - /.test(l))).toHaveLength(20);
  }, 300_000);

  it('shards split a suite into disjoint parts; a failure keeps its log and fails the suite', async () => {
    const manifest = join(dir, 'tests.json');
    const guest = join(ROOT, 'guests/dts/basic.dts');
    const program = (name: string, expectText = `PASS ${name}`) =>
      ({ name, guest, image: join(ROOT, `guests/bin/${name}.elf`), args: ['--expect', expectText] });
    writeFileSync(manifest, JSON.stringify({ tests: [program('hello'), program('rv64i'), program('rv64m', 'NOT PRINTED'), program('rvc'),
      { name: 'absent', guest, image: 'x.elf', requires: ['/no/such/file'] }] }));
    const logs = join(dir, 'shard-logs');
    const one = await test([manifest, '--shard', '1/2', '--logs', logs, '--tap', join(dir, '1.tap'), '--junit', join(dir, '1.xml')]);
    const two = await test([manifest, '--shard', '2/2', '--logs', logs]);
    // Progress lines come in the order the tests end (in parallel): compare as sets.
    const ran = (out: string) => [...out.matchAll(/\] (?:PASS|FAIL|SKIP) ([\w-]+) /g)].map((m) => m[1]).sort();
    expect(ran(one.stdout)).toEqual(['absent', 'hello', 'rv64m']);
    expect(ran(two.stdout)).toEqual(['rv64i', 'rvc']);
    expect(one.status).toBe(1);
    expect(two.status).toBe(0);
    expect(one.stdout).toMatch(/FAIL rv64m \([\d.]+ s\): the console output does not contain "NOT PRINTED"/);
    expect(one.stdout).toMatch(/3 tests \(shard 1\/2\): 1 passed, 1 failed, 1 skipped/);
    expect(readFileSync(join(logs, 'rv64m.log'), 'latin1')).toContain('PASS rv64m');
    expect(existsSync(join(logs, 'hello.log'))).toBe(false);
    expect(readFileSync(join(dir, '1.tap'), 'utf8')).toMatch(/not ok 2 - rv64m\n {2}---\n {2}exit: 1\n/);
    expect(readFileSync(join(dir, '1.tap'), 'utf8')).toContain('ok 3 - absent # SKIP skipped: /no/such/file is missing');
    const xml = readFileSync(join(dir, '1.xml'), 'utf8');
    checkJunit10(xml);
    expect(xml).toMatch(/<testsuite name="rv64m" tests="1" failures="1" errors="0"/);
  }, 120_000);

  it('usage errors exit 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tests: [{ name: 'a b', guest: 'g', image: 'i' }] }));
    for (const [args, why] of [[[join(dir, 'none')], 'no such file'], [[bad], '"name" is a word'], [[join(ROOT, 'guests'), '--jobs', '0'], '--jobs'],
      [[join(ROOT, 'guests'), '--shard', '3/2'], '--shard']] as const) {
      const r = await test([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(why);
    }
  });

  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
