/**
 * Live migration between two `tsvisor run` processes on loopback: the integer benchmark (guests/bench) migrated
 * mid-run finishes at the destination with the checksums and instruction count of a run that never moved; a
 * destination that is not there, or that runs another guest, leaves the guest running at the source.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, tsvisor } from '../support/cli.js';

const GUESTS = join(ROOT, 'guests');
const BENCH = [join(GUESTS, 'dts/basic.dts'), '--unmapped', 'fault', '--timeout', '100', '--stats'];

/** Start `tsvisor run ... --incoming 0` (or `tsvisor boot` with `input`); resolves with its port once it listens. */
async function destination(args: readonly string[], input?: string): Promise<{ port: number; done: Promise<{ status: number | null; stdout: string; stderr: string }> }> {
  const child = spawn(process.execPath, [CLI, ...(input === undefined ? ['run', ...args, '--incoming', '0'] : args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input);
  let stdout = '', stderr = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('latin1').on('data', (d: string) => { stderr += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (status) => {
    clearTimeout(killer);
    resolve({ status, stdout, stderr });
  }));
  for (let i = 0; i < 600; i++) {
    const port = /[Ww]aiting for a guest on 127\.0\.0\.1:(\d+)/.exec(stderr + stdout)?.[1];
    if (port) return { port: Number(port), done };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the destination did not listen: ${stderr}`);
}

const instructions = (stderr: string): string | undefined => /(\d+) guest instructions, ([\d.]+) s of guest virtual time/.exec(stderr)?.slice(1).join(' ');

describe('live migration (run --migrate-to / --incoming)', () => {
  it('the integer benchmark migrated mid-run finishes at the destination exactly as a run that never moved', async () => {
    const whole = await tsvisor(['run', ...BENCH, '--image', join(GUESTS, 'bin/bench.elf')]);
    expect(whole.status).toBe(0);
    const dst = await destination(BENCH);
    const src = await tsvisor(['run', ...BENCH, '--image', join(GUESTS, 'bin/bench.elf'), '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '1']);
    const d = await dst.done;
    expect(src.status).toBe(0);
    expect(src.stderr).toMatch(/migrated to 127\.0\.0\.1:\d+ in [\d.]+ s: \d+ rounds, \d+ pages \([\d.]+ [KM]iB\) sent, \d+ of them with the guest stopped; downtime [\d.]+ ms/);
    expect(d.status).toBe(0);
    expect(d.stderr).toContain('the guest arrived and runs here');
    expect(src.stdout + d.stdout).toBe(whole.stdout);
    expect(d.stdout).toContain('PASS bench');
    expect(instructions(d.stderr)).toBe(instructions(whole.stderr));
  });

  it('a destination that is not there, or runs another guest, leaves the guest running at the source', async () => {
    const SHORT = [join(GUESTS, 'dts/basic.dts'), '--unmapped', 'fault', '--timeout', '0.5', '--image', join(GUESTS, 'bin/bench.elf')];
    const nowhere = await tsvisor(['run', ...SHORT, '--migrate-to', '127.0.0.1:1', '--migrate-at', '0.2']);
    expect(nowhere.stderr).toMatch(/migration failed, the guest runs on here: cannot reach 127\.0\.0\.1:1/);
    expect(nowhere.stderr).toContain('timed out after 0.5 s of guest virtual time'); // it ran on to its own end
    expect(nowhere.status).toBe(124);
    const dst = await destination([join(GUESTS, 'dts/basic.dts'), '--vcpus', '2', '--unmapped', 'fault']);
    const src = await tsvisor(['run', ...SHORT, '--migrate-to', `127.0.0.1:${dst.port}`, '--migrate-at', '0.2']);
    const d = await dst.done;
    expect(src.stderr).toMatch(/migration failed, the guest runs on here: the destination refused the guest: (the incoming guest has 1 VCPUs, not 2|.*another configuration)/);
    expect(src.status).toBe(124);
    expect(d.status).toBe(2);
  });

  it('the shell moves a running guest between two booted hypervisors (guest migrate, boot --incoming)', async () => {
    const board = join(ROOT, 'boards/default.dts');
    const dst = await destination(['boot', board, '--incoming', '0'], 'sleep 6\nguest list\nshutdown\n');
    const src = await tsvisor(['boot', board], ['vfs guest_fdt_load mover ../guests/dts/basic.dts 1', 'guest create mover',
      'vfs guest_load mover 0x80200000 ../guests/bin/bench.bin', 'guest kick mover', 'sleep 1', `guest migrate mover 127.0.0.1:${dst.port}`,
      'guest list', 'shutdown', ''].join('\n'));
    const d = await dst.done;
    expect(src.stdout).toMatch(/mover: Migrated to 127\.0\.0\.1:\d+ in [\d.]+ s: \d+ rounds, \d+ pages sent/);
    expect(src.stdout.split('XVisor# guest list')[1]).not.toContain('mover');
    expect(d.stdout).toContain('mover: Migrated in');
    // The benchmark finishes at the destination with the checksums a run that never moved prints.
    expect(d.stdout).toMatch(/\[mover\/sbi\] nbody +bfc5a441459acc23 bfc5a468a93fee16/);
    expect(d.stdout).toContain('[mover/sbi] PASS bench (5 checks)');
    expect(d.stdout.split('XVisor# guest list')[1]).toMatch(/\/guests\/mover/);
    expect(src.status).toBe(0);
    expect(d.status).toBe(0);
  });
});
