/**
 * The live scheduler timeline: the runs of the last few hundred ms of virtual time, per host CPU. The scheduler
 * records its whole trace (up to a million events) for `--trace FILE`; the web view takes the new events after
 * each step and keeps only a bounded window of runs, so a long-running hypervisor does not grow.
 */
import type { TraceEvent } from '../sched/scheduler.js';

/** Virtual time the page shows (ns). */
export const TIMELINE_WINDOW_NS = 500_000_000;
/** Most runs kept, whatever the window holds (a guest switching every few µs cannot grow it). */
export const MAX_RUNS = 20_000;

interface Run {
  readonly cpu: number;
  readonly task: string;
  readonly start: number;
  end: number;
}

/** What the page draws: runs as [cpu, task index, start, end] (ns), the tasks by index. */
export interface TimelineView {
  readonly start: number;
  readonly end: number;
  readonly tasks: readonly string[];
  readonly runs: readonly (readonly [number, number, number, number])[];
}

export class Timeline {
  private runs: Run[] = [];
  /** The last run of each host CPU, extended when the same task runs on (the scheduler's quanta are 1 ms). */
  private readonly last = new Map<number, Run>();
  /** Events of the scheduler's trace already taken, when the trace is kept whole for --trace FILE. */
  private seen = 0;

  constructor(private readonly windowNs = TIMELINE_WINDOW_NS, private readonly maxRuns = MAX_RUNS) {}

  /**
   * Take the events the scheduler recorded since the last call. Unless the whole trace is wanted (`keep`), they
   * are removed from it: the scheduler's trace then stays as small as one step's events.
   */
  take(trace: TraceEvent[], keep: boolean, now: number): void {
    const fresh = keep ? trace.slice(this.seen) : trace.splice(0);
    this.seen = keep ? trace.length : 0;
    for (const e of fresh) if (e.type === 'run') this.add(e.cpu, e.task, e.start, e.end);
    this.trim(now);
  }

  add(cpu: number, task: string, start: number, end: number): void {
    const prev = this.last.get(cpu);
    if (prev && prev.task === task && prev.end === start) {
      prev.end = end;
      return;
    }
    const run: Run = { cpu, task, start, end };
    this.runs.push(run);
    this.last.set(cpu, run);
  }

  /** Forget runs that ended before the window, and the oldest past the count limit. */
  private trim(now: number): void {
    const from = now - this.windowNs;
    let drop = 0;
    while (drop < this.runs.length && this.runs[drop]!.end < from) drop++;
    drop = Math.max(drop, this.runs.length - this.maxRuns);
    if (drop > 0) this.runs = this.runs.slice(drop);
  }

  view(now: number): TimelineView {
    const start = Math.max(0, now - this.windowNs);
    const tasks: string[] = [];
    const index = new Map<string, number>();
    const runs: [number, number, number, number][] = [];
    for (const r of this.runs) {
      if (r.end < start) continue;
      let i = index.get(r.task);
      if (i === undefined) {
        index.set(r.task, (i = tasks.length));
        tasks.push(r.task);
      }
      runs.push([r.cpu, i, Math.max(r.start, start), r.end]);
    }
    return { start, end: Math.max(now, start + 1), tasks, runs };
  }

  get size(): number {
    return this.runs.length;
  }
}
