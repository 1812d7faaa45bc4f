/**
 * One virtual clock per guest, derived from the host CPUs' virtual time (the scheduler's clocks): a VCPU's slice
 * starts at its host CPU's time and runs on at the configured instruction rate, and an idle host CPU's time skips
 * ahead to its next event. Every hart (the `time` CSR, Sstc/SBI timers) and every device of the guest reads this one
 * clock. A reading never goes below the latest one any hart of the guest was shown (the watermark), so guest time is
 * monotonic from one hart to the next, and it stays within one scheduling quantum of every host CPU running the
 * guest. A hart waiting in WFI sleeps in the scheduler until its timer is due: it moves no one's time.
 *
 * Guest time starts at 0 when the guest is created or reset, as Xvisor's per-guest time delta makes it.
 * Device timers are scheduler timers, so they fire in host virtual time like every other event.
 */
import type { Hart, LiveClock } from '../vcpu/riscv/hart.js';
import type { VirtualClock } from '../devices/device.js';

/** What the clock needs from the scheduler (host virtual time in ns). */
export interface HostTimers {
  setTimer(at: number, fire: (now: number) => void): number;
  cancelTimer(handle: number): void;
}

export class GuestClock implements VirtualClock {
  /** Host virtual time (ns) at guest time 0. */
  private originNs = 0;
  /** Latest guest time (ticks) any hart has been shown. */
  private watermark = 0;
  /** Latest host time (ns) the guest has seen: a slice start or a timer. */
  private hostNs = 0;
  /** The hart running now, whose clock is the guest's while it runs. */
  private running: Hart | undefined;
  private readonly nsPerTick: number;
  /** Parallel mode: the clock every hart of the guest reads on its worker, which devices read too. */
  private live: LiveClock | undefined;
  /** Device timers not yet fired or cancelled (cancelled all at once when the guest is destroyed). */
  private readonly pending = new Set<number>();

  constructor(readonly timebaseFrequency: number, private readonly timers: HostTimers) {
    this.nsPerTick = 1e9 / timebaseFrequency;
  }

  /** Guest time restarts from 0 at host time `hostNs` (guest create and reset). */
  restart(hostNs: number): void {
    this.live = undefined;
    this.originNs = hostNs;
    this.hostNs = hostNs;
    this.watermark = 0;
  }

  /** Guest ticks at host time `hostNs`. */
  private ticksAt(hostNs: number): number {
    return Math.max(0, Math.floor((hostNs - this.originNs) / this.nsPerTick));
  }

  /** A hart starts a slice at host time `hostNs`: its clock follows the host CPU's, never below the watermark. */
  enter(hart: Hart, hostNs: number): void {
    if (hostNs > this.hostNs) this.hostNs = hostNs;
    hart.setTime(this.ticksAt(hostNs), this.watermark);
    this.running = hart;
  }

  /** The hart's slice ended: what it was shown is now the floor for every hart. */
  leave(hart: Hart): void {
    const t = hart.time();
    if (t > this.watermark) this.watermark = t;
    if (this.running === hart) this.running = undefined;
  }

  /**
   * Parallel mode: guest time is `live` from now on (the harts' clock on the workers, the host's), and the
   * watermark follows it; `restore` or `restart` sets the clock the harts are given next.
   */
  goLive(live: LiveClock | undefined): void {
    this.live = live;
  }

  /** Guest time in ticks of the timebase. */
  ticks(): number {
    if (this.live) {
      const t = this.live.ticks();
      if (t > this.watermark) this.watermark = t;
      return this.watermark;
    }
    if (this.running) return this.running.time();
    const t = this.ticksAt(this.hostNs);
    return t > this.watermark ? t : this.watermark;
  }

  /** Guest time in ns. */
  now(): number {
    return this.ticks() * this.nsPerTick;
  }

  /** Host time (ns) at which guest time reaches `ticks`. */
  hostTimeOf(ticks: number): number {
    return this.originNs + Math.ceil(ticks * this.nsPerTick);
  }

  /** A device timer: `fire` when guest time reaches `at` ns. */
  setTimer(at: number, fire: () => void): number {
    const handle = this.timers.setTimer(this.originNs + at, (now) => {
      this.pending.delete(handle);
      if (now > this.hostNs) this.hostNs = now;
      fire();
    });
    this.pending.add(handle);
    return handle;
  }

  cancel(handle: number): void {
    this.pending.delete(handle);
    this.timers.cancelTimer(handle);
  }

  /** The clock's state (snapshots): the running hart is not part of it (a snapshot is taken between slices). */
  save(): { originNs: number; watermark: number; hostNs: number } {
    return { originNs: this.originNs, watermark: this.watermark, hostNs: this.hostNs };
  }

  restore(s: { originNs: number; watermark: number; hostNs: number }): void {
    this.live = undefined;
    this.originNs = s.originNs;
    this.watermark = s.watermark;
    this.hostNs = s.hostNs;
  }

  /** Cancel every device timer of the guest (it is being destroyed). */
  cancelAll(): void {
    for (const h of this.pending) this.timers.cancelTimer(h);
    this.pending.clear();
  }
}
