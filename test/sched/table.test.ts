/** The table policy: validation, co-scheduling of sibling VCPUs, core exclusivity, determinism. */
import { describe, expect, it } from 'vitest';
import { Scheduler, type HostCpu, type TraceEvent } from '../../src/sched/scheduler.js';
import { TablePolicy, checkTable, type ScheduleTable } from '../../src/sched/policies/table.js';
import { Supervisor } from '../../src/sched/supervisor.js';
import type { TaskBody, TaskSet } from '../../src/sched/task.js';

const MS = 1_000_000;
const busy: TaskBody = (budget) => ({ work: budget, next: 'yield' });
/** 2 cores × 2 hyperthreads: host CPUs 0,1 on core 0 and 2,3 on core 1. */
const CPUS: HostCpu[] = [{ id: 0, core: 0 }, { id: 1, core: 0 }, { id: 2, core: 1 }, { id: 3, core: 1 }];

function world(table: ScheduleTable): { s: Scheduler; guests: TaskSet[] } {
  const sup = new Supervisor();
  const guests = ['g0', 'g1'].map((g) => sup.createGuest(g, () => ({ work: 0, next: 'idle' }), [
    { name: `${g}/vcpu0`, body: busy }, { name: `${g}/vcpu1`, body: busy },
  ]));
  const solo = sup.createOrphan('mterm', busy, 3);
  const resolve = (name: string) => sup.taskSets().find((t) => t.name === name) ?? sup.allTasks().find((t) => t.name === name);
  const s = new Scheduler({ cpus: CPUS, policy: new TablePolicy(table, CPUS, resolve), trace: true });
  for (const g of guests) for (const t of g.members.slice(1)) s.wake(t, 0);
  s.wake(solo, 0);
  return { s, guests };
}

const TABLE: ScheduleTable = {
  frame: 10 * MS,
  cores: new Map([
    [0, [{ target: 'g0', duration: 4 * MS }, { target: 'g1', duration: 4 * MS }]],
    [1, [{ target: 'g1', duration: 4 * MS }, { target: 'mterm', duration: 2 * MS }, { target: 'g0', duration: 3 * MS }]],
  ]),
};

type Run = Extract<TraceEvent, { type: 'run' }>;
const runs = (trace: TraceEvent[]): Run[] => trace.filter((e): e is Run => e.type === 'run');
const guestOf = (task: string): string => task.split('/')[0]!;

describe('table validation', () => {
  const targets = new Set(['g0', 'g1', 'mterm']);
  it('accepts a table whose windows fit their frame and name existing targets', () => {
    expect(checkTable(TABLE, new Set([0, 1]), targets)).toEqual([]);
  });
  it('reports windows longer than the frame, missing targets, unknown cores and empty windows — all of them', () => {
    const bad: ScheduleTable = {
      frame: 5 * MS,
      cores: new Map([
        [0, [{ target: 'g0', duration: 4 * MS }, { target: 'g9', duration: 2 * MS }]],
        [7, [{ target: 'g1', duration: 0 }]],
      ]),
    };
    const problems = checkTable(bad, new Set([0, 1]), targets).map((p) => p.message);
    expect(problems).toEqual([
      'window 1 of core 0 names "g9", which is neither a task nor a task set',
      'the windows of core 0 last 6000000 ns, longer than the 5000000 ns frame',
      'core 7 does not exist on the host',
      'window 0 of core 7 has duration 0',
    ]);
  });
});

describe('co-scheduling', () => {
  it('sibling VCPUs of a guest start together on sibling threads, and no core ever holds two guests', () => {
    const { s } = world(TABLE);
    s.runUntil(30 * MS);
    const all = runs(s.trace);
    // In every window, both threads of the core run the two VCPUs of the window's guest, starting at the same time.
    for (const [core, first, second] of [[0, 0, 1], [1, 2, 3]] as const) {
      const starts = (cpu: number) => all.filter((r) => r.cpu === cpu).map((r) => `${r.start / MS}:${r.task}`);
      const a = starts(first), b = starts(second);
      expect(a.length).toBeGreaterThan(0);
      const pairs = a.filter((x) => x.includes('/vcpu0')).map((x) => x.replace('/vcpu0', '/vcpu1'));
      for (const p of pairs) expect(b, `core ${core}`).toContain(p);
    }
    // Core exclusivity: overlapping runs on sibling threads always belong to the same guest.
    for (const r of all) {
      for (const o of all) {
        if (r === o || CPUS[r.cpu]!.core !== CPUS[o.cpu]!.core) continue;
        if (r.start < o.end && o.start < r.end) expect(guestOf(o.task)).toBe(guestOf(r.task));
      }
    }
  });

  it('a window naming one task runs it alone on the core (its sibling idles) and idle time fills the frame', () => {
    const { s } = world(TABLE);
    s.runUntil(10 * MS);
    const onCore1 = runs(s.trace).filter((r) => CPUS[r.cpu]!.core === 1 && r.start >= 4 * MS && r.start < 6 * MS);
    expect(onCore1.map((r) => [r.cpu, r.task])).toEqual([[2, 'mterm']]);
    const idle = s.trace.filter((e) => e.type === 'idle' && e.cpu === 3).map((e) => (e as { start: number }).start / MS);
    expect(idle).toContain(4); // thread 1 of core 1 idles through the mterm window
    expect(idle).toContain(9); // and the last 1 ms of the frame
  });

  it('the table repeats every frame and runs are deterministic', () => {
    const a = world(TABLE), b = world(TABLE);
    a.s.runUntil(40 * MS);
    b.s.runUntil(40 * MS);
    expect(b.s.trace).toEqual(a.s.trace);
    const g0On0 = runs(a.s.trace).filter((r) => r.cpu === 0 && r.task === 'g0/vcpu0').map((r) => r.start / MS);
    expect(g0On0).toEqual([0, 10, 20, 30]);
  });
});
