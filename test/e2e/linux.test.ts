/**
 * Unmodified Linux 6.1 (guests/linux/Image) with BusyBox on its ext2 root disk, under `tsvisor run` and
 * `tsvisor boot`: SMP, the ns16550 and SBI consoles, PLIC and virtio interrupts, IPIs, the RTC, one clock for every
 * hart, poweroff through SBI. Each boot takes tens of seconds of host time, so each test spawns the CLI once.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, tsvisor } from '../support/cli.js';
import { run, runChecked } from '../support/process.js';

const IMAGE = join(ROOT, 'guests/linux/Image');
const DISK = join(ROOT, 'guests/linux/rootfs.ext2');
const LINUX_DTS = join(ROOT, 'guests/dts/linux.dts');
const PROMPT = 'userspace up';
/** e2fsprogs' debugfs, to read the guest's file back from its disk image (.ci/run installs it). */
const DEBUGFS = ['/usr/sbin/debugfs', '/sbin/debugfs'].find((p) => existsSync(p)) ??
  ((await run('sh', ['-c', 'command -v debugfs'])).stdout.toString('utf8').trim() || 'debugfs');
// The kernel and its images are committed (guests/linux/build.sh rebuilds them): only a missing build skips.
const ready = existsSync(CLI);

/** printk timestamps in console order. */
const printkTimes = (log: string): number[] => [...log.matchAll(/^\[\s*(\d+\.\d{6})\]/gm)].map((m) => Number(m[1]));

/** Counts per CPU of the /proc/interrupts line whose name matches. */
function interruptCounts(log: string, name: RegExp): number[] {
  const line = log.split('\n').find((l) => /^\s*\S+:\s+\d+\s+\d+/.test(l) && name.test(l));
  if (!line) return [];
  return line.trim().split(/\s+/).slice(1, 3).map(Number);
}

describe.skipIf(!ready)('Linux guests', () => {
  it('boots to BusyBox on 2 VCPUs with the ns16550 console, root on virtio-blk, and powers off with 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-linux-'));
    try {
      // A private copy of the root disk, written back, so the file the guest writes can be read from the image.
      const disk = join(dir, 'rootfs.ext2');
      copyFileSync(DISK, disk);
      const dts = join(dir, 'linux.dts');
      writeFileSync(dts, `/include/ "${LINUX_DTS}"\n&DISK0 { blkdev = "${disk}"; writeback; };\n`);
      const commands = 'uname -a; cat /proc/cpuinfo; cat /proc/interrupts; mount; ls /dev; date; ' +
        'echo tsvisor-was-here > /root/hello.txt; sync; cat /root/hello.txt; sleep 10; cat /proc/uptime; poweroff\n';
      const r = await tsvisor(['run', dts, '--image', IMAGE, '--vcpus', '2', '--timeout', '30', '--stats',
        '--input-after', PROMPT, '--input', commands]);
      const out = r.stdout;
      expect(r.stderr).not.toMatch(/halted|timed out/);
      expect(r.status).toBe(0); // SBI SRST shutdown, reason none
      expect(out).toMatch(/Linux \S+ 6\.1\.\d+ .* riscv64/); // uname -a
      expect(out).toContain('smp: Brought up 1 node, 2 CPUs');
      expect(out).toMatch(/^processor\s*: 0$/m);
      expect(out).toMatch(/^processor\s*: 1$/m);
      // Timer interrupts on both CPUs, the UART's and the disk's PLIC interrupts, and IPIs.
      const timer = interruptCounts(out, /riscv-timer/);
      expect(timer).toHaveLength(2);
      expect(timer.every((n) => n > 0)).toBe(true);
      expect(interruptCounts(out, /PLIC\s+10\s.*ttyS0/).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(interruptCounts(out, /PLIC\s+2\s.*virtio0/).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      const ipis = out.split('\n').filter((l) => /^\s*IPI\d+:/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1, 3).map(Number));
      expect(ipis.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(out).toMatch(/^\/dev\/root on \/ type ext2 \(rw/m);
      expect(out).toMatch(/^ttyS0\b|\sttyS0\s/m); // ls /dev
      expect(out).toMatch(/Thu Jan\s+1 00:00:\d\d UTC 2026/); // the RTC's fixed default start date
      expect(out).toMatch(/^tsvisor-was-here$/m);
      // printk times from both CPUs agree within 10 ms: no line is stamped earlier than one before it by more.
      const times = printkTimes(out);
      let latest = 0;
      for (const t of times) { expect(t).toBeGreaterThan(latest - 0.010); latest = Math.max(latest, t); }
      // The guest's clock is the virtual clock: after `sleep 10` the kernel's uptime and its last message ("reboot:
      // Power down") agree with the run's virtual time within 1%. (The kernel's clock starts some 66 ms into the
      // run, when its clocksource registers; the run ends at the next 10 ms after the power-down.)
      const virtual = Number(/([\d.]+) s of guest virtual time/.exec(r.stderr)?.[1]);
      const uptime = Number(/^(\d+\.\d\d) \d+\.\d\d$/m.exec(out)?.[1]);
      expect(uptime).toBeGreaterThan(10);
      expect(uptime).toBeLessThanOrEqual(latest);
      expect(out).toMatch(/reboot: Power down/);
      expect(Math.abs(latest - virtual) / virtual).toBeLessThan(0.01);
      // The file the guest wrote is on the disk image, not only in its page cache.
      const cat = (await runChecked(DEBUGFS, ['-R', 'cat /root/hello.txt', disk])).stdout.toString('latin1');
      expect(cat).toBe('tsvisor-was-here\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('with the compiler thread, full batches of warm blocks compile there while the boot goes on', async () => {
    // The thread is used with more than two cores (wasm/background-compiler.ts); this makes the CLI use it anywhere.
    process.env['TSVISOR_COMPILER_THREAD'] = '1';
    const r = await tsvisor(['run', LINUX_DTS, '--image', IMAGE, '--vcpus', '1', '--timeout', '30', '--stats',
      '--expect', PROMPT, '--expect', '# ', '--until-expect']).finally(() => { delete process.env['TSVISOR_COMPILER_THREAD']; });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(PROMPT);
    const stats = /(\d+) of them compiled to wasm \((\d+) on the compiler thread\)/.exec(r.stderr);
    expect(Number(stats?.[2])).toBeGreaterThan(0);
  });

  it('boots from the initramfs with console=hvc0 (the SBI console) and answers typed input', async () => {
    const r = await tsvisor(['run', LINUX_DTS, '--image', IMAGE, '--initrd', join(ROOT, 'guests/linux/initramfs.cpio.gz'),
      '--timeout', '30', '--bootargs', 'console=hvc0 earlycon=sbi', '--input-after', PROMPT, '--input', 'mount; echo $((6 * 7)) from hvc0; poweroff\n']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('printk: console [hvc0] enabled');
    expect(r.stdout).toContain('Run /init as init process');
    expect(r.stdout).toMatch(/^rootfs on \/ type rootfs/m);
    expect(r.stdout).toMatch(/^42 from hvc0\r?$/m);
  }, 600_000);

  it('tsvisor boot runs two Linux guests side by side; typing into one does not reach the other', async () => {
    const script = 'sleep 4\nvserial bind guest0/uart0\necho typed-into-guest0\n\x1bxq\nsleep 1\nshutdown\n';
    const r = await tsvisor(['boot', join(ROOT, 'boards/two-linux.dts')], script);
    expect(r.status).toBe(0);
    for (const g of ['guest0', 'guest1']) {
      expect(r.stdout).toContain(`[${g}/uart0] tsvisor linux guest: ${PROMPT}`);
      expect(r.stdout).toContain(`[${g}/uart0] [    0.000000] Linux version 6.1`);
    }
    expect(r.stdout).toMatch(/^\[guest0\/uart0\] typed-into-guest0\r?$/m);
    expect(r.stdout).not.toContain('[guest1/uart0] typed-into-guest0');
    expect(r.stdout).not.toMatch(/\[guest1\/uart0\].*echo typed-into-guest0/);
  }, 900_000);
});
