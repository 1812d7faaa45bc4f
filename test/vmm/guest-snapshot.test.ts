/**
 * The shell's `guest snapshot` and `guest restore`: a guest of a running hypervisor written to a file mid-run and
 * restored under another name runs on to the same end; bad files and names are refused, leaving no guest behind.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';

const ROOT = join(import.meta.dirname, '../..');

function board(): { sh: Shell; hv: Hypervisor; out: (guest: string) => string } {
  const path = join(ROOT, 'boards/host.dtsi');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const v = validate([{ path, tree }]);
  const text = new Map<string, string>();
  const hv = new Hypervisor(tree, v.host!, {
    output: (n, b) => { const g = n.split('/')[0]!; text.set(g, (text.get(g) ?? '') + Buffer.from(b).toString('latin1')); },
  });
  return { sh: new Shell(hv, join(ROOT, 'boards/default.dts')), hv, out: (guest) => text.get(guest) ?? '' };
}

/** Let the event loop turn between steps of a long in-process run (the worker must not block). */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('guest snapshot and guest restore', () => {
  it('a guest snapshotted mid-run and restored under another name finishes as the original does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-guest-snap-'));
    const { sh, hv, out } = board();
    for (const line of ['vfs guest_fdt_load g ../guests/dts/basic.dts 1', 'guest create g', 'vfs guest_load g 0x80200000 ../guests/bin/bench.bin', 'guest kick g']) {
      expect(sh.execute(line).ok, line).toBe(true);
    }
    let t = 0;
    for (; t < 0.5e9; t += 10e6) hv.runUntil(t);
    const snap = join(dir, 'g.snap');
    const taken = sh.execute(`guest snapshot g ${snap}`);
    expect(taken.ok).toBe(true);
    expect(taken.lines[0]).toMatch(/^g: Snapshot written to .*g\.snap \(\d+ bytes\)$/);
    expect(sh.execute('guest destroy g').ok).toBe(true);
    expect(sh.execute(`guest restore copy ${snap}`)).toEqual({ ok: true, lines: ['copy: Restored'] });
    expect(sh.execute('guest list').lines.join('\n')).toMatch(/copy/);
    for (let i = 0; i < 2000 && !out('copy').includes('PASS bench'); i++, t += 10e6) {
      hv.runUntil(t);
      if (i % 10 === 0) await breathe();
    }
    // The benchmark's checksums, printed by the copy only: the original was destroyed after its first lines.
    expect(out('copy')).toMatch(/crc32 +[0-9a-f]+\n[^]*PASS bench \(5 checks\)/);
    expect(out('copy')).not.toContain('== bench ==');
    expect(out('g')).toBe('== bench ==\nscale 4\n');
    expect(hv.lastStatus.get('copy')).toBe(0);

    expect(sh.execute(`guest restore copy ${snap}`).lines[0]).toContain('a guest of that name exists');
    const bad = join(dir, 'bad.snap');
    writeFileSync(bad, readFileSync(snap).subarray(0, 100));
    const refused = sh.execute(`guest restore other ${bad}`);
    expect(refused.ok).toBe(false);
    expect(refused.lines[0]).toMatch(/other: Failed to restore: corrupted/);
    expect(hv.guests.has('other')).toBe(false);
    expect(sh.execute('guest snapshot nobody x.snap').ok).toBe(false);
  });
});
