/**
 * Guest console output is handled in linear time: 250 KB printed one byte at a time without a newline took boot
 * over 150 s (quadratic line assembly) and run several seconds (one write per byte). boot prints a partial line as
 * a line of its own every 4 KiB.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tsvisor } from '../support/cli.js';

/** for (;;) sbi_console_putchar('x') (legacy extension 1), rv64i at 0x80200000. */
const PUTC = Buffer.from(Uint32Array.from([0x00100893, 0x07800513, 0x00000073, 0xff5ff06f]).buffer);

describe('console output without newlines', () => {
  it('boot and run stay linear on 250 KB without a newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-output-'));
    try {
      writeFileSync(join(dir, 'putc.bin'), PUTC);
      writeFileSync(join(dir, 'board.dts'), `/include/ "${join(ROOT, 'boards/host.dtsi')}"\n/ { chosen { bootcmd = ` +
        `"vfs guest_fdt_load g ${join(ROOT, 'guests/dts/basic.dts')} 1", "guest create g", "vfs guest_load g 0x80200000 putc.bin", "guest kick g"; }; };\n`);
      let t0 = performance.now();
      const b = await tsvisor(['boot', join(dir, 'board.dts'), '--time', '0.04'], '', 120_000);
      const bootMs = performance.now() - t0;
      expect(b.status).toBe(0);
      const lines = b.stdout.split('\n').filter((l) => l.startsWith('[g/sbi] '));
      const xs = lines.reduce((n, l) => n + l.length - '[g/sbi] '.length, 0);
      expect(xs).toBeGreaterThan(250_000);
      expect(lines.slice(0, -1).every((l) => l === `[g/sbi] ${'x'.repeat(4096)}`)).toBe(true);

      t0 = performance.now();
      const r = await tsvisor(['run', join(ROOT, 'guests/dts/basic.dts'), '--image', join(dir, 'putc.bin'), '--timeout', '0.04'], '', 120_000);
      const runMs = performance.now() - t0;
      expect(r.status).toBe(124);
      expect(r.stdout.length).toBeGreaterThan(250_000);
      expect(/^x+$/.test(r.stdout)).toBe(true);
      console.log(`250 KB without a newline: boot ${bootMs.toFixed(0)} ms, run ${runMs.toFixed(0)} ms`);
      expect(bootMs).toBeLessThan(20_000); // before: over 150 s
      expect(runMs).toBeLessThan(20_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
