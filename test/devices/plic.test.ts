import { describe, expect, it } from 'vitest';
import { createPlic, isPlic, type PlicDevice } from '../../src/devices/plic.js';
import { fake, type Fake } from './fake.js';

const PRIO = (s: number): number => 4 * s;
const PENDING = 0x1000;
const ENABLE = (c: number, w = 0): number => 0x2000 + 0x80 * c + 4 * w;
const THRESHOLD = (c: number): number => 0x200000 + 0x1000 * c;
const CLAIM = (c: number): number => THRESHOLD(c) + 4;
/** Supervisor context of hart h. */
const S = (h: number): number => 2 * h + 1;

function setup(numIrq = 40, harts = 2): { f: Fake; plic: PlicDevice } {
  const f = fake({ attrs: { num_irq: numIrq, max_priority: 7, parent_irq: 10 }, hartCount: harts });
  return { f, plic: createPlic(f.ctx) };
}

describe('PLIC', () => {
  it('exposes its inputs to the runtime', () => {
    const { plic } = setup();
    expect(isPlic(plic)).toBe(true);
    expect(plic.contextCount).toBe(4);
    expect(plic.numIrq).toBe(40);
    // Out-of-range inputs are dead lines, not errors.
    expect(() => { plic.input(0).set(true); plic.input(41).set(true); plic.input(-1).set(true); plic.input(1.5).set(true); }).not.toThrow();
    expect(plic.read(PENDING, 4)).toBe(0);
  });

  it('priorities are WARL 0..max_priority; source 0 is reserved', () => {
    const { plic } = setup();
    plic.write(PRIO(3), 4, 0xffffffff);
    expect(plic.read(PRIO(3), 4)).toBe(7);
    plic.write(PRIO(3), 4, 2);
    expect(plic.read(PRIO(3), 4)).toBe(2);
    plic.write(PRIO(0), 4, 5);
    expect(plic.read(PRIO(0), 4)).toBe(0);
    plic.write(PRIO(41), 4, 5);
    expect(plic.read(PRIO(41), 4)).toBe(0);
    plic.write(THRESHOLD(S(0)), 4, 100);
    expect(plic.read(THRESHOLD(S(0)), 4)).toBe(7);
  });

  it('enable bits of source 0 and of sources above num_irq are hardwired to 0', () => {
    const { plic } = setup(40);
    plic.write(ENABLE(S(0), 0), 4, 0xffffffff);
    plic.write(ENABLE(S(0), 1), 4, 0xffffffff);
    plic.write(ENABLE(S(0), 2), 4, 0xffffffff);
    expect(plic.read(ENABLE(S(0), 0), 4)).toBe(0xfffffffe);
    expect(plic.read(ENABLE(S(0), 1), 4)).toBe(0x1ff); // sources 32..40
    expect(plic.read(ENABLE(S(0), 2), 4)).toBe(0);
  });

  it('level-triggered gateway, claim and complete', () => {
    const { f, plic } = setup();
    const hart0 = f.harts[0]!;
    plic.input(5).set(true);
    expect(plic.read(PENDING, 4)).toBe(1 << 5);
    expect(hart0.level).toBe(false); // priority 0 and not enabled
    plic.write(PRIO(5), 4, 1);
    expect(hart0.level).toBe(false);
    plic.write(ENABLE(S(0)), 4, 1 << 5);
    expect(hart0.level).toBe(true);
    expect(f.harts[1]!.level).toBe(false);

    expect(plic.read(CLAIM(S(0)), 4)).toBe(5);
    expect(plic.read(PENDING, 4)).toBe(0);
    expect(hart0.level).toBe(false);
    // In service: the line staying high does not make it pending again, and it cannot be claimed twice.
    expect(plic.read(CLAIM(S(0)), 4)).toBe(0);
    plic.write(CLAIM(S(0)), 4, 5);
    // Completed with the line still high: pending again.
    expect(plic.read(PENDING, 4)).toBe(1 << 5);
    expect(hart0.level).toBe(true);
    // The line drops before the claim: the request stays in the IP bit (the PLIC specification: "the interrupt
    // request remains present in the IP bit ... and will be serviced by a handler"; QEMU keeps it too).
    plic.input(5).set(false);
    expect(plic.read(PENDING, 4)).toBe(1 << 5);
    expect(hart0.level).toBe(true);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(5);
    plic.write(CLAIM(S(0)), 4, 5);
    // Completed with the line low: nothing pending, output low, nothing to claim.
    expect(plic.read(PENDING, 4)).toBe(0);
    expect(hart0.level).toBe(false);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(0);
  });

  it('a device that lowers its line after the claim is not pending after completion', () => {
    const { f, plic } = setup();
    plic.write(PRIO(7), 4, 3);
    plic.write(ENABLE(S(0)), 4, 1 << 7);
    plic.input(7).set(true);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(7);
    plic.input(7).set(false); // the driver serviced the device
    plic.write(CLAIM(S(0)), 4, 7);
    expect(plic.read(PENDING, 4)).toBe(0);
    expect(f.harts[0]!.level).toBe(false);
    // And it can interrupt again afterwards.
    plic.input(7).set(true);
    expect(f.harts[0]!.level).toBe(true);
  });

  it('claims the highest priority first, ties to the lowest id', () => {
    const { plic } = setup();
    for (const [s, p] of [[3, 2], [7, 5], [9, 5], [33, 6]] as const) {
      plic.write(PRIO(s), 4, p);
      plic.input(s).set(true);
    }
    plic.write(ENABLE(S(0), 0), 4, (1 << 3) | (1 << 7) | (1 << 9));
    plic.write(ENABLE(S(0), 1), 4, 1 << 1); // source 33
    expect(plic.read(PENDING + 4, 4)).toBe(1 << 1);
    const order = [0, 1, 2, 3, 4].map(() => plic.read(CLAIM(S(0)), 4));
    expect(order).toEqual([33, 7, 9, 3, 0]);
  });

  it('the threshold gates both the output and the claim; priority 0 never interrupts', () => {
    const { f, plic } = setup();
    plic.write(PRIO(4), 4, 3);
    plic.write(ENABLE(S(0)), 4, 1 << 4);
    plic.write(THRESHOLD(S(0)), 4, 3);
    plic.input(4).set(true);
    expect(f.harts[0]!.level).toBe(false);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(0);
    expect(plic.read(PENDING, 4)).toBe(1 << 4); // still pending
    plic.write(THRESHOLD(S(0)), 4, 2);
    expect(f.harts[0]!.level).toBe(true);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(4);
    plic.write(CLAIM(S(0)), 4, 4);
    plic.write(PRIO(4), 4, 0);
    plic.write(THRESHOLD(S(0)), 4, 0);
    expect(f.harts[0]!.level).toBe(false);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(0);
  });

  it('per-hart contexts: each S context drives its own hart; M contexts are never wired', () => {
    const { f, plic } = setup(40, 3);
    plic.write(PRIO(10), 4, 1);
    plic.write(PRIO(11), 4, 1);
    plic.write(ENABLE(S(1)), 4, 1 << 10);
    plic.write(ENABLE(S(2)), 4, 1 << 11);
    plic.write(ENABLE(0), 4, (1 << 10) | (1 << 11)); // hart 0's M context
    plic.input(10).set(true);
    expect(f.harts.map((h) => h.level)).toEqual([false, true, false]);
    plic.input(11).set(true);
    expect(f.harts.map((h) => h.level)).toEqual([false, true, true]);
    // The M context exists in the register map: it can claim, though no hart line ever follows it.
    expect(plic.read(CLAIM(0), 4)).toBe(10);
    expect(f.harts[1]!.level).toBe(false); // 10 is in service now
    expect(plic.read(CLAIM(S(2)), 4)).toBe(11);
    expect(f.harts.map((h) => h.level)).toEqual([false, false, false]);
    // Contexts beyond the harts read 0.
    expect(plic.read(THRESHOLD(6), 4)).toBe(0);
    expect(plic.read(CLAIM(6), 4)).toBe(0);
  });

  it('a completion by a context that did not claim the source is ignored', () => {
    const { f, plic } = setup();
    plic.write(PRIO(6), 4, 1);
    plic.write(ENABLE(S(0)), 4, 1 << 6);
    plic.write(ENABLE(S(1)), 4, 1 << 6);
    plic.input(6).set(true);
    expect(f.harts[0]!.level && f.harts[1]!.level).toBe(true);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(6);
    expect(f.harts[1]!.level).toBe(false);
    plic.write(CLAIM(S(1)), 4, 6); // not hart 1's claim
    plic.write(CLAIM(S(0)), 4, 9); // not a source hart 0 claimed
    plic.write(CLAIM(S(0)), 4, 0);
    plic.write(CLAIM(S(0)), 4, 1000);
    expect(plic.read(PENDING, 4)).toBe(0);
    expect(f.harts[1]!.level).toBe(false);
    plic.write(CLAIM(S(0)), 4, 6);
    expect(plic.read(PENDING, 4)).toBe(1 << 6);
    expect(f.harts[1]!.level).toBe(true);
  });

  it('only reports output changes to the harts', () => {
    const { f, plic } = setup();
    plic.write(PRIO(2), 4, 1);
    plic.write(PRIO(3), 4, 1);
    plic.write(ENABLE(S(0)), 4, 0b1100);
    plic.input(2).set(true);
    plic.input(3).set(true);
    plic.input(3).set(true);
    expect(f.harts[0]!.changes).toEqual([true]);
  });

  it('pending bits are read only; odd widths and offsets read 0', () => {
    const { plic } = setup();
    plic.write(PENDING, 4, 0xffffffff);
    expect(plic.read(PENDING, 4)).toBe(0);
    plic.write(PRIO(1), 4, 3);
    expect(plic.read(PRIO(1), 1)).toBe(0);
    expect(plic.read(PRIO(1) + 2, 2)).toBe(0);
    plic.write(PRIO(1), 2, 1);
    expect(plic.read(PRIO(1), 4)).toBe(3);
    expect(plic.read(0x3fffffc, 4)).toBe(0);
  });

  it('reset returns to power-on state but keeps raised lines pending', () => {
    const { f, plic } = setup();
    plic.write(PRIO(8), 4, 1);
    plic.write(ENABLE(S(0)), 4, 1 << 8);
    plic.write(THRESHOLD(S(0)), 4, 0);
    plic.input(8).set(true);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(8);
    plic.reset();
    expect(plic.read(PRIO(8), 4)).toBe(0);
    expect(plic.read(ENABLE(S(0)), 4)).toBe(0);
    expect(plic.read(PENDING, 4)).toBe(1 << 8); // no longer in service, line high
    expect(f.harts[0]!.level).toBe(false);
    plic.write(PRIO(8), 4, 1);
    plic.write(ENABLE(S(0)), 4, 1 << 8);
    expect(plic.read(CLAIM(S(0)), 4)).toBe(8);
  });
});
