/**
 * From configuration to a live scheduler: host CPUs with core indices from the board's cpu-map, the policy the
 * /vmm node chooses (with its table), and VCPU state requests turned into scheduler actions — the VCPU state
 * machine decides what is runnable.
 */
import { Scheduler, type HostCpu, type Policy } from '../sched/scheduler.js';
import { PrrPolicy } from '../sched/policies/prr.js';
import { TablePolicy, checkTable, type ScheduleTable } from '../sched/policies/table.js';
import type { Task, TaskSet } from '../sched/task.js';
import { VcpuStateMachine, type Transition, type VcpuState } from '../vcpu/state.js';
import type { HostConfig } from './config/types.js';

/** Host CPUs for the scheduler: CPUs that are threads of one cpu-map core share a core index. */
export function hostCpus(host: HostConfig): HostCpu[] {
  const cores = new Map<string, number>();
  return host.cpus.map((c) => {
    const key = c.core ?? `cpu:${c.hartId}`;
    if (!cores.has(key)) cores.set(key, cores.size);
    return { id: c.hartId, core: cores.get(key)! };
  });
}

/** The table policy's table, with cores as indices. */
export function scheduleTable(host: HostConfig, cpus: readonly HostCpu[]): ScheduleTable | undefined {
  const s = host.vmm.schedule;
  if (!s) return undefined;
  const coreOf = new Map(cpus.map((c) => [c.id, c.core]));
  return { frame: s.frame, cores: new Map(s.cores.map((c) => [coreOf.get(c.cpu)!, c.windows])) };
}

export interface SchedulerSetup {
  readonly host: HostConfig;
  /** Find a task or task set by name (guest task sets by guest name). */
  readonly resolve: (name: string) => Task | TaskSet | undefined;
  readonly nsPerWork?: (task: Task) => number;
  readonly trace?: boolean;
  /** Longest run before the other host CPUs get their turn (ns). */
  readonly quantum?: number;
}

/** Build the scheduler the board asks for. Throws when the table does not fit the live tasks. */
export function buildScheduler(setup: SchedulerSetup): Scheduler {
  const cpus = hostCpus(setup.host);
  let policy: Policy;
  const table = scheduleTable(setup.host, cpus);
  if (setup.host.vmm.scheduler === 'table' && table) {
    const targets = new Set<string>();
    for (const cores of table.cores.values()) for (const w of cores) if (setup.resolve(w.target)) targets.add(w.target);
    const problems = checkTable(table, new Set(cpus.map((c) => c.core)), targets);
    if (problems.length > 0) throw new Error(`schedule table: ${problems.map((p) => p.message).join('; ')}`);
    policy = new TablePolicy(table, cpus, setup.resolve);
  } else {
    policy = new PrrPolicy(cpus);
  }
  return new Scheduler({ cpus, policy, trace: setup.trace, nsPerWork: setup.nsPerWork, quantum: setup.quantum });
}

/**
 * Apply a state request to a VCPU and make the scheduler follow: enqueue when it becomes READY, dequeue when it is
 * paused, halted, reset or destroyed.
 */
export function requestVcpuState(vcpu: VcpuStateMachine, task: Task, scheduler: Scheduler, target: VcpuState): Transition {
  const t = vcpu.request(target, scheduler.now());
  if (!t.ok || !t.changed) return t;
  if (vcpu.runnable) scheduler.wake(task);
  else scheduler.block(task);
  return t;
}
