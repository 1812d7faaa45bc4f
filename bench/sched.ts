/**
 * Scheduler figures: the cost of one task switch, of one mailbox round trip, and how a 64-host-CPU, 1000-task PRR
 * schedule scales (virtual time simulated per wall second).
 */
// The shipped build (tsc's output) is what is measured.
import { Scheduler } from '../dist/sched/scheduler.js';
import { PrrPolicy } from '../dist/sched/policies/prr.js';
import { Supervisor } from '../dist/sched/supervisor.js';
import { SlottedMailbox } from '../dist/sched/mailbox.js';
import type { TaskBody } from '../dist/sched/task.js';

function switchCost(): number {
  const cpus = [{ id: 0, core: 0 }];
  const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus) });
  const sup = new Supervisor();
  const body: TaskBody = () => ({ work: 1, next: 'yield' });
  for (let i = 0; i < 2; i++) s.wake(sup.createOrphan(`t${i}`, body, 3), 0);
  s.runUntil(100_000); // warm up
  const before = s.switches;
  const t0 = performance.now();
  s.runUntil(2_100_000);
  return ((performance.now() - t0) * 1e6) / (s.switches - before);
}

function mailboxRoundTrip(): number {
  const mb = new SlottedMailbox({ slots: 8, maxMessage: 64, maxResponse: 64 });
  const msg = new Uint8Array(32), resp = new Uint8Array(16);
  const n = 1_000_000;
  const once = (): void => {
    const p = mb.post(1, msg);
    if (!p.ok) throw new Error('post failed');
    const m = mb.take()!;
    mb.answer(m.slot, 0, resp);
    mb.collect(p.slot);
  };
  for (let i = 0; i < 100_000; i++) once();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) once();
  return ((performance.now() - t0) * 1e6) / n;
}

function scale(cpuCount: number, taskCount: number): { switches: number; seconds: number; virtualMs: number } {
  const cpus = Array.from({ length: cpuCount }, (_, i) => ({ id: i, core: i >> 1 }));
  const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus) });
  const sup = new Supervisor();
  for (let i = 0; i < taskCount; i++) {
    const t = sup.createOrphan(`t${i}`, (budget) => ({ work: budget, next: 'yield' }), i % 8);
    t.timeSlice = 1_000_000;
    s.wake(t, 0);
  }
  const virtualMs = 1000;
  const t0 = performance.now();
  s.runUntil(virtualMs * 1_000_000);
  return { switches: s.switches, seconds: (performance.now() - t0) / 1000, virtualMs };
}

export function runSchedBench(log: (s: string) => void): void {
  log(`sched: task switch ${switchCost().toFixed(0)} ns; mailbox round trip (post, take, answer, collect) ${mailboxRoundTrip().toFixed(0)} ns`);
  for (const [c, t] of [[4, 16], [16, 250], [64, 1000]] as const) {
    const r = scale(c, t);
    log(`sched: ${c} host CPUs, ${t} tasks, 1 ms slices: ${r.virtualMs} ms of virtual time, ${r.switches} switches in ` +
      `${r.seconds.toFixed(3)} s (${((r.seconds * 1e9) / r.switches).toFixed(0)} ns per switch)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runSchedBench(console.log);
