/**
 * Table-driven scheduling (Hypatia's, after Xen's ARINC 653): a major frame of windows per host core, repeated.
 * A window names a task or a task set. For a task set, the core's sibling threads run its tasks together — VCPU
 * i on thread i (its VCPU tasks, after the VM control task when that is runnable) — so sibling VCPUs of a guest
 * always start in the same window on sibling host threads, and since a window belongs to one target, two guests
 * never share a core at the same time. A window naming one task runs it on the core's first thread alone (the core
 * is exclusive to it). Time a window leaves over, and the rest of the frame, is idle.
 */
import type { HostCpu, Pick, Policy } from '../scheduler.js';
import type { Task, TaskSet } from '../task.js';

export interface Window {
  /** A task name or a task-set name. */
  readonly target: string;
  /** Length in ns of virtual time. */
  readonly duration: number;
}

export interface ScheduleTable {
  /** Major frame length, ns. */
  readonly frame: number;
  /** Windows of each core (by core index), in order from the start of the frame. */
  readonly cores: ReadonlyMap<number, readonly Window[]>;
}

export interface TableProblem {
  readonly core: number;
  readonly window: number | undefined;
  readonly message: string;
}

/** Check a table against the host cores and the targets that exist; every problem is listed. */
export function checkTable(table: ScheduleTable, cores: ReadonlySet<number>, targets: ReadonlySet<string>): TableProblem[] {
  const problems: TableProblem[] = [];
  if (!(table.frame > 0)) problems.push({ core: -1, window: undefined, message: `the major frame must be longer than 0 (is ${table.frame})` });
  for (const [core, windows] of table.cores) {
    if (!cores.has(core)) problems.push({ core, window: undefined, message: `core ${core} does not exist on the host` });
    let total = 0;
    windows.forEach((w, i) => {
      if (!(w.duration > 0)) problems.push({ core, window: i, message: `window ${i} of core ${core} has duration ${w.duration}` });
      if (!targets.has(w.target)) problems.push({ core, window: i, message: `window ${i} of core ${core} names "${w.target}", which is neither a task nor a task set` });
      total += w.duration;
    });
    if (total > table.frame) {
      problems.push({ core, window: undefined, message: `the windows of core ${core} last ${total} ns, longer than the ${table.frame} ns frame` });
    }
  }
  return problems;
}

export class TablePolicy implements Policy {
  readonly name = 'table';
  private readonly runnable = new Set<Task>();
  /** Position of each CPU among its core's threads (by host id order). */
  private readonly threadIndex = new Map<number, number>();

  constructor(
    private readonly table: ScheduleTable,
    cpus: readonly HostCpu[],
    private readonly resolve: (target: string) => Task | TaskSet | undefined,
  ) {
    const byCore = new Map<number, HostCpu[]>();
    for (const c of cpus) byCore.set(c.core, [...(byCore.get(c.core) ?? []), c]);
    for (const threads of byCore.values()) [...threads].sort((a, b) => a.id - b.id).forEach((c, i) => this.threadIndex.set(c.id, i));
  }

  enqueue(task: Task): void {
    this.runnable.add(task);
  }

  dequeue(task: Task): void {
    this.runnable.delete(task);
  }

  requeue(): void {
    // Runnable tasks stay runnable; the table, not a queue, decides who runs next.
  }

  /** The window of `cpu`'s core at `now`, with its end time; undefined in idle time. */
  private windowAt(cpu: HostCpu, now: number): { window: Window; end: number } | undefined {
    const windows = this.table.cores.get(cpu.core);
    if (!windows) return undefined;
    const frameStart = Math.floor(now / this.table.frame) * this.table.frame;
    let t = frameStart;
    for (const w of windows) {
      if (now < t + w.duration) return { window: w, end: t + w.duration };
      t += w.duration;
    }
    return undefined;
  }

  /** When `cpu`'s table changes next (a window boundary or the next frame). */
  nextChange(cpu: HostCpu, now: number): number {
    const windows = this.table.cores.get(cpu.core) ?? [];
    const frameStart = Math.floor(now / this.table.frame) * this.table.frame;
    let t = frameStart;
    for (const w of windows) {
      t += w.duration;
      if (t > now) return t;
    }
    return frameStart + this.table.frame;
  }

  pick(cpu: HostCpu, now: number): Pick | undefined {
    const at = this.windowAt(cpu, now);
    if (!at) return undefined;
    const target = this.resolve(at.window.target);
    const thread = this.threadIndex.get(cpu.id) ?? 0;
    let task: Task | undefined;
    if (target && 'members' in target) {
      // VCPU tasks by VCPU order take the threads; the VM control task runs on the first thread when they idle.
      const vcpus = target.members.filter((t) => t.kind !== 'vm');
      const candidate = vcpus[thread];
      if (candidate && this.runnable.has(candidate)) task = candidate;
      else if (thread === 0 && target.leader && this.runnable.has(target.leader)) task = target.leader;
    } else if (target && thread === 0 && this.runnable.has(target)) {
      task = target;
    }
    return task ? { task, slice: at.end - now } : undefined;
  }
}
