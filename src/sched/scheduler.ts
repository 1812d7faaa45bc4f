/**
 * The cooperative scheduler over the host CPUs: each host CPU has a virtual clock advanced by the work its tasks
 * report (`nsPerWork` per unit; for VCPUs, retired instructions at the configured rate). The CPU whose clock is
 * furthest behind runs next (ties by id), so the schedule depends only on the inputs: same inputs, same schedule.
 * A policy decides which task a CPU runs and for how long; an idle CPU skips ahead to the next timer event.
 */
import type { Task } from './task.js';
import type { SlottedMailbox } from './mailbox.js';
import { asObject, ints, num, SavedStateError, type SavedState } from '../state/saved-state.js';

export interface HostCpu {
  /** Host hart id. */
  readonly id: number;
  /** Core index: CPUs with the same core are sibling hyperthreads. */
  readonly core: number;
}

/** What a policy hands the scheduler: the task to run and for how long (ns of virtual time). */
export interface Pick {
  readonly task: Task;
  readonly slice: number;
}

export interface Policy {
  readonly name: string;
  /** A task became runnable. */
  enqueue(task: Task, now: number): void;
  /** A task is no longer runnable (blocked, paused, destroyed). */
  dequeue(task: Task): void;
  /** Choose what `cpu` runs at `now`, or undefined to idle. */
  pick(cpu: HostCpu, now: number): Pick | undefined;
  /** The task picked for `cpu` yielded after `ran` ns and is still runnable. */
  requeue(task: Task, cpu: HostCpu, ran: number): void;
  /** When an idle `cpu` should look again even without an event (e.g. a table window boundary). */
  nextChange?(cpu: HostCpu, now: number): number;
  /** A task is gone for good (its guest was destroyed): forget everything about it (placement, load). */
  forget?(task: Task): void;
  /** The policy's state naming tasks by name (snapshots), and its restore with the tasks those names stand for. */
  save?(): SavedState;
  restore?(state: SavedState, tasks: ReadonlyMap<string, Task>): void;
}

/** Most events a trace keeps (about 100 MB of JSON): a long traced run keeps its beginning. */
export const MAX_TRACE_EVENTS = 1_000_000;

export type TraceEvent =
  | { readonly type: 'run'; readonly cpu: number; readonly task: string; readonly start: number; readonly end: number; readonly work: number }
  | { readonly type: 'idle'; readonly cpu: number; readonly start: number; readonly end: number }
  | { readonly type: 'state'; readonly task: string; readonly at: number; readonly state: string }
  | { readonly type: 'message'; readonly mailbox: string; readonly at: number; readonly op: string; readonly slot: number; readonly kind: number };

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: (now: number) => void;
}

export interface SchedulerOptions {
  readonly cpus: readonly HostCpu[];
  readonly policy: Policy;
  /** Virtual ns per unit of work, by task (default 1). */
  readonly nsPerWork?: (task: Task) => number;
  /** Record every run, idle period and state change. */
  readonly trace?: boolean;
  /**
   * Longest run before the scheduler looks at the other host CPUs again (ns; default unlimited). Host CPUs are
   * simulated one after another: the quantum bounds how far one runs ahead of the others, so a VCPU spinning on
   * another VCPU's progress waits at most this long. Policies see a shorter run, not a shorter time slice.
   */
  readonly quantum?: number;
}

export class Scheduler {
  readonly clocks: Float64Array;
  /** Virtual ns each host CPU (in `clocks` order) spent idle: `vcpu monitor` takes its load from it. */
  readonly idleNs: Float64Array;
  /** CPUs that found nothing to run and nothing has been woken since: they cannot wake anyone but by timers. */
  private readonly idle: Uint8Array;
  readonly trace: TraceEvent[] = [];
  /** The trace reached MAX_TRACE_EVENTS and recorded nothing after. */
  traceTruncated = false;
  private readonly timers: Timer[] = [];
  private timerSeq = 0;
  private readonly runnable = new Set<Task>();
  private readonly nsPerWork: (task: Task) => number;
  /** Task switches performed (for statistics and benchmarks). */
  switches = 0;

  constructor(private readonly options: SchedulerOptions) {
    if (options.cpus.length === 0) throw new RangeError('the scheduler needs at least one host CPU');
    this.clocks = new Float64Array(options.cpus.length);
    this.idleNs = new Float64Array(options.cpus.length);
    this.idle = new Uint8Array(options.cpus.length);
    this.nsPerWork = options.nsPerWork ?? (() => 1);
  }

  get policy(): Policy {
    return this.options.policy;
  }

  /** The host CPUs, in the order of `clocks` and `idleNs`. */
  get cpus(): readonly HostCpu[] {
    return this.options.cpus;
  }

  /** The earliest host CPU clock: global virtual time has reached at least this. */
  now(): number {
    let t = Infinity;
    for (const c of this.clocks) t = Math.min(t, c);
    return t;
  }

  /** Make a task runnable (e.g. a VCPU kicked or woken). */
  wake(task: Task, at = this.now()): void {
    if (this.runnable.has(task)) return;
    this.runnable.add(task);
    this.idle.fill(0);
    this.policy.enqueue(task, at);
    this.record({ type: 'state', task: task.name, at, state: 'ready' });
  }

  /** Take a task off the run queues (paused, halted, blocked in WFI, destroyed). */
  block(task: Task, at = this.now()): void {
    if (!this.runnable.delete(task)) return;
    this.policy.dequeue(task);
    this.record({ type: 'state', task: task.name, at, state: 'blocked' });
  }

  /** A task is gone for good (its guest destroyed): off the run queues, and the policy forgets it. */
  remove(task: Task, at = this.now()): void {
    this.block(task, at);
    this.policy.forget?.(task);
  }

  /** Timers pending (for leak checks and statistics). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  isRunnable(task: Task): boolean {
    return this.runnable.has(task);
  }

  /**
   * Call `fire` when virtual time reaches `at`. Timers at the same time fire in the order they were set. Returns a
   * handle for {@link cancelTimer}.
   */
  setTimer(at: number, fire: (now: number) => void): number {
    const timer = { at, seq: this.timerSeq++, fire };
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1]!.at > at || (this.timers[i - 1]!.at === at && this.timers[i - 1]!.seq > timer.seq))) i--;
    this.timers.splice(i, 0, timer);
    return timer.seq;
  }

  /** Forget a timer that has not fired (a no-op once it has). */
  cancelTimer(handle: number): void {
    const i = this.timers.findIndex((t) => t.seq === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  nextTimer(): number {
    return this.timers[0]?.at ?? Infinity;
  }

  private fireTimers(upTo: number): void {
    for (let timer = this.timers[0]; timer && timer.at <= upTo; timer = this.timers[0]) {
      this.timers.shift();
      timer.fire(timer.at);
    }
  }

  private interrupted = false;

  /**
   * Make the running `runUntil` return after the task running now (a debugger stopping every VCPU). Returns true,
   * once, from {@link takeInterrupt}.
   */
  interrupt(): void {
    this.interrupted = true;
  }

  /** Whether the last `runUntil` returned early for {@link interrupt} (and forget it). */
  takeInterrupt(): boolean {
    const was = this.interrupted;
    this.interrupted = false;
    return was;
  }

  /** Run until every host CPU's clock reaches `until` (ns), nothing can ever run again, or {@link interrupt}. */
  runUntil(until: number): void {
    const cpus = this.options.cpus;
    for (;;) {
      if (this.interrupted) return;
      // The CPU furthest behind goes next: virtual time advances evenly across CPUs.
      let ci = -1;
      for (let i = 0; i < cpus.length; i++) if (this.clocks[i]! < until && (ci < 0 || this.clocks[i]! < this.clocks[ci]!)) ci = i;
      if (ci < 0) return;
      const cpu = cpus[ci]!;
      const now = this.clocks[ci]!;
      this.fireTimers(now);
      const pick = this.policy.pick(cpu, now);
      if (!pick) {
        // Idle: skip ahead to the next event: a timer, or where a busy CPU is, since what it runs may wake this one
        // (an IPI). A busy CPU at this very time goes first: this one moves on by a nanosecond only.
        this.idle[ci] = 1;
        let next = Math.min(this.nextTimer(), until, this.policy.nextChange?.(cpu, now) ?? Infinity);
        for (let i = 0; i < cpus.length; i++) {
          if (i === ci || this.idle[i]) continue;
          next = Math.min(next, this.clocks[i]! > now ? this.clocks[i]! : now + 1);
        }
        if (next <= now) next = until;
        this.record({ type: 'idle', cpu: cpu.id, start: now, end: next });
        this.idleNs[ci] = this.idleNs[ci]! + (next - now);
        this.clocks[ci] = next;
        continue;
      }
      this.idle[ci] = 0;
      const { task, slice } = pick;
      const rate = this.nsPerWork(task);
      // A slice ends early at the next timer: what it wakes may preempt this task.
      const limit = Math.min(slice, this.nextTimer() - now, until - now + rate, this.options.quantum ?? Infinity);
      const budget = Math.max(1, Math.floor(limit / rate));
      const report = task.body(budget, now);
      this.switches++;
      const ran = Math.max(report.work * rate, report.next === 'yield' ? rate : 0);
      const end = now + Math.max(ran, report.next === 'yield' ? 0 : 1);
      this.record({ type: 'run', cpu: cpu.id, task: task.name, start: now, end, work: report.work });
      this.clocks[ci] = end;
      if (report.next === 'yield') {
        if (this.runnable.has(task)) this.policy.requeue(task, cpu, ran); // unless blocked while it ran
      } else {
        this.runnable.delete(task);
        this.record({ type: 'state', task: task.name, at: end, state: report.next === 'idle' ? 'blocked' : 'exited' });
      }
    }
  }

  /** When the timer `handle` fires, or undefined when it is not pending. */
  timerAt(handle: number): number | undefined {
    return this.timers.find((t) => t.seq === handle)?.at;
  }

  /**
   * The scheduler's state for a snapshot of everything it runs: the host CPUs' clocks, which tasks are runnable, and
   * the policy's queues. Timers are not in it: their owners save their deadlines and set them again.
   */
  save(): SavedState {
    if (!this.policy.save) throw new SavedStateError(`the ${this.policy.name} policy cannot be saved`);
    return {
      clocks: [...this.clocks], idle: [...this.idle], runnable: [...this.runnable].map((t) => t.name),
      switches: this.switches, policy: this.policy.save(),
    };
  }

  /** Take back what `save` gave, for the same host CPUs and tasks (by name). */
  restore(state: SavedState, tasks: ReadonlyMap<string, Task>): void {
    const o = asObject(state, 'scheduler');
    const n = this.clocks.length;
    const clocks = (Array.isArray(o.clocks) ? o.clocks : []).map((c, i) => num({ c }, 'c', `scheduler.clocks[${i}]`));
    if (clocks.length !== n) throw new SavedStateError(`scheduler.clocks: ${clocks.length} host CPUs, expected ${n}`);
    const idle = ints(o, 'idle', 'scheduler', 0, 1, n);
    const runnable = (Array.isArray(o.runnable) ? o.runnable : []).map((name) => {
      const task = typeof name === 'string' ? tasks.get(name) : undefined;
      if (!task) throw new SavedStateError(`scheduler.runnable: no task ${JSON.stringify(name)}`);
      return task;
    });
    if (!this.policy.restore) throw new SavedStateError(`the ${this.policy.name} policy cannot be restored`);
    this.policy.restore(o.policy ?? null, tasks);
    this.clocks.set(clocks);
    this.idle.set(idle);
    this.runnable.clear();
    for (const t of runnable) this.runnable.add(t);
    this.switches = num(o, 'switches', 'scheduler');
  }

  /** Record every message operation of a mailbox in the trace (at the current virtual time). */
  traceMailbox(name: string, mailbox: SlottedMailbox): void {
    mailbox.onEvent = (e) => this.record({ type: 'message', mailbox: name, at: this.now(), op: e.op, slot: e.slot, kind: e.kind });
  }

  private record(e: TraceEvent): void {
    if (!this.options.trace) return;
    if (this.trace.length < MAX_TRACE_EVENTS) this.trace.push(e);
    else this.traceTruncated = true;
  }
}
