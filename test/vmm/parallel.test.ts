/**
 * Parallel mode in process (RunSession.runParallel: VCPUs on worker threads over shared RAM). Every guest program
 * must print what it prints on QEMU (guests/expected), as in the deterministic mode: ISA, MMU, traps, devices,
 * interrupts, SMP with HSM and IPIs, and the RVWMO litmus tests (message passing, store buffering with fences, LR/SC
 * and AMO counters from 4 harts, 10,000 iterations each) that must never show a forbidden outcome. The workers run
 * the compiled build (dist/), which `npm test` makes first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunSession } from '../../src/vmm/run-image.js';
import { buildDevice } from '../../src/devices/registry.js';
import { createSharedGuest, RING_SLOTS, SharedCode } from '../../src/vmm/parallel/shared-area.js';
import { workerCount } from '../../src/vmm/parallel/engine.js';
import { basicGuest, GUESTS, guestOutput, guestPrograms, hartsOf } from '../support/guests.js';

async function runParallel(name: string, workers: number): Promise<{ output: string; outcome: string; status: number }> {
  let raw = '';
  const session = new RunSession({
    guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin', `${name}.elf`)), vcpus: hartsOf(name),
    timeoutSeconds: name === 'bench' ? 100 : 30, buildDevice, unmapped: 'fault', parallel: { workers },
    output: (_v, bytes) => { raw += Buffer.from(bytes).toString('latin1'); },
  });
  const result = await session.runParallel();
  return { output: guestOutput(raw), outcome: result.outcome, status: result.status };
}

describe('parallel mode: guest programs match QEMU', () => {
  for (const name of guestPrograms().filter((p) => p !== 'bench')) {
    it(name, async () => {
      const expected = readFileSync(join(GUESTS, 'expected', `${name}.out`), 'latin1');
      const r = await runParallel(name, 2);
      expect(r.output).toBe(expected);
      expect(r.outcome).toBe('shutdown');
      expect(r.status).toBe(0);
    }, 60_000);
  }

  it('the litmus tests three times more (as many workers as harts, at most the machine\'s cores)', async () => {
    const expected = readFileSync(join(GUESTS, 'expected', 'litmus.out'), 'latin1');
    for (let i = 0; i < 3; i++) {
      const r = await runParallel('litmus', 4);
      expect(r.output).toBe(expected);
    }
  }, 120_000);
});

describe('parallel mode: code sharing between threads', () => {
  it('a page changed on one thread is dropped on every other thread holding code of it, not on the writer\'s', () => {
    const area = createSharedGuest(2, 16, 3);
    const main = new SharedCode(area, 0);
    const w1 = new SharedCode(area, 1), w2 = new SharedCode(area, 2), w3 = new SharedCode(area, 3);
    // Worker 1 and 3 translate page 5; the first to do so tells the others to protect it.
    expect(Atomics.or(w1.owners, 5, w1.bit)).toBe(0);
    w1.firstCode(5);
    Atomics.or(w3.owners, 5, w3.bit);
    const seen = (c: SharedCode): string[] => {
      const got: string[] = [];
      c.drain((p) => got.push(`drop ${p}`), (p) => got.push(`protect ${p}`), () => got.push('overflow'));
      return got;
    };
    expect(seen(w2)).toEqual(['protect 5']);
    expect(seen(w3)).toEqual(['protect 5']);
    expect(seen(w1)).toEqual([]);
    // The main thread (a device's DMA) changes page 5: workers 1 and 3 drop it, worker 2 hears nothing.
    const others = Atomics.exchange(main.owners, 5, 0) & ~main.bit;
    main.stale(5, others);
    expect(seen(w1)).toEqual(['drop 5']);
    expect(seen(w2)).toEqual([]);
    expect(seen(w3)).toEqual(['drop 5']);
    expect(w1.pending()).toBe(false);
  });

  it('a worker that fell a whole ring behind drops everything instead of missing a page', () => {
    const area = createSharedGuest(1, 4, 2);
    const w1 = new SharedCode(area, 1), w2 = new SharedCode(area, 2);
    for (let i = 0; i <= RING_SLOTS; i++) w1.stale(1, w2.bit);
    const got: string[] = [];
    w2.drain((p) => got.push(`drop ${p}`), (p) => got.push(`protect ${p}`), () => got.push('overflow'));
    expect(got).toEqual(['overflow']);
    w1.stale(2, w2.bit);
    got.length = 0;
    w2.drain((p) => got.push(`drop ${p}`), () => {}, () => got.push('overflow'));
    expect(got).toEqual(['drop 2']);
  });

  it('uses at most the machine\'s cores, at most the cap asked for, and at least one worker', () => {
    expect(workerCount(4, Infinity, 2)).toBe(2);
    expect(workerCount(4, 64, 2)).toBe(2);
    expect(workerCount(8, 3, 16)).toBe(3);
    expect(workerCount(1, Infinity, 8)).toBe(1);
    expect(workerCount(0, Infinity, 8)).toBe(1);
  });
});
