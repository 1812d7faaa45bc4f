/**
 * `tsvisor run --snapshot-at/--snapshot` and `--restore` on Linux with 2 VCPUs (guests/linux): a snapshot taken mid
 * boot and restored in a new process ends exactly as the run that never stopped; one taken at the shell prompt is
 * small (sparse RAM) and the restored guest answers a typed command; bad snapshots are refused with exit 2.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tsvisor } from '../support/cli.js';

const GUESTS = join(ROOT, 'guests');
const LINUX = [join(GUESTS, 'dts/linux.dts'), '--vcpus', '2'];
const dir = mkdtempSync(join(tmpdir(), 'tsvisor-snapshot-'));

describe('run --snapshot-at and --restore (Linux, 2 VCPUs)', () => {
  it('a run snapshotted mid-boot and restored in a new process prints and retires exactly what the whole run does', async () => {
    const whole = await tsvisor(['run', ...LINUX, '--image', join(GUESTS, 'linux/Image'), '--timeout', '0.6', '--stats']);
    const snap = join(dir, 'mid.snap');
    const first = await tsvisor(['run', ...LINUX, '--image', join(GUESTS, 'linux/Image'), '--timeout', '0.6', '--snapshot-at', '0.15', '--snapshot', snap]);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/snapshot of \d+ instructions, 0\.150 s of guest time/);
    const rest = await tsvisor(['run', ...LINUX, '--restore', snap, '--timeout', '0.45', '--stats']);
    expect(whole.stdout).toContain('userspace up');
    expect(first.stdout + rest.stdout).toBe(whole.stdout);
    const count = (s: string): string | undefined => /(\d+) guest instructions, ([\d.]+) s of guest virtual time/.exec(s)?.slice(1).join(' ');
    expect(count(rest.stderr)).toBe(count(whole.stderr));
  });

  it('a snapshot at the shell prompt is small, and the restored guest answers a typed command', async () => {
    const snap = join(dir, 'prompt.snap');
    const boot = await tsvisor(['run', ...LINUX, '--image', join(GUESTS, 'linux/Image'), '--timeout', '20', '--snapshot-at', '/userspace up[\\s\\S]*# /', '--snapshot', snap]);
    expect(boot.status).toBe(0);
    // 128 MiB of guest RAM, of which the kernel and BusyBox touched a few MiB.
    expect(statSync(snap).size).toBeLessThan(8 << 20);
    const r = await tsvisor(['run', ...LINUX, '--restore', snap, '--timeout', '5', '--input', 'echo answer-$((6*7))\\n', '--expect', 'answer-42', '--until-expect']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('Linux version'); // no boot: straight to the prompt
  });

  it('refuses a corrupted snapshot, one of another guest, and one with the wrong VCPU count (exit 2)', async () => {
    const snap = join(dir, 'prompt.snap');
    const bytes = readFileSync(snap);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length >> 1]! ^= 0x10;
    writeFileSync(join(dir, 'flipped.snap'), flipped);
    writeFileSync(join(dir, 'short.snap'), bytes.subarray(0, 1000));
    for (const [file, message] of [['flipped.snap', /checksum does not match/], ['short.snap', /checksum does not match/]] as const) {
      const r = await tsvisor(['run', ...LINUX, '--restore', join(dir, file)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const other = await tsvisor(['run', join(GUESTS, 'dts/basic.dts'), '--restore', snap]);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('was taken of another guest configuration');
    const vcpus = await tsvisor(['run', join(GUESTS, 'dts/linux.dts'), '--vcpus', '1', '--restore', snap]);
    expect(vcpus.status).toBe(2);
    expect(vcpus.stderr).toMatch(/another guest configuration|has 2 VCPUs, not 1/);
  });
});
