/**
 * Configuration to scheduler: host CPUs and cores from the board's cpu-map, the policy /vmm chooses, VCPU state
 * requests driving runnability, and mailbox messages in the trace.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { buildScheduler, hostCpus, requestVcpuState } from '../../src/vmm/scheduling.js';
import { Supervisor } from '../../src/sched/supervisor.js';
import { SlottedMailbox } from '../../src/sched/mailbox.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import { PrrPolicy } from '../../src/sched/policies/prr.js';
import { TablePolicy } from '../../src/sched/policies/table.js';
import { VcpuState, VcpuStateMachine } from '../../src/vcpu/state.js';
import { toChromeTrace, fromChromeTrace } from '../../src/sched/trace-export.js';
import type { TaskBody } from '../../src/sched/task.js';

const BOARDS = join(import.meta.dirname, '../../boards');
const busy: TaskBody = (budget) => ({ work: budget, next: 'yield' });

function board(path: string, text = readFileSync(path, 'latin1')) {
  const r = compileSource(text, path, { includePaths: [BOARDS] });
  const v = validate([{ path, tree: r.tree! }]);
  expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return v.host!;
}

describe('host CPUs from the board', () => {
  it('the default board has 4 CPUs in 2 cores of 2 threads', () => {
    expect(hostCpus(board(join(BOARDS, 'default.dts')))).toEqual([
      { id: 0, core: 0 }, { id: 1, core: 0 }, { id: 2, core: 1 }, { id: 3, core: 1 },
    ]);
  });
});

describe('the policy /vmm chooses', () => {
  it('prr by default; table with its schedule, co-scheduling the guest on a core', () => {
    const sup = new Supervisor();
    const resolve = (n: string) => sup.taskSets().find((s) => s.name === n) ?? sup.allTasks().find((t) => t.name === n);
    expect(buildScheduler({ host: board(join(BOARDS, 'default.dts')), resolve }).policy).toBeInstanceOf(PrrPolicy);

    const text = readFileSync(join(BOARDS, 'host.dtsi'), 'latin1').replace('scheduler = "prr";',
      'scheduler = "table"; schedule { major_frame = <10000000>; c0 { cpu = <&cpu0>; windows = "mterm"; durations = <5000000>; }; ' +
      'c1 { cpu = <&cpu3>; windows = "mterm"; durations = <5000000>; }; };');
    const host = board(join(BOARDS, 'table.dts'), text);
    const mterm = sup.createOrphan('mterm', busy, 3);
    const s = buildScheduler({ host, resolve, trace: true });
    expect(s.policy).toBeInstanceOf(TablePolicy);
    s.wake(mterm, 0);
    s.runUntil(20_000_000);
    const runs = s.trace.filter((e) => e.type === 'run').map((e) => `${(e as { cpu: number }).cpu}@${(e as { start: number }).start / 1e6}`);
    // mterm runs on the first thread of each core in its window, every frame.
    expect(runs).toEqual(['0@0', '2@0', '0@10', '2@10']);
  });
});

describe('VCPU state requests drive runnability', () => {
  it('kick enqueues, pause and halt dequeue, resume enqueues again', () => {
    const cpus = [{ id: 0, core: 0 }];
    const sup = new Supervisor();
    const set = sup.createGuest('g', () => ({ work: 0, next: 'idle' }), [{ name: 'g/vcpu0', body: busy }]);
    const task = set.members[1]!;
    const vcpu = new VcpuStateMachine();
    const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus) });
    expect(requestVcpuState(vcpu, task, s, VcpuState.Reset).ok).toBe(true);
    expect(s.isRunnable(task)).toBe(false);
    requestVcpuState(vcpu, task, s, VcpuState.Ready);
    expect(s.isRunnable(task)).toBe(true);
    requestVcpuState(vcpu, task, s, VcpuState.Paused);
    expect(s.isRunnable(task)).toBe(false);
    requestVcpuState(vcpu, task, s, VcpuState.Ready);
    expect(s.isRunnable(task)).toBe(true);
    requestVcpuState(vcpu, task, s, VcpuState.Halted);
    expect(s.isRunnable(task)).toBe(false);
    expect(requestVcpuState(vcpu, task, s, VcpuState.Ready).ok).toBe(false); // halted: only reset revives it
  });
});

describe('mailbox messages in the trace', () => {
  it('records post, take, answer and collect and exports them', () => {
    const cpus = [{ id: 0, core: 0 }];
    const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus), trace: true });
    const mb = new SlottedMailbox({ slots: 2, maxMessage: 8, maxResponse: 8 });
    s.traceMailbox('vm/guest0', mb);
    const p = mb.post(3);
    mb.take();
    mb.answer(0, 0);
    mb.collect(p.ok ? p.slot : -1);
    const ops = s.trace.filter((e) => e.type === 'message').map((e) => (e as { op: string }).op);
    expect(ops).toEqual(['post', 'take', 'answer', 'collect']);
    expect(fromChromeTrace(JSON.parse(JSON.stringify(toChromeTrace(s.trace))))).toEqual(s.trace);
  });
});
