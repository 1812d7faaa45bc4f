/**
 * Parallel mode from the command line: `tsvisor run --parallel` (Linux 6.1 on 2 VCPUs, each on a worker thread, with
 * its disk, consoles, IPIs and timers), `tsvisor boot --parallel` and a board's /vmm `parallel;` with the shell
 * stopping the VCPUs around its commands, a halting VCPU reported as in the deterministic mode, and usage errors.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tsvisor } from '../support/cli.js';

const BASIC = join(ROOT, 'guests/dts/basic.dts');

describe('tsvisor run --parallel', () => {
  it('boots Linux to BusyBox on 2 VCPUs, each on a worker thread, and powers off with 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-parallel-'));
    try {
      const disk = join(dir, 'rootfs.ext2');
      copyFileSync(join(ROOT, 'guests/linux/rootfs.ext2'), disk);
      const dts = join(dir, 'linux.dts');
      writeFileSync(dts, `/include/ "${join(ROOT, 'guests/dts/linux.dts')}"\n&DISK0 { blkdev = "${disk}"; writeback; };\n`);
      const commands = 'cat /proc/interrupts; echo parallel-was-here > /root/p.txt; sync; cat /root/p.txt; ' +
        'for i in 1 2 3 4; do ls /bin > /dev/null & done; wait; echo $((6 * 7)); poweroff\n';
      const r = await tsvisor(['run', dts, '--image', join(ROOT, 'guests/linux/Image'), '--vcpus', '2', '--timeout', '120',
        '--parallel', '--input-after', 'userspace up', '--input', commands]);
      expect(r.stderr).not.toMatch(/halted|timed out|failed/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('smp: Brought up 1 node, 2 CPUs');
      // The /proc/interrupts line: timer interrupts taken on each CPU.
      const timer = r.stdout.split('\n').find((l) => /^\s*\d+:\s+\d+\s+\d+.*riscv-timer/.test(l))?.trim().split(/\s+/).slice(1, 3).map(Number) ?? [];
      expect(timer).toHaveLength(2);
      expect(timer.every((n) => n > 0)).toBe(true);
      expect(r.stdout).toMatch(/^parallel-was-here\r?$/m);
      expect(r.stdout).toMatch(/^42\r?$/m);
      expect(r.stdout).toContain('reboot: Power down');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('a VCPU that cannot go on halts with the reason the deterministic mode gives', async () => {
    const args = ['run', BASIC, '--image', join(ROOT, 'guests/bin/traps.elf'), '--timeout', '5'];
    const [one, parallel] = await Promise.all([tsvisor(args), tsvisor([...args, '--parallel'])]);
    expect(one.status).toBe(3);
    expect(parallel.status).toBe(3);
    const reason = 'basic/vcpu0: load from 0x0, which is in no region of basic (pc 0x0000000080200208)';
    expect(one.stderr).toContain(reason);
    expect(parallel.stderr).toContain(reason);
  }, 60_000);

  it('refuses what needs the deterministic mode, and a bad worker count, with exit 2', async () => {
    const image = join(ROOT, 'guests/bin/hello.elf');
    const bad = await tsvisor(['run', BASIC, '--image', image, '--timeout', '5', '--parallel', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--parallel: "0" is not a number of worker threads');
    const gdb = await tsvisor(['run', BASIC, '--image', image, '--timeout', '5', '--parallel', '--gdb', '0']);
    expect(gdb.status).toBe(2);
    expect(gdb.stderr).toContain('--parallel runs without --gdb');
  }, 60_000);
});

describe('tsvisor boot in parallel mode', () => {
  for (const [what, args] of [['--parallel', ['boards/default.dts', '--parallel']], ['/vmm parallel;', ['boards/parallel.dts']]] as const) {
    it(`${what}: both guests run to their end; the shell's commands see them stopped and running again`, async () => {
      const script = 'sleep 2\nvcpu list\nguest reset guest0\nguest kick guest0\nsleep 2\nguest list\nshutdown\n';
      const r = await tsvisor(['boot', ...args.map((a) => (a.endsWith('.dts') ? join(ROOT, a) : a))], script);
      expect(r.status).toBe(0);
      // guest0 ran twice (reset and kicked again), guest1 once: each time to its verdict and SRST shutdown.
      expect(r.stdout.match(/\[guest0\/sbi\] PASS uart/g)).toHaveLength(2);
      expect(r.stdout.match(/\[guest1\/sbi\] PASS uart/g)).toHaveLength(1);
      expect(r.stdout.match(/guest0: Shutdown \(SBI SRST shutdown, no reason\)/g)).toHaveLength(2);
      expect(r.stdout).toMatch(/guest1\/vcpu0\s+\{0,1,2,3\}/);
      expect(r.stdout).toContain('guest0: Reset');
      expect(r.stdout).toContain('guest0: Kicked');
    }, 60_000);
  }
});
