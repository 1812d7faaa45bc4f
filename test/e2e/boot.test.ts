/**
 * `tsvisor boot` end to end: the default board's two guests print through their UARTs; the shell drives a guest
 * through create, kick, pause, resume, halt, reset and destroy with Xvisor's messages and `vcpu list` states.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, tsvisor } from '../support/cli.js';


const boot = (board: string, input = '') => tsvisor(['boot', board], input, 120_000);

const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';

describe.skipIf(!existsSync(CLI))('tsvisor boot', () => {
  it('boots the default board: both guests print through their UARTs, then it exits by itself', async () => {
    const r = await boot(join(ROOT, 'boards/default.dts'));
    expect(r.status).toBe(0);
    for (const g of ['guest0', 'guest1']) {
      expect(r.stdout).toContain(`[${g}/uart0] hello through the ns16550a UART`);
      expect(r.stdout).toContain(`[${g}/uart0] line 3 of 3`);
      expect(r.stdout).toContain(`[${g}/sbi] PASS uart (9 checks)`);
    }
    expect(r.stdout).toContain('XVisor# guest kick guest1\nguest1: Kicked');
  });

  it('runs piped commands as if typed: a banner, then the guests run between commands, the same every run', async () => {
    const script = 'vcpu list\nguest list\nshutdown\n';
    const r = await boot(join(ROOT, 'boards/default.dts'), script);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('tsvisor 0.1.0: 4 host CPUs (2 cores x 2 threads), RAM 1024 MiB on node 0 + 1024 MiB on node 1, scheduler prr');
    // Each piped command waits for the previous one and one step of the guests: their output comes in between.
    const list = r.stdout.indexOf('XVisor# vcpu list'), guests = r.stdout.indexOf('XVisor# guest list');
    expect(r.stdout.indexOf('[guest0/uart0] line 3 of 3')).toBeGreaterThan(list);
    expect(r.stdout.indexOf('[guest1/uart0] line 3 of 3')).toBeLessThan(guests);
    // The guests' SBI shutdowns are reported as events.
    expect(r.stdout).toContain('guest0: Shutdown (SBI SRST shutdown, no reason)');
    expect(r.stdout.endsWith('XVisor# shutdown\n')).toBe(true);
    expect((await boot(join(ROOT, 'boards/default.dts'), script)).stdout).toBe(r.stdout);
  });

  it('sleep waits in virtual time, ; separates commands, and a VCPU halt is reported with its reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-boot-'));
    try {
      // No image: the guest fetches from address 0, where it has no memory, and its VCPU halts.
      writeFileSync(join(dir, 'board.dts'), `/include/ "${join(ROOT, 'boards/host.dtsi')}"\n/ { chosen { bootcmd = ` +
        `"vfs guest_fdt_load g ${join(ROOT, 'guests/dts/basic.dts')} 1", "guest create g"; }; };\n`);
      const r = await boot(join(dir, 'board.dts'), 'guest kick g; echo kicked\nsleep 1\nvcpu dumpstat g/vcpu0\nshutdown\n');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('XVisor# guest kick g\ng: Kicked\nXVisor# echo kicked\nkicked\n');
      expect(r.stdout).toMatch(/\ng\/vcpu0: Halted \(instruction fetch from 0x0, which is not RAM or ROM of g \(pc 0x0+\)\)\n/);
      // Kicked at 0; the dumpstat runs after the step that followed the kick (20 ms) and the sleep (1 s).
      expect(r.stdout).toContain('Halted Time      : 0:00:01:020');
      expect(r.stdout).toContain('Halt Reason      : instruction fetch from 0x0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with a stdin that stays open, the guests run, and SIGINT stops the hypervisor', async () => {
    const child = spawn(process.execPath, [CLI, 'boot', join(ROOT, 'boards/default.dts')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => { out += d; });
    const closed = new Promise<number | null>((done) => child.on('close', (status) => done(status)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      child.stdin.write('echo typed\n'); // and the pipe stays open
      for (let i = 0; i < 600 && !(out.includes('[guest1/sbi] PASS uart') && out.includes('\ntyped\n')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('[guest0/sbi] PASS uart (9 checks)');
      child.kill('SIGINT');
      expect(await closed).toBe(0);
    } finally {
      clearTimeout(timer);
      child.stdin.destroy();
    }
  });

  it('drives a guest through its states from the shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-boot-'));
    try {
      // A board whose guest is loaded but not kicked; the shell does the rest. The guest runs between the piped
      // commands, so it runs a program that lasts (the bench: seconds of virtual time).
      writeFileSync(join(dir, 'board.dts'), `/include/ "${join(ROOT, 'boards/host.dtsi')}"\n/ { chosen { bootcmd = ` +
        `"vfs guest_fdt_load g ${join(ROOT, 'guests/dts/basic.dts')} 1", "guest create g", ` +
        `"vfs guest_load g 0x80200000 ${join(ROOT, 'guests/bin/bench.bin')}"; }; };\n`);
      const state = (out: string) => [...out.matchAll(/ g\/vcpu0 /g)].length;
      const r = await boot(join(dir, 'board.dts'), [
        'vcpu list', 'guest pause g', 'guest kick g', 'vcpu list', 'guest pause g', 'vcpu list', 'guest resume g',
        'guest halt g', 'vcpu list', 'guest kick g', 'guest reset g', 'vcpu list', 'guest destroy g', 'vcpu list', 'guest kick g',
        'nonsense', 'shutdown',
      ].join('\n') + '\n');
      expect(r.status).toBe(0);
      const out = r.stdout;
      const states = [...out.matchAll(/^ \d+ +\d+ +\d+ +(\w+) +g\/vcpu0 /gm)].map((m) => m[1]);
      expect(states).toEqual(['Reset', 'Ready', 'Paused', 'Halted', 'Reset']);
      for (const msg of ['g: Created', 'g: Failed to pause', 'g: Kicked', 'g: Paused', 'g: Resumed', 'g: Halted',
        'g: Failed to kick', 'g: Reset', 'g: Destroyed', 'Unknown command: nonsense']) {
        expect(out).toContain(msg);
      }
      expect(out).toMatch(/XVisor# guest kick g\ng: Failed to kick \(no such guest\)/);
      expect(state(out)).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(UBOOT))('vserial bind sends stdin to a guest console (U-Boot) until ESC x q', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-bind-'));
    try {
      writeFileSync(join(dir, 'board.dts'), `/include/ "${join(ROOT, 'boards/host.dtsi')}"\n/ { chosen { bootcmd = ` +
        `"vfs guest_fdt_load g ${join(ROOT, 'guests/dts/basic.dts')} 1", "guest create g", ` +
        `"vfs guest_load g 0x80200000 ${UBOOT}", "guest kick g"; }; };\n`);
      // Lines are typed 200 ms of virtual time apart. The first Enter arrives before U-Boot has set up its UART
      // (which clears the receive FIFO); the second stops its autoboot countdown; then `version` at the prompt.
      const r = await boot(join(dir, 'board.dts'), 'vserial bind g/uart0\n\n\nversion\n\x1bxq\nshutdown\n');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('[Bound to g/uart0: ESC x q leaves]');
      // From a pipe the bound console stays in prefixed lines (a terminal shows it raw: test/cli/shell-terminal).
      expect(r.stdout).toContain('[g/uart0] => version');
      expect(r.stdout).toMatch(/\[g\/uart0\] U-Boot 20\d\d/);
      expect(r.stdout).toMatch(/\n\[Unbound\]\nXVisor# shutdown\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  it('--log writes every guest\'s events; --trace writes the scheduler trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-boot-log-'));
    try {
      const log = join(dir, 'events.log'), trace = join(dir, 't.json');
      const r = await tsvisor(['boot', join(ROOT, 'boards/default.dts'), '--time', '0.05', '--log', 'sbi,irq', '--log-file', log, '--trace', trace]);
      expect(r.status).toBe(0);
      const text = readFileSync(log, 'latin1');
      expect(text).toMatch(/ us guest0\/vcpu0 sbi: ext 0x/);
      expect(text).toMatch(/ us guest1\/vcpu0 sbi: ext 0x/);
      const names = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string; args?: { name?: string } }[] }).traceEvents
        .filter((e) => e.ph === 'M').map((e) => e.args?.name);
      expect(names).toEqual(expect.arrayContaining(['guest0', 'guest1', 'guest0/vcpu0']));
      expect((await tsvisor(['boot', join(ROOT, 'boards/default.dts'), '--log', 'nope'])).status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
