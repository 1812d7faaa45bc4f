/** One clock per guest: host-derived, monotonic from hart to hart, shared by devices, restarted at guest reset. */
import { describe, expect, it } from 'vitest';
import { RamBus } from '../../src/aspace/ram-bus.js';
import { Hart } from '../../src/vcpu/riscv/hart.js';
import { GuestClock, type HostTimers } from '../../src/vmm/guest-clock.js';

/** 10 MHz timebase, 10 instructions a tick: 100 ns a tick, 10 ns an instruction. */
function setup() {
  const bus = new RamBus([{ base: 0x80000000, size: 0x100000 }]);
  const set: { at: number; fire: (now: number) => void; handle: number }[] = [];
  let next = 1;
  const timers: HostTimers = {
    setTimer: (at, fire) => { set.push({ at, fire, handle: next }); return next++; },
    cancelTimer: (h) => { const i = set.findIndex((t) => t.handle === h); if (i >= 0) set.splice(i, 1); },
  };
  const clock = new GuestClock(10_000_000, timers);
  const harts = [0, 1].map((id) => new Hart(bus, { hartId: id, instructionsPerTick: 10 }));
  return { clock, harts, set };
}

describe('guest clock', () => {
  it('follows the host CPU a slice starts on and the instructions retired since', () => {
    const { clock, harts: [h0] } = setup();
    clock.enter(h0!, 5_000); // host 5 µs = 50 ticks
    expect(h0!.time()).toBe(50);
    h0!.icount += 1000; // 10 µs of instructions
    expect(h0!.time()).toBe(150);
    expect(clock.ticks()).toBe(150);
    expect(clock.now()).toBeCloseTo(15_000, 6);
    clock.leave(h0!);
  });

  it('never runs backwards from one hart to the next, and does not run ahead of the host', () => {
    const { clock, harts: [h0, h1] } = setup();
    clock.enter(h0!, 0);
    h0!.icount += 10_000; // 1000 ticks
    clock.leave(h0!);
    // The other host CPU is behind (it starts its slice at host time 0): its hart is shown no earlier time.
    clock.enter(h1!, 0);
    expect(h1!.time()).toBe(1000);
    h1!.icount += 5_000; // its own clock reaches 500 ticks: time stays flat at the watermark
    expect(h1!.time()).toBe(1000);
    h1!.icount += 6_000; // 1100 ticks: its own clock is ahead again
    expect(h1!.time()).toBe(1100);
    clock.leave(h1!);
    // h0 continues on its CPU at host 100 µs (1000 ticks): the floor is 1100.
    clock.enter(h0!, 100_000);
    expect(h0!.time()).toBe(1100);
    h0!.icount += 2_000;
    expect(h0!.time()).toBe(1200);
  });

  it('fires the Sstc timer at the exact tick of the shared clock', () => {
    const { clock, harts: [h0] } = setup();
    h0!.setTimer(300, 0);
    clock.enter(h0!, 20_000); // 200 ticks
    expect(h0!.stip).toBe(false);
    expect(h0!.timerDeadline - h0!.icount).toBe(1000); // 100 more ticks of 10 instructions
    h0!.icount += 1000;
    h0!.refreshTimer();
    expect(h0!.stip).toBe(true);
  });

  it('gives devices the same time and runs their timers as host events', () => {
    const { clock, harts: [h0], set } = setup();
    clock.restart(1_000_000); // the guest was created at host time 1 ms: guest time 0
    clock.enter(h0!, 1_000_000);
    h0!.icount += 100; // 1 µs
    expect(clock.now()).toBe(1000);
    const fired: number[] = [];
    clock.setTimer(50_000, () => fired.push(clock.now()));
    clock.leave(h0!);
    expect(set[0]!.at).toBe(1_050_000); // host time of guest 50 µs
    set[0]!.fire(1_050_000);
    expect(fired).toEqual([50_000]);
    expect(clock.hostTimeOf(100)).toBe(1_010_000);
  });

  it('restarts from 0 at guest reset', () => {
    const { clock, harts: [h0] } = setup();
    clock.enter(h0!, 0);
    h0!.icount += 100_000;
    clock.leave(h0!);
    clock.restart(2_000_000);
    h0!.reset(0x80000000, 0);
    clock.enter(h0!, 2_000_000);
    expect(h0!.time()).toBe(0);
  });
});
