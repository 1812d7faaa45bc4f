/**
 * Every fuzz target (src/fuzz) for a short bounded time with a fixed seed: no failure of a kind not known. Longer
 * runs: `npm run fuzz -- --seconds N --seed S [--target NAME]`. Each run here stays well under 3 s so the worker
 * yields; together they take a few seconds.
 */
import { describe, expect, it } from 'vitest';
import { runTarget, type Known, type RunResult } from '../../src/fuzz/runner.js';
import type { Target } from '../../src/fuzz/target.js';
import { configTarget, dtbTarget, dtsTarget } from '../../src/fuzz/targets/dts.js';
import { mmioTargets, sbiTarget, shellTarget } from '../../src/fuzz/targets/runtime.js';

const SEED = 18;

function bounded<T>(target: Target<T>, ms: number, known: readonly Known[] = []): RunResult {
  try {
    return runTarget(target, { seed: SEED, ms, minimizeMs: 1000, known });
  } finally {
    target.close?.();
  }
}

function expectClean(r: RunResult): void {
  expect(r.inputs).toBeGreaterThan(0);
  expect(r.failures.map((f) => `${f.minimizedMessage}\n--- minimized input ---\n${f.minimized.slice(0, 2000)}`)).toEqual([]);
}

describe('fuzz targets, bounded, seed 18', () => {
  // Nesting is kept to 200 here: deeper inputs still overflow the stack in the preprocessor and parser, and nested
  // macro calls get slow — issue 18 point 1, the DTS toolchain's limit policy, being done beside this; the full
  // depth runs under `npm run fuzz`.
  it('dts', () => expectClean(bounded(dtsTarget({ maxDepth: 200 }), 600, [
    // `/memreserve/ 0 0;` (its DTB entry is the reserve map's terminator) does not survive DTB → tree → DTB: issue 18
    // point 2, exact round trips, being done in src/dts beside this. Minimized: `/dts-v1/;/memreserve/0 0;/{};`
    { message: 'DTB → tree → DTB differs', input: /\/memreserve\/\s*(0x)?0+\s+(0x)?0+\s*;/, why: 'issue 18.2: /memreserve/ 0 0' },
  ])), 10_000);
  it('dtb', () => expectClean(bounded(dtbTarget(), 400)), 10_000);
  it('config', () => expectClean(bounded(configTarget(), 500)), 10_000);
  it('shell', () => expectClean(bounded(shellTarget(), 600)), 10_000);
  // Console writes of at most 4 KiB keep each input quick here; `npm run fuzz` goes up to 1 MiB.
  it('sbi', () => expectClean(bounded(sbiTarget({ maxBytes: 4096 }), 600)), 10_000);
  for (const t of mmioTargets()) it(t.name, () => expectClean(bounded(t, 150)), 10_000);
});
