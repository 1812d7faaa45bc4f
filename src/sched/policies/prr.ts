/**
 * Xvisor's priority round robin: per host CPU, eight FIFO queues by priority; the head of the highest non-empty
 * queue runs for its time slice and goes to the tail. A task is placed on the least-loaded host CPU its affinity
 * allows (ties to the lowest id) and stays there. A task of strictly higher priority that becomes ready preempts the
 * running one at the next scheduling point (the scheduler ends slices at timer events, which is where wake-ups
 * happen). A slice the scheduler cut short (at a timer, or at its quantum, the lockstep of host CPUs simulated one
 * after another) continues at the head of the queue with what is left of it, so time slices keep Xvisor's length.
 * A destroyed task is forgotten (`forget`): its CPU's load goes down, so new tasks fill the CPUs it leaves idle.
 */
import type { HostCpu, Pick, Policy } from '../scheduler.js';
import type { Task } from '../task.js';
import { arr, asObject, SavedStateError, type SavedState } from '../../state/saved-state.js';

const PRIORITIES = 8;

export class PrrPolicy implements Policy {
  readonly name = 'prr';
  private readonly queues = new Map<number, Task[][]>();
  private readonly home = new Map<Task, number>();
  private readonly load = new Map<number, number>();
  /** Time each task has used of its current slice. */
  private readonly used = new Map<Task, number>();

  constructor(private readonly cpus: readonly HostCpu[]) {
    for (const c of cpus) {
      this.queues.set(c.id, Array.from({ length: PRIORITIES }, () => []));
      this.load.set(c.id, 0);
    }
  }

  /** The host CPU a task runs on (fixed at its first enqueue). */
  cpuOf(task: Task): number | undefined {
    return this.home.get(task);
  }

  /**
   * Move a task to host CPU `cpu` (`vcpu set_hcpu`): its placement and load follow it, and a queued task waits on the
   * new CPU's queue from now on. False when there is no such CPU.
   */
  moveTo(task: Task, cpu: number): boolean {
    if (!this.queues.has(cpu)) return false;
    const from = this.home.get(task);
    if (from === cpu) return true;
    const queued = from !== undefined && this.queue(task, from).includes(task);
    this.forget(task);
    this.home.set(task, cpu);
    this.load.set(cpu, (this.load.get(cpu) ?? 0) + 1);
    if (queued) this.enqueue(task);
    return true;
  }

  private place(task: Task): number {
    const existing = this.home.get(task);
    if (existing !== undefined) return existing;
    const [first, ...others] = this.cpus.filter((c) => !task.affinity || task.affinity.includes(c.id));
    if (!first) throw new Error(`${task.name}: affinity ${JSON.stringify(task.affinity)} names no host CPU`);
    let best = first;
    for (const c of others) if (this.load.get(c.id)! < this.load.get(best.id)!) best = c;
    this.home.set(task, best.id);
    this.load.set(best.id, this.load.get(best.id)! + 1);
    return best.id;
  }

  private queue(task: Task, cpu: number): Task[] {
    const p = Math.min(PRIORITIES - 1, Math.max(0, task.priority));
    return this.queues.get(cpu)![p]!;
  }

  enqueue(task: Task): void {
    const q = this.queue(task, this.place(task));
    if (!q.includes(task)) q.push(task);
  }

  dequeue(task: Task): void {
    this.used.delete(task); // a task that blocks gives up the rest of its slice
    const cpu = this.home.get(task);
    if (cpu === undefined) return;
    const q = this.queue(task, cpu);
    const i = q.indexOf(task);
    if (i >= 0) q.splice(i, 1);
  }

  /** A destroyed task: off its queue, its placement forgotten and its CPU's load one less. */
  forget(task: Task): void {
    this.dequeue(task);
    const cpu = this.home.get(task);
    if (cpu === undefined) return;
    this.home.delete(task);
    this.load.set(cpu, Math.max(0, this.load.get(cpu)! - 1));
  }

  pick(cpu: HostCpu): Pick | undefined {
    const queues = this.queues.get(cpu.id)!;
    for (let p = PRIORITIES - 1; p >= 0; p--) {
      const task = queues[p]!.shift();
      if (task) return { task, slice: task.timeSlice - (this.used.get(task) ?? 0) };
    }
    return undefined;
  }

  save(): SavedState {
    return {
      queues: [...this.queues].map(([cpu, qs]) => ({ cpu, queues: qs.map((q) => q.map((t) => t.name)) })),
      home: [...this.home].map(([t, cpu]) => [t.name, cpu]),
      used: [...this.used].map(([t, ns]) => [t.name, ns]),
    };
  }

  restore(state: SavedState, tasks: ReadonlyMap<string, Task>): void {
    const o = asObject(state, 'prr');
    const task = (name: SavedState): Task => {
      const t = typeof name === 'string' ? tasks.get(name) : undefined;
      if (!t) throw new SavedStateError(`prr: no task ${JSON.stringify(name)}`);
      return t;
    };
    const pairs = (key: string): [Task, number][] => arr(o, key, 'prr').map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[1] !== 'number') throw new SavedStateError(`prr.${key}[${i}]: not a [task, number] pair`);
      return [task(p[0] as SavedState), p[1]];
    });
    const home = pairs('home'), used = pairs('used');
    const queues = arr(o, 'queues', 'prr').map((e, i) => {
      const q = asObject(e, `prr.queues[${i}]`);
      const cpu = q.cpu;
      if (typeof cpu !== 'number' || !this.queues.has(cpu)) throw new SavedStateError(`prr.queues[${i}]: no host CPU ${String(cpu)}`);
      const lists = arr(q, 'queues', `prr.queues[${i}]`);
      if (lists.length !== PRIORITIES || !lists.every(Array.isArray)) throw new SavedStateError(`prr.queues[${i}]: not ${PRIORITIES} queues`);
      return { cpu, lists: lists.map((l) => (l as readonly SavedState[]).map(task)) };
    });
    for (const qs of this.queues.values()) for (const q of qs) q.length = 0;
    for (const { cpu, lists } of queues) {
      const qs = this.queues.get(cpu); // every CPU named was checked above
      lists.forEach((l, p) => qs?.[p]?.push(...l));
    }
    this.home.clear();
    for (const c of this.load.keys()) this.load.set(c, 0);
    for (const [t, cpu] of home) {
      if (!this.load.has(cpu)) throw new SavedStateError(`prr.home: no host CPU ${cpu}`);
      this.home.set(t, cpu);
      this.load.set(cpu, this.load.get(cpu)! + 1);
    }
    this.used.clear();
    for (const [t, ns] of used) this.used.set(t, ns);
  }

  requeue(task: Task, cpu: HostCpu, ran: number): void {
    const used = (this.used.get(task) ?? 0) + ran;
    if (used < task.timeSlice) {
      this.used.set(task, used);
      this.queue(task, cpu.id).unshift(task);
    } else {
      this.used.delete(task);
      this.queue(task, cpu.id).push(task);
    }
  }
}
