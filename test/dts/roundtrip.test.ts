/**
 * Property test: random small device trees (seeded, so failures reproduce) go through every path and come back
 * byte-identical:
 *   DTS → DTB (and, where dtc 1.6.1 is installed, that DTB equals dtc's for the same source);
 *   DTB → tree → DTB;  DTB → DTS → DTB;  DTS → tree → DTS → DTB.
 * The generator leans on what used to break: empty `[]`/`<>` inside lists, `/incbin/` after strings, NULs
 * followed by digits, newlines and `#if` inside strings, `/memreserve/ 0 0`, labels on the root and in values.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, loadBlob, memoryFiles, toBlob, toDts, fromBlob } from '../../src/dts/index.js';
import { limiter, run, yieldToEventLoop, type RunResult } from '../support/process.js';
import { BLOB, generate, rng } from './random-tree.js';

export const ROUND_TRIP_TREES = 300;
const SEED = 18;

const hasDtc = (await run('dtc', ['--version'])).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'tsvisor-rt-'));
writeFileSync(join(tmp, 'blob.bin'), BLOB);

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

describe('round trips of random trees', () => {
  const files = memoryFiles({ 'blob.bin': BLOB });
  const r = rng(SEED);
  const sources = Array.from({ length: ROUND_TRIP_TREES }, () => generate(r));

  it(`${ROUND_TRIP_TREES} trees (seed ${SEED}) come back byte-identical through every path`, async () => {
    // dtc on every third tree, two at a time, while the trees go through our paths below.
    const gate = limiter(2);
    const refs = new Map<number, Promise<RunResult>>();
    if (hasDtc) {
      for (const [i, src] of sources.entries()) {
        if (i % 3 !== 0) continue;
        const path = join(tmp, `t${i}.dts`);
        writeFileSync(path, src, 'latin1');
        refs.set(i, gate(() => run('dtc', ['-q', '-I', 'dts', '-O', 'dtb', path])));
      }
    }
    let compared = 0;
    for (const [i, src] of sources.entries()) {
      await yieldToEventLoop(); // seconds of compiling in all: let the worker's event loop turn between trees
      const c = compileSource(src, 'rt.dts', { files });
      const errors = c.diagnostics.filter((d) => d.severity === 'error');
      expect(errors, `tree ${i}:\n${src}`).toEqual([]);
      const dtb = toBlob(c.tree!);
      if (hasDtc && i % 3 === 0) {
        const ref = await refs.get(i)!;
        expect(ref.status, `dtc on tree ${i}: ${ref.stderr.toString()}`).toBe(0);
        expect(same(dtb, ref.stdout), `tree ${i} vs dtc:\n${src}`).toBe(true);
        compared++;
      }
      const bootCpuid = c.tree!.bootCpuid;
      const read = fromBlob(dtb);
      const header = { bootCpuid, reserveSlots: read.reserveSlots ?? 0 };
      expect(same(toBlob(read, header), dtb), `DTB → tree → DTB, tree ${i}:\n${src}`).toBe(true);
      const back = loadBlob(dtb, 'rt.dtb');
      const fromDtbDts = compileSource(toDts(back.tree!), 'rt2.dts');
      expect(fromDtbDts.diagnostics.filter((d) => d.severity === 'error'), `tree ${i}`).toEqual([]);
      expect(same(toBlob(fromDtbDts.tree!, header), dtb), `DTB → DTS → DTB, tree ${i}:\n${src}`).toBe(true);
      const printed = toDts(c.tree!);
      const again = compileSource(printed, 'rt3.dts');
      expect(again.diagnostics.filter((d) => d.severity === 'error'), `tree ${i}:\n${printed}`).toEqual([]);
      expect(same(toBlob(again.tree!, { bootCpuid }), dtb), `DTS → DTS → DTB, tree ${i}:\n${src}\n---\n${printed}`).toBe(true);
    }
    if (hasDtc) expect(compared).toBeGreaterThan(ROUND_TRIP_TREES / 4);
  }, 120_000);
});
