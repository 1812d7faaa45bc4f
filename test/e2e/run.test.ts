/**
 * `tsvisor run` end to end: pass and fail images give their exit statuses, a hang times out (124), garbage halts
 * with a reason (3), a reboot fails, usage errors exit 2, JUnit reports on every outcome, --expect (all, in order),
 * --fail-on, --until-expect, a closed pipe; and Debian's U-Boot for QEMU's S-mode boots to its prompt and answers.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, tsvisor } from '../support/cli.js';
import { run as runProcess } from '../support/process.js';
import { asm, X } from '../vcpu/riscv/asm.js';

const BASIC = join(ROOT, 'guests/dts/basic.dts');
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

const run = (args: string[]) => tsvisor(['run', BASIC, ...args], '', 120_000);

/** A raw image of these instruction words, in a temporary file. */
function rawImage(dir: string, name: string, words: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, new Uint8Array(new Uint32Array(words).buffer));
  return path;
}

describe.skipIf(!existsSync(CLI))('tsvisor run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-run-'));
  // lui t0, 0x100 (the finisher at 0x100000); t1 = 0x3333 | 3 << 16; sw t1, 0(t0): the guest reports failure code 3.
  const failing = rawImage(dir, 'fail.bin', [asm.lui(X.t0, 0x100), asm.lui(X.t1, 0x33), asm.addi(X.t1, X.t1, 0x333), asm.sw(X.t1, X.t0, 0)]);
  const hanging = rawImage(dir, 'hang.bin', [asm.jal0(0)]);
  // stvec = 0 (nothing there), then an illegal instruction: the guest can never make progress.
  const garbage = rawImage(dir, 'garbage.bin', [0xffffffff, 0, 0xdeadbeef]);
  const outside = rawImage(dir, 'outside.bin', [asm.lui(X.t0, 0x40000), asm.sw(X.t0, X.t0, 0)]);

  it('a passing test image exits 0 and streams its console', async () => {
    const r = await run(['--image', join(ROOT, 'guests/bin/rv64m.elf')]);
    expect(r.stdout).toContain('PASS rv64m');
    expect(r.status).toBe(0);
  });

  it('a 4-VCPU SMP guest starts its secondary harts with HSM and they wake the boot hart with IPIs', async () => {
    const r = await run(['--image', join(ROOT, 'guests/bin/smp.elf'), '--vcpus', '4', '--timeout', '5']);
    expect(r.stdout).toContain('ok an IPI woke the boot hart');
    expect(r.stdout).toContain('PASS smp (17 checks)');
    expect(r.status).toBe(0);
  });

  it('a failing image exits 1, naming the code it reported to the test finisher, and JUnit says so', async () => {
    const report = join(dir, 'junit.xml');
    const r = await run(['--image', failing, '--junit', report]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the guest reported failure: basic/finisher: fail with code 3');
    const xml = readFileSync(report, 'utf8');
    expect(xml).toContain('<testcase name="fail.bin"');
    expect(xml).toContain('<failure');
  });

  it('a guest that loops forever times out with 124, in virtual or wall-clock time', async () => {
    const r = await run(['--image', hanging, '--timeout', '0.05']);
    expect(r.status).toBe(124);
    expect(r.stderr).toContain('timed out after 0.05 s');
    const wall = await run(['--image', hanging, '--timeout', '1000', '--wall-timeout', '0.3']);
    expect(wall.status).toBe(124);
    expect(wall.stderr).toContain('timed out after 0.3 s of wall-clock time');
  });

  it('garbage code and stores outside every region halt the VCPU with a reason (exit 3)', async () => {
    const g = await run(['--image', garbage, '--timeout', '1']);
    expect(g.status).toBe(3);
    expect(g.stderr).toMatch(/basic\/vcpu0: (endless trap loop|instruction fetch from 0x0)/);
    const o = await run(['--image', outside, '--timeout', '1']);
    expect(o.status).toBe(3);
    expect(o.stderr).toContain('store to 0x40000000, which is in no region of basic');
  });

  it('--expect fails a run whose console lacks the text', async () => {
    const r = await run(['--image', join(ROOT, 'guests/bin/hello.elf'), '--expect', 'no such text']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not contain "no such text"');
  });

  it('every --expect must appear, in order; text or /regex/', async () => {
    const hello = join(ROOT, 'guests/bin/hello.elf');
    const missing = await run(['--image', hello, '--expect', 'NOT THERE', '--expect', 'PASS hello']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('does not contain "NOT THERE"');
    const order = await run(['--image', hello, '--expect', 'PASS hello', '--expect', 'hello from the guest']);
    expect(order.status).toBe(1);
    expect(order.stderr).toContain('does not contain "hello from the guest" after "PASS hello"');
    const ok = await run(['--image', hello, '--expect', '/[Hh]ello from/', '--expect', 'PASS hello']);
    expect(ok.status).toBe(0);
  });

  it('--fail-on fails at once; --until-expect ends the run when the last expectation appears', async () => {
    const r = await run(['--image', hanging, '--timeout', '5', '--fail-on', 'never printed']);
    expect(r.status).toBe(124);
    const hello = join(ROOT, 'guests/bin/hello.elf');
    const failed = await run(['--image', hello, '--fail-on', '/probe \\w+/']);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('the console printed "/probe \\w+/" (--fail-on)');
    // The benchmark guest runs for seconds after its banner: the run ends at the banner instead.
    const early = await run(['--image', join(ROOT, 'guests/bin/bench.elf'), '--expect', '== bench', '--until-expect']);
    expect(early.status).toBe(0);
    expect(early.stdout).toContain('== bench');
    expect(early.stdout).not.toContain('crc32');
  });

  it('a guest that asks for a reboot fails the run, unless --on-reboot exit', async () => {
    // lui t0, 0x100; t1 = 0x7777 (the finisher's reset); sw t1, 0(t0)
    const rebooting = rawImage(dir, 'reboot.bin', [asm.lui(X.t0, 0x100), asm.lui(X.t1, 0x7), asm.addi(X.t1, X.t1, 0x777), asm.sw(X.t1, X.t0, 0)]);
    const r = await run(['--image', rebooting]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the guest asked for a reboot');
    expect((await run(['--image', rebooting, '--on-reboot', 'exit'])).status).toBe(0);
  });

  it.skipIf(!existsSync(UBOOT))('--on-reboot reset restarts the guest as QEMU does: U-Boot reboots to a second prompt', async () => {
    const script = join(dir, 'reboot.json');
    writeFileSync(script, JSON.stringify([{ wait: '=> ', timeout: 20 }, { send: 'reset\n' }, { wait: 'resetting' },
      { wait: 'U-Boot 20' }, { wait: '=> ', timeout: 20 }, { send: 'poweroff\n' }, { 'expect-exit': 0 }]));
    const r = await run(['--image', UBOOT, '--script', script, '--on-reboot', 'reset', '--timeout', '60']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/U-Boot 20\d\d\.\d\d/g)?.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('usage errors exit 2, and a JUnit report is written whatever the outcome', async () => {
    for (const args of [['--image', failing, '--timeout', 'abc'], ['--image', failing, '--expect', '/(/'], ['--image', failing, '--on-reboot', 'maybe'],
      ['--image', failing, '--wall-timeout', '-1'], ['--image', failing, '--until-expect'],
      ['--bogus'], []]) {
      expect((await run(args)).status, args.join(' ')).toBe(2);
    }
    const report = join(dir, 'missing.xml');
    const r = await run(['--image', join(dir, 'no-such.bin'), '--junit', report]);
    expect(r.status).toBe(2);
    const xml = readFileSync(report, 'utf8');
    expect(xml).toContain('errors="1"');
    expect(xml).toContain('<error message="tsvisor run: image');
  });

  it('a reader that goes away (| head) ends the run quietly with its own status', async () => {
    const r = await runProcess('bash', ['-c', `node '${CLI}' run '${BASIC}' --image '${join(ROOT, 'guests/bin/rv64i.elf')}' | head -1; exit \${PIPESTATUS[0]}`]);
    expect(r.stdout.toString('latin1')).toBe('== rv64i ==\n');
    expect(r.stderr.toString('latin1')).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!existsSync(UBOOT))("Debian's U-Boot (qemu-riscv64_smode) boots to its prompt, answers version and powers off", async () => {
    const r = await run(['--image', UBOOT, '--timeout', '30', '--input-after', '=> ', '--input', 'version\\npoweroff\\n']);
    expect(r.stdout).toContain('=> version');
    expect(r.stdout).toMatch(/U-Boot 20\d\d\.\d\d/);
    expect(r.stdout).toContain('GNU ld');
    expect(r.status).toBe(0);
  }, 120_000);

  it.skipIf(!existsSync(UBOOT))('--script drives U-Boot: waits, sends, a console snapshot, the expected exit, a step per JUnit case', async () => {
    const script = join(dir, 'uboot.json');
    writeFileSync(script, JSON.stringify({ steps: [
      { wait: '=> ', timeout: 20 }, { send: 'version\n' }, { wait: '/U-Boot 20\\d\\d\\.\\d\\d/' },
      { 'snapshot-console': 'snapshot.txt' }, { send: 'poweroff\n' }, { 'expect-exit': 0 },
    ] }));
    const report = join(dir, 'script.xml');
    const r = await run(['--image', UBOOT, '--script', script, '--junit', report, '--timeout', '30']);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'snapshot.txt'), 'latin1')).toMatch(/=> version\r?\nU-Boot 20\d\d/);
    const xml = readFileSync(report, 'utf8');
    expect(xml).toContain('tests="7" failures="0" errors="0"');
    expect(xml).toContain('name="step 6: expect-exit 0"');
    // A wait that never matches fails at its own timeout, naming the step; the guest's exit is checked too.
    writeFileSync(script, JSON.stringify([{ wait: '=> ', timeout: 20 }, { send: 'version\n' }, { wait: 'NEVER', timeout: 0.5 }]));
    const never = await run(['--image', UBOOT, '--script', script, '--timeout', '30']);
    expect(never.status).toBe(1);
    expect(never.stderr).toContain('script step 3 (wait "NEVER"): "NEVER" did not appear within 0.5 s');
    writeFileSync(script, JSON.stringify([{ wait: '=> ', timeout: 20 }, { send: 'poweroff\n' }, { 'expect-exit': 3 }]));
    const exit = await run(['--image', UBOOT, '--script', script, '--timeout', '30']);
    expect(exit.status).toBe(1);
    expect(exit.stderr).toContain('script step 3 (expect-exit 3): the guest ended with 0, not 3');
  }, 120_000);

  it('a script that is not one is a usage error, naming the step', async () => {
    const script = join(dir, 'bad.json');
    for (const [text, why] of [['{', 'not JSON'], ['[{"wait": 3}]', 'step 1: "wait" takes non-empty text or /regex/'],
      ['[{"send": "x", "wait": "y"}]', 'step 1: a step has exactly one of'], ['[{"wait": "x", "timeout": -1}]', '"timeout" is a positive number']]) {
      writeFileSync(script, text!);
      const r = await run(['--image', failing, '--script', script]);
      expect(r.status, text).toBe(2);
      expect(r.stderr, text).toContain(why);
    }
  });

  it('--trace writes a Chrome trace (named processes per guest) that tsvisor trace renders with a legend', async () => {
    const trace = join(dir, 't.json'), svg = join(dir, 't.svg');
    const r = await run(['--image', join(ROOT, 'guests/bin/smp.elf'), '--vcpus', '4', '--trace', trace]);
    expect(r.status).toBe(0);
    const events = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string; pid: number; tid: number; args?: { name?: string } }[] }).traceEvents;
    const names = events.filter((e) => e.ph === 'M').map((e) => `${e.pid}/${e.tid} ${e.args?.name}`);
    expect(names).toEqual(expect.arrayContaining(['1/0 tsvisor host', '1/1 cpu 0', '2/0 basic', '2/4 basic/vcpu3']));
    expect(events.filter((e) => e.ph === 'X').every((e) => e.pid !== 0 && e.tid !== 0)).toBe(true);
    expect((await tsvisor(['trace', trace, '-o', svg])).status).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/<g class="legend">.*>basic<\/text><\/g>/);
  });

  it('--log writes exits, SBI calls, MMIO accesses and interrupts, as QEMU -d does', async () => {
    const file = join(dir, 'events.log');
    const r = await run(['--image', join(ROOT, 'guests/bin/devices_bare.elf'), '--log', 'all', '--log-file', file]);
    expect(r.status).toBe(0);
    const log = readFileSync(file, 'latin1');
    expect(log).toMatch(/^ +[\d.]+ us basic\/vcpu0 exits: ecall at pc 0x[0-9a-f]{16}$/m);
    expect(log).toMatch(/^ +[\d.]+ us basic\/vcpu0 sbi: ext 0x1 fid 0 args 0x[0-9a-f]+ /m); // the legacy console putchar
    expect(log).toMatch(/basic\/vcpu0 mmio: (read|write) [1248] bytes at 0x10000000: /); // the UART
    expect(log).toMatch(/basic\/vcpu0 irq: supervisor (external|timer) interrupt taken at pc /);
    const only = await run(['--image', join(ROOT, 'guests/bin/hello.elf'), '--log', 'sbi']);
    expect(only.stderr).toContain('basic/vcpu0 sbi: ');
    expect(only.stderr).not.toContain(' exits: ');
    expect((await run(['--image', failing, '--log', 'nope'])).status).toBe(2);
  });

  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
