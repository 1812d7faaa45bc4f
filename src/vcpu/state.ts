/**
 * Xvisor's VCPU state machine: which state changes a request may make from each state, and what the scheduler
 * must do about it (enqueue, dequeue, preempt). Only the scheduler moves a VCPU into RUNNING (`switchIn`) and out of
 * it (`switchOut`). A resume that arrives while the VCPU is still RUNNING (e.g. an interrupt for a VCPU on its way
 * into WFI) is remembered, and cancels the pause that follows, so a wake-up is never lost.
 */

/** State values as Xvisor numbers them. */
export const VcpuState = {
  Unknown: 0x01,
  Reset: 0x02,
  Ready: 0x04,
  Running: 0x08,
  Paused: 0x10,
  Halted: 0x20,
} as const;
export type VcpuState = (typeof VcpuState)[keyof typeof VcpuState];

export const STATE_NAMES: Readonly<Record<VcpuState, string>> = {
  [VcpuState.Unknown]: 'Unknown', [VcpuState.Reset]: 'Reset', [VcpuState.Ready]: 'Ready',
  [VcpuState.Running]: 'Running', [VcpuState.Paused]: 'Paused', [VcpuState.Halted]: 'Halted',
};

/** What the scheduler must do after an accepted request. */
export type Effect = 'none' | 'create' | 'enqueue' | 'dequeue' | 'preempt' | 'destroy';

export type Transition =
  | { readonly ok: true; readonly changed: boolean; readonly effect: Effect }
  | { readonly ok: false; readonly reason: string };

const OK = (effect: Effect): Transition => ({ ok: true, changed: true, effect });
const NOP: Transition = { ok: true, changed: false, effect: 'none' };
const INVALID = (from: VcpuState, to: VcpuState): Transition =>
  ({ ok: false, reason: `cannot go from ${STATE_NAMES[from]} to ${STATE_NAMES[to]}` });

const STATES: readonly VcpuState[] = Object.values(VcpuState);

/** Time spent in each state, in the caller's time unit. */
export type StateTimes = Record<VcpuState, number>;

const zeroTimes = (): StateTimes => ({
  [VcpuState.Unknown]: 0, [VcpuState.Reset]: 0, [VcpuState.Ready]: 0,
  [VcpuState.Running]: 0, [VcpuState.Paused]: 0, [VcpuState.Halted]: 0,
});

export class VcpuStateMachine {
  state: VcpuState = VcpuState.Unknown;
  /** A resume arrived while RUNNING; the next pause is cancelled. */
  resumed = false;
  resetCount = 0;
  readonly times: StateTimes = zeroTimes();
  private since = 0;

  /** Request a state (destroy → Unknown, reset → Reset, kick/resume → Ready, pause → Paused, halt → Halted). */
  request(target: VcpuState, now = this.since): Transition {
    const from = this.state;
    const t = decide(from, target, this.resumed);
    if (!t.ok) return t;
    if (target === VcpuState.Ready && from === VcpuState.Running) this.resumed = true;
    if (target === VcpuState.Paused && from === VcpuState.Running && this.resumed) {
      this.resumed = false; // the pause lost the race with a resume: stay running
      return NOP;
    }
    if (!t.changed) return t;
    this.enter(target, now);
    if (target === VcpuState.Reset) {
      // Reset counts resets and zeroes the state-time statistics (Xvisor's behaviour).
      this.resetCount++;
      for (const s of Object.values(VcpuState)) this.times[s] = 0;
      this.since = now;
    }
    return t;
  }

  /** The scheduler starts running a READY VCPU. */
  switchIn(now = this.since): boolean {
    if (this.state !== VcpuState.Ready) return false;
    this.resumed = false;
    this.enter(VcpuState.Running, now);
    return true;
  }

  /** The scheduler stops running it (its slice ended or it yielded): back to READY. */
  switchOut(now = this.since): boolean {
    if (this.state !== VcpuState.Running) return false;
    this.enter(VcpuState.Ready, now);
    return true;
  }

  /** When the VCPU entered its current state (the caller's time unit): `times` plus this give times up to now. */
  get enteredAt(): number {
    return this.since;
  }

  get runnable(): boolean {
    return this.state === VcpuState.Ready || this.state === VcpuState.Running;
  }

  /** The machine's state as plain data (snapshots). */
  save(): { state: number; resumed: boolean; resetCount: number; times: number[]; since: number } {
    return { state: this.state, resumed: this.resumed, resetCount: this.resetCount, times: STATES.map((s) => this.times[s]), since: this.since };
  }

  /** Take back what `save` gave; false (and no change) when it is not a valid state. */
  restore(s: { state: unknown; resumed: unknown; resetCount: unknown; times: unknown; since: unknown }): boolean {
    const times = s.times;
    if (!STATES.includes(s.state as VcpuState) || typeof s.resumed !== 'boolean' || !Number.isInteger(s.resetCount)
      || typeof s.since !== 'number' || !Array.isArray(times) || times.length !== STATES.length
      || !times.every((t) => typeof t === 'number' && t >= 0)) return false;
    this.state = s.state as VcpuState;
    this.resumed = s.resumed;
    this.resetCount = s.resetCount as number;
    this.since = s.since;
    STATES.forEach((st, i) => { this.times[st] = times[i] as number; });
    return true;
  }

  private enter(state: VcpuState, now: number): void {
    this.times[this.state] += Math.max(0, now - this.since);
    this.since = now;
    this.state = state;
  }
}

/** The transition table (REFERENCE.md §5). */
export function decide(from: VcpuState, to: VcpuState, resumed = false): Transition {
  switch (to) {
    case VcpuState.Unknown:
      return from === VcpuState.Unknown ? NOP : OK('destroy');
    case VcpuState.Reset:
      if (from === VcpuState.Unknown) return OK('create');
      if (from === VcpuState.Reset) return NOP;
      return OK(from === VcpuState.Running ? 'preempt' : from === VcpuState.Ready ? 'dequeue' : 'none');
    case VcpuState.Ready:
      if (from === VcpuState.Reset || from === VcpuState.Paused) return OK('enqueue');
      if (from === VcpuState.Ready || from === VcpuState.Running) return NOP;
      return INVALID(from, to);
    case VcpuState.Running:
      return { ok: false, reason: 'only the scheduler puts a VCPU into Running' };
    case VcpuState.Paused:
      if (from === VcpuState.Ready) return OK('dequeue');
      if (from === VcpuState.Running) return resumed ? NOP : OK('preempt');
      if (from === VcpuState.Paused) return NOP;
      return INVALID(from, to);
    case VcpuState.Halted:
      if (from === VcpuState.Ready) return OK('dequeue');
      if (from === VcpuState.Running) return OK('preempt');
      return INVALID(from, to);
  }
  return INVALID(from, to);
}
