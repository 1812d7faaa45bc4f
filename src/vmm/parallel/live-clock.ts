/**
 * Guest time in parallel mode: the host's monotonic clock (CLOCK_MONOTONIC, the same for every thread of the
 * process), so every hart of a guest, on any thread, and its devices read one clock that never runs backwards from
 * one hart to another. This is what makes parallel mode non-deterministic, as QEMU's MTTCG without -icount.
 */
import type { LiveClock } from '../../vcpu/riscv/hart.js';

/** The host's monotonic time in ns. */
export function hostNs(): number {
  return Number(process.hrtime.bigint());
}

export class WallClock implements LiveClock {
  /**
   * @param base host ns (`hostNs`) at guest time 0
   * @param nsPerTick ns per tick of the guest's timebase
   */
  constructor(readonly base: number, readonly nsPerTick: number) {}

  ticks(): number {
    const t = Math.floor((hostNs() - this.base) / this.nsPerTick);
    return t > 0 ? t : 0;
  }

  /** Host ns at which guest time reaches `ticks`. */
  hostNsAt(ticks: number): number {
    return this.base + ticks * this.nsPerTick;
  }
}
