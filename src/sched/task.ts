/**
 * Hypatia's tasks: a small, fixed taxonomy of cooperatively scheduled flows of execution, each a member of exactly
 * one task set. The scheduler sees only the minimal descriptor (id, affine task, address-space root, stack); what a
 * task does when it runs is its `body`, which returns how much work it did before yielding.
 */

export type TaskKind = 'supervisor' | 'memory-manager' | 'device-manager' | 'vm' | 'vcpu' | 'orphan';

/** What the scheduler knows of a task (Hypatia's task descriptor). */
export interface TaskDescriptor {
  readonly id: number;
  /** A task that may be co-scheduled on the same physical core, or null if this one needs the core alone. */
  readonly affineTask: number | null;
  /** Guest-independent address-space root (the page-table root a real Hypatia would load). */
  readonly addressSpaceRoot: number;
  /** Stack address within that address space. */
  readonly stack: number;
}

/** Result of running a task until it yields: the work done (for VCPUs, retired instructions) and why it stopped. */
export interface RunReport {
  readonly work: number;
  /** 'yield' = more to do; 'idle' = nothing to do until an event; 'exit' = the task is finished. */
  readonly next: 'yield' | 'idle' | 'exit';
}

/**
 * The code of a task: run for at most `budget` units of work, then yield. `now` is the virtual time (ns) of the host
 * CPU the slice starts on: VCPUs derive their guest's clock from it.
 */
export type TaskBody = (budget: number, now: number) => RunReport;

export class Task {
  /** Set by the supervisor when the task joins a set. */
  taskSet!: TaskSet;
  constructor(
    readonly descriptor: TaskDescriptor,
    readonly kind: TaskKind,
    readonly name: string,
    public body: TaskBody,
    /** Scheduling priority 0..7 (PRR); higher runs first. */
    public priority = 3,
    /** Host CPU ids the task may run on, or undefined for any. */
    public affinity: readonly number[] | undefined = undefined,
    /** Longest run before the policy lets others in, ns of virtual time (Xvisor's time_slice, default 10 ms). */
    public timeSlice = 10_000_000,
  ) {}

  get id(): number {
    return this.descriptor.id;
  }
}

/**
 * Tasks that share a task-set area: a region the leader owns and every member maps. Posted-interrupt descriptors
 * live there, one word per member, so one VCPU can post an IPI to another without a mailbox round trip.
 */
export class TaskSet {
  readonly members: Task[] = [];
  readonly area: ArrayBuffer;
  private readonly posted: Int32Array;

  constructor(
    readonly id: number,
    readonly name: string,
    areaBytes = 4096,
  ) {
    this.area = new ArrayBuffer(areaBytes);
    this.posted = new Int32Array(this.area, 0, Math.floor(areaBytes / 4));
  }

  /** The first member is the leader. */
  get leader(): Task | undefined {
    return this.members[0];
  }

  /** Post interrupt bits to a member (by its index in the set); they accumulate until taken. */
  postInterrupt(member: number, bits: number): void {
    if (member < 0 || member >= this.members.length || member >= this.posted.length) throw new RangeError(`no member ${member} in task set ${this.name}`);
    this.posted[member] = this.posted[member]! | bits;
  }

  /** Interrupts posted and not yet taken, by member (snapshots). */
  savePosted(): number[] {
    return this.members.map((_, i) => this.posted[i] ?? 0);
  }

  restorePosted(bits: readonly number[]): void {
    bits.forEach((b, i) => { if (i < this.posted.length) this.posted[i] = b; });
  }

  /** Take (and clear) the interrupts posted to a member. */
  takeInterrupts(member: number): number {
    const bits = this.posted[member] ?? 0;
    if (member >= 0 && member < this.posted.length) this.posted[member] = 0;
    return bits;
  }
}
