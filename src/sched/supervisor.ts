/**
 * The supervisor: the only creator and destroyer of tasks. There is exactly one supervisor, one memory manager and
 * one device manager (each alone in its task set); each guest gets a task set led by its VM control task with one
 * VCPU task per VCPU; orphan tasks (idle, the management terminal) are hypervisor threads in a set of their own.
 */
import { Task, TaskSet, type TaskBody, type TaskKind } from './task.js';

const idle: TaskBody = () => ({ work: 0, next: 'idle' });

export interface VcpuSpec {
  readonly name: string;
  readonly body: TaskBody;
  readonly priority?: number;
  readonly affinity?: readonly number[];
}

export class Supervisor {
  private nextTaskId = 1;
  private nextSetId = 1;
  private readonly tasks = new Map<number, Task>();
  private readonly sets = new Map<number, TaskSet>();
  readonly supervisorTask: Task;
  readonly memoryManager: Task;
  readonly deviceManager: Task;
  /** Orphan tasks share one set. */
  readonly orphans: TaskSet;

  constructor(bodies: Partial<Record<'supervisor' | 'memory-manager' | 'device-manager', TaskBody>> = {}) {
    this.supervisorTask = this.single('supervisor', 'supervisor', bodies.supervisor ?? idle);
    this.memoryManager = this.single('memory-manager', 'memory-manager', bodies['memory-manager'] ?? idle);
    this.deviceManager = this.single('device-manager', 'device-manager', bodies['device-manager'] ?? idle);
    this.orphans = this.newSet('orphans');
  }

  private newSet(name: string): TaskSet {
    const set = new TaskSet(this.nextSetId++, name);
    this.sets.set(set.id, set);
    return set;
  }

  private newTask(kind: TaskKind, name: string, body: TaskBody, set: TaskSet, affineTask: number | null = null): Task {
    const id = this.nextTaskId++;
    // Each task has its own address space and stack; ids stand in for the addresses a real Hypatia would use.
    const task = new Task({ id, affineTask, addressSpaceRoot: id * 0x1000, stack: id * 0x10000 }, kind, name, body);
    task.taskSet = set;
    set.members.push(task);
    this.tasks.set(id, task);
    return task;
  }

  private single(kind: TaskKind, name: string, body: TaskBody): Task {
    return this.newTask(kind, name, body, this.newSet(name));
  }

  /** A guest's task set: the VM control task (leader) and its VCPU tasks, in VCPU order. */
  createGuest(name: string, control: TaskBody, vcpus: readonly VcpuSpec[]): TaskSet {
    if ([...this.sets.values()].some((s) => s.name === name)) throw new Error(`a task set named ${name} already exists`);
    const set = this.newSet(name);
    this.newTask('vm', `${name}/vm`, control, set);
    for (const v of vcpus) {
      const t = this.newTask('vcpu', v.name, v.body, set);
      if (v.priority !== undefined) t.priority = v.priority;
      t.affinity = v.affinity;
    }
    return set;
  }

  /** A hypervisor thread (idle, management terminal). */
  createOrphan(name: string, body: TaskBody, priority = 0, affinity?: readonly number[]): Task {
    const t = this.newTask('orphan', name, body, this.orphans);
    t.priority = priority;
    t.affinity = affinity;
    return t;
  }

  /** Destroy a guest's task set and all its tasks. */
  destroyGuest(set: TaskSet): void {
    if (!this.sets.has(set.id) || set === this.orphans || set.leader?.kind !== 'vm') throw new Error(`${set.name} is not a guest task set`);
    for (const t of set.members) this.tasks.delete(t.id);
    set.members.length = 0;
    this.sets.delete(set.id);
  }

  task(id: number): Task | undefined {
    return this.tasks.get(id);
  }

  allTasks(): Task[] {
    return [...this.tasks.values()];
  }

  taskSets(): TaskSet[] {
    return [...this.sets.values()];
  }
}
