/** Priority round robin under the virtual-time scheduler: order, round robin, preemption, affinity, determinism. */
import { describe, expect, it } from 'vitest';
import { Scheduler, type HostCpu, type TraceEvent } from '../../src/sched/scheduler.js';
import { PrrPolicy } from '../../src/sched/policies/prr.js';
import { Supervisor } from '../../src/sched/supervisor.js';
import type { Task, TaskBody } from '../../src/sched/task.js';

const MS = 1_000_000;
/** A task that always uses its whole budget. */
const busy: TaskBody = (budget) => ({ work: budget, next: 'yield' });

function setup(cpus: HostCpu[]): { s: Scheduler; sup: Supervisor; task: (name: string, prio: number, body?: TaskBody, affinity?: number[]) => Task } {
  const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus), trace: true });
  const sup = new Supervisor();
  const task = (name: string, prio: number, body: TaskBody = busy, affinity?: number[]): Task => {
    const t = sup.createOrphan(name, body, prio, affinity);
    t.timeSlice = 2 * MS;
    return t;
  };
  return { s, sup, task };
}

const runs = (trace: readonly TraceEvent[], cpu?: number): string[] =>
  trace.flatMap((e) => (e.type === 'run' && (cpu === undefined || e.cpu === cpu) ? [`${e.task}@${e.start / MS}`] : []));

describe('PRR policy', () => {
  it('runs the highest priority first; equal priorities take turns one slice each', () => {
    const { s, task } = setup([{ id: 0, core: 0 }]);
    let left = 3;
    const hi = task('hi', 6, (budget) => ({ work: Math.min(budget, MS), next: --left > 0 ? 'yield' : 'exit' }));
    const a = task('a', 3), b = task('b', 3);
    for (const t of [a, b, hi]) s.wake(t, 0);
    s.runUntil(11 * MS);
    expect(runs(s.trace)).toEqual(['hi@0', 'hi@1', 'hi@2', 'a@3', 'b@5', 'a@7', 'b@9']);
  });

  it('a higher-priority task woken by a timer preempts at the timer, not at the end of the slice', () => {
    const { s, task } = setup([{ id: 0, core: 0 }]);
    const low = task('low', 2);
    low.timeSlice = 10 * MS;
    const urgent = task('urgent', 7, (budget) => ({ work: Math.min(budget, MS), next: 'exit' }));
    s.wake(low, 0);
    s.setTimer(3 * MS, (now) => s.wake(urgent, now));
    s.runUntil(8 * MS);
    expect(runs(s.trace)).toEqual(['low@0', 'urgent@3', 'low@4']);
  });

  it('places tasks on the least-loaded CPU their affinity allows, and keeps them there', () => {
    const cpus = [{ id: 0, core: 0 }, { id: 1, core: 0 }, { id: 2, core: 1 }];
    const { s, task } = setup(cpus);
    const tasks = [task('t0', 3), task('t1', 3), task('t2', 3), task('pinned', 3, busy, [2])];
    for (const t of tasks) s.wake(t, 0);
    s.runUntil(6 * MS);
    const policy = s.policy as PrrPolicy;
    expect(tasks.map((t) => policy.cpuOf(t))).toEqual([0, 1, 2, 2]);
    expect(new Set(runs(s.trace, 2).map((r) => r.split('@')[0]))).toEqual(new Set(['t2', 'pinned']));
  });

  it('an idle CPU skips ahead to the next timer', () => {
    const { s, task } = setup([{ id: 0, core: 0 }]);
    const late = task('late', 3, (budget) => ({ work: Math.min(budget, MS), next: 'exit' }));
    s.setTimer(5 * MS, (now) => s.wake(late, now));
    s.runUntil(10 * MS);
    expect(s.trace.filter((e) => e.type === 'idle').map((e) => [e.start / MS, (e as { end: number }).end / MS])).toEqual([[0, 5], [6, 10]]);
    expect(runs(s.trace)).toEqual(['late@5']);
  });

  it('is deterministic: the same inputs give the same trace', () => {
    const once = (): TraceEvent[] => {
      const cpus = [{ id: 0, core: 0 }, { id: 1, core: 0 }, { id: 2, core: 1 }, { id: 3, core: 1 }];
      const { s, task } = setup(cpus);
      let seed = 7;
      const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
      for (let i = 0; i < 12; i++) {
        const t = task(`t${i}`, Math.floor(rnd() * 8), (budget) => ({ work: Math.floor(budget * rnd()) + 1, next: rnd() < 0.1 ? 'idle' : 'yield' }));
        s.wake(t, 0);
        s.setTimer(rnd() * 20 * MS, (now) => s.wake(t, now));
      }
      s.runUntil(30 * MS);
      return s.trace;
    };
    const a = once(), b = once();
    expect(a.length).toBeGreaterThan(20);
    expect(b).toEqual(a);
  });
  it('forgets a removed task: its CPU\'s load goes down, so the next task fills the idle CPU', () => {
    const cpus = [0, 1, 2, 3].map((id) => ({ id, core: id }));
    const { s, task } = setup(cpus);
    const policy = s.policy as PrrPolicy;
    const busyTask = task('busy', 3);
    s.wake(busyTask);
    const gone = ['a', 'b', 'c'].map((n) => task(n, 3));
    for (const t of gone) s.wake(t);
    expect(gone.map((t) => policy.cpuOf(t))).toEqual([1, 2, 3]);
    for (const t of gone) s.remove(t);
    expect(gone.map((t) => policy.cpuOf(t))).toEqual([undefined, undefined, undefined]);
    const next = task('next', 3);
    s.wake(next);
    expect(policy.cpuOf(next)).toBe(1);
    expect(s.isRunnable(gone[0]!)).toBe(false);
  });
});
