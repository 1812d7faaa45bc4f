/** `tsvisor run` and `tsvisor boot` refuse unreadable inputs (devices, FIFOs, directories, huge files) at once. */
import { describe, expect, it } from 'vitest';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tsvisor } from '../support/cli.js';
import { runChecked } from '../support/process.js';

describe('file inputs of run and boot', () => {
  it('a device, a FIFO, a directory or a file bigger than the guest is refused within a second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-inputs-'));
    try {
      const fifo = join(dir, 'fifo');
      await runChecked('mkfifo', [fifo]);
      const huge = join(dir, 'huge.bin');
      const fd = openSync(huge, 'w');
      ftruncateSync(fd, 2 ** 31);
      closeSync(fd);
      const basic = join(ROOT, 'guests/dts/basic.dts');
      const hello = join(ROOT, 'guests/bin/hello.elf');
      const cases: [string[], RegExp][] = [
        [['run', basic, '--image', '/dev/zero'], /image \/dev\/zero: a character device, not a regular file/],
        [['run', basic, '--image', '/dev/urandom'], /image \/dev\/urandom: a character device, not a regular file/],
        [['run', basic, '--image', fifo], /image .*fifo: a FIFO, not a regular file/],
        [['run', basic, '--image', dir], /image .*: a directory, not a regular file/],
        [['run', basic, '--image', huge], /image .*huge.bin: 2048 MiB is larger than the 128 MiB limit \(the guest's memory\)/],
        [['run', basic, '--image', hello, '--initrd', '/dev/zero'], /initrd \/dev\/zero: a character device/],
        [['run', basic, '--image', hello, '--initrd', huge], /initrd .*: 2048 MiB is larger than the 128 MiB limit/],
        [['run', fifo, '--image', hello], /guest device tree .*fifo: a FIFO, not a regular file/],
        [['run', '/dev/zero', '--image', hello], /guest device tree \/dev\/zero: a character device/],
        [['run', huge, '--image', hello], /guest device tree .*: 2048 MiB is larger than the 16 MiB limit/],
        [['run', join(dir, 'none.dts'), '--image', hello], /guest device tree .*none.dts: no such file or directory/],
        [['run', join(ROOT, 'guests/dts/linux.dts'), '--image', hello, '--set', 'disk0,blkdev,string,/dev/zero'],
          /cannot read blkdev '\/dev\/zero': disk image \/dev\/zero: a character device, not a regular file/],
        [['run', join(ROOT, 'guests/dts/linux.dts'), '--image', hello, '--set', `disk0,blkdev,string,${fifo}`], /disk image .*fifo: a FIFO/],
        [['boot', fifo], /board .*fifo: a FIFO, not a regular file/],
        [['boot', '/dev/urandom'], /board \/dev\/urandom: a character device/],
        [['boot', dir], /board .*: a directory, not a regular file/],
      ];
      for (const [args, expected] of cases) {
        const t0 = performance.now();
        const r = await tsvisor(args, '', 20_000);
        const ms = performance.now() - t0;
        expect(r.status, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toMatch(expected);
        expect(ms, args.join(' ')).toBeLessThan(5000); // a process start included; the check itself is instant
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
