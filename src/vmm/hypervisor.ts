/**
 * The hypervisor booted from a board: the host, its scheduler (the policy /vmm asks for) and memory manager
 * (claims), and the guests under /guests, created and driven with Xvisor's operations. One instance owns
 * everything, so tests and library users can run many side by side.
 */
import { MemoryManager, PAGE_SIZE } from './claims.js';
import { buildDevice } from '../devices/registry.js';
import type { Scheduler } from '../sched/scheduler.js';
import { Supervisor } from '../sched/supervisor.js';
import type { Task, TaskSet } from '../sched/task.js';
import { VcpuState, STATE_NAMES } from '../vcpu/state.js';
import type { DeviceTree } from '../dts/tree.js';
import type { GuestConfig, HostConfig } from './config/types.js';
import { buildGuest } from './config/guest.js';
import { DiagnosticSink, formatPlain } from '../dts/diagnostics.js';
import { guestClaims, hostPages } from './config/memory-fit.js';
import { checkGuestLimits, GuestInstance, type Vcpu } from './guest-instance.js';
import { buildScheduler } from './scheduling.js';
import type { DeviceContext } from '../devices/device.js';
import { LOCKSTEP_QUANTUM_NS, type EventLog } from './vcpu-loop.js';
import { dirname } from 'node:path';
import { readBoard } from './config/read-config.js';
import { ConfigError } from './config/config-error.js';
import { hostFiles } from './host-files.js';
import { runBootcmd } from './bootcmd.js';
import { Shell } from './shell.js';
import { readGuestSnapshot, writeGuestSnapshot, type GuestSnapshot } from './snapshot/guest-snapshot.js';
import type { SavedState } from '../state/saved-state.js';
import { decodeMemory } from './snapshot/format.js';
import { Node } from '../dts/tree.js';
import { cloneNode } from './config/guest-load.js';
import { ParallelEngine, workerCount } from './parallel/engine.js';

/** Most events kept until taken. */
const MAX_EVENTS = 1000;
/** Bytes of each vserial's output kept for `vserial dump`. */
const HISTORY_BYTES = 65536;

/** The last `limit` bytes of a console, in a ring buffer (constant work per byte). */
class ConsoleHistory {
  private readonly ring: Uint8Array;
  private pos = 0;
  private full = false;
  constructor(limit: number) {
    this.ring = new Uint8Array(limit);
  }

  add(bytes: Uint8Array): void {
    const n = this.ring.length;
    if (bytes.length <= 16) { // the usual case: a byte or a few, no views made
      for (const b of bytes) {
        this.ring[this.pos++] = b;
        if (this.pos === n) { this.pos = 0; this.full = true; }
      }
      return;
    }
    let src = bytes.length > n ? bytes.subarray(bytes.length - n) : bytes;
    while (src.length > 0) {
      const k = Math.min(src.length, n - this.pos);
      this.ring.set(src.subarray(0, k), this.pos);
      src = src.subarray(k);
      this.pos += k;
      if (this.pos === n) { this.pos = 0; this.full = true; }
    }
  }

  text(): string {
    const b = Buffer.from(this.ring.buffer, this.ring.byteOffset, this.ring.byteLength);
    return this.full ? b.toString('latin1', this.pos) + b.toString('latin1', 0, this.pos) : b.toString('latin1', 0, this.pos);
  }
}

export interface HypervisorOptions {
  /** Console output of a vserial (`<guest>/<device>`, `<guest>/sbi`). */
  readonly output: (vserial: string, bytes: Uint8Array) => void;
  readonly files?: DeviceContext['files'];
  /** Retired instructions per timer tick (default 10: 100 MIPS of virtual CPU at a 10 MHz timebase). */
  readonly instructionsPerTick?: number;
  readonly trace?: boolean;
  /** The event log (`--log`) every guest writes to, if one is kept. */
  readonly log?: EventLog;
  /** Wall-clock time of guest time 0 for the guests' RTCs (ns since the Unix epoch; default a fixed date). */
  readonly wallClockEpochNs?: bigint;
  /**
   * Run VCPUs on worker threads (parallel mode; default: the board's /vmm `parallel`). Not deterministic; the host
   * is driven with `advance`, `quiesce` and `release` instead of `runUntil`.
   */
  readonly parallel?: boolean;
}

/** {@link Hypervisor.fromBoard}'s options: the hypervisor's own, all optional, and how the board is booted. */
export interface BoardOptions extends Partial<HypervisorOptions> {
  /** More folders searched for the board's includes, after its own. */
  readonly include?: readonly string[];
  /** Run the board's /chosen/bootcmd through the management shell, as `tsvisor boot` does (default true). */
  readonly bootcmd?: boolean;
  /** Each line the shell prints while running bootcmd (default: dropped). */
  readonly shellOutput?: (line: string) => void;
}

export interface GuestRecord {
  readonly name: string;
  readonly config: GuestConfig;
  readonly instance: GuestInstance;
  readonly taskSet: TaskSet;
  /** VCPU tasks in VCPU order. */
  readonly tasks: readonly Task[];
  /** Global VCPU ids, as `vcpu list` shows them. */
  readonly vcpuIds: readonly number[];
}

/** The scheduler task of a guest's VCPU (the guest made one per VCPU, in order). */
function taskOf(g: GuestRecord, v: Vcpu): Task {
  const task = g.tasks[v.index];
  if (!task) throw new Error(`${v.name}: no scheduler task for VCPU ${v.index} of ${g.name}`);
  return task;
}

/** The global id (`vcpu list`'s) of a guest's VCPU. */
function vcpuIdOf(g: GuestRecord, v: Vcpu): number {
  const id = g.vcpuIds[v.index];
  if (id === undefined) throw new Error(`${v.name}: no VCPU id for VCPU ${v.index} of ${g.name}`);
  return id;
}

export interface VcpuRow {
  readonly id: number;
  readonly cpu: number;
  readonly priority: number;
  readonly state: string;
  readonly name: string;
  readonly affinity: string;
}

export type OpResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly message: string };

export class Hypervisor {
  readonly supervisor = new Supervisor();
  readonly scheduler: Scheduler;
  readonly memory: MemoryManager;
  readonly guests = new Map<string, GuestRecord>();
  private nextVcpuId = 0;
  private readonly ipt: number;

  /** Guest instructions per timebase tick (the virtual clock's rate). */
  get instructionsPerTick(): number {
    return this.ipt;
  }
  private readonly nsPerInstruction: number;
  private readonly taskVcpu = new Map<Task, { guest: GuestRecord; vcpu: Vcpu }>();
  /** The last 64 KiB each vserial printed (for `vserial dump`). */
  private readonly history = new Map<string, ConsoleHistory>();
  /** Exit status of each guest's last SRST shutdown. */
  readonly lastStatus = new Map<string, number>();
  /** Events not yet taken (`takeEvents`): VCPU halts and guest shutdowns and reboots, as Xvisor reports them. */
  private events: string[] = [];
  /** Halted VCPUs already reported (a halt is reported once, until the VCPU is reset). */
  private readonly haltReported = new Set<Vcpu>();

  constructor(readonly board: DeviceTree, readonly host: HostConfig, private opts: HypervisorOptions) {
    const output = opts.output;
    this.opts = {
      ...opts,
      output: (vserial, bytes) => {
        let h = this.history.get(vserial);
        if (!h) this.history.set(vserial, h = new ConsoleHistory(HISTORY_BYTES));
        h.add(bytes);
        output(vserial, bytes);
      },
    };
    this.ipt = opts.instructionsPerTick ?? 10;
    this.nsPerInstruction = 1e9 / (host.timebaseFrequency * this.ipt);
    this.memory = new MemoryManager([...hostPages(host)].map(([node, pages]) => ({ node, pages })));
    // Orphan VCPUs (hypervisor threads) come first, as in Xvisor: one idle per host CPU, then the management
    // terminal. The scheduler idles implicitly, so they are listed, not run.
    for (const c of host.cpus) this.supervisor.createOrphan(`idle/${c.hartId}`, () => ({ work: 0, next: 'idle' }), 0, [c.hartId]);
    const mterm = this.supervisor.createOrphan('mterm', () => ({ work: 0, next: 'idle' }), host.vmm.mtermPriority);
    mterm.timeSlice = host.vmm.mtermTimeSlice;
    this.nextVcpuId = host.cpus.length + 1;
    this.scheduler = buildScheduler({
      host,
      resolve: (name) => this.guests.get(name)?.taskSet ?? this.supervisor.allTasks().find((t) => t.name === name),
      nsPerWork: (task) => (this.taskVcpu.has(task) ? this.nsPerInstruction : 1),
      trace: opts.trace, quantum: LOCKSTEP_QUANTUM_NS,
    });
    if (opts.parallel ?? host.vmm.parallel) {
      this.engine = new ParallelEngine({ scheduler: this.scheduler, workers: workerCount(host.cpus.length) });
    }
  }

  /** Parallel mode's worker threads (undefined in the deterministic mode). */
  readonly engine: ParallelEngine | undefined;

  /**
   * The hypervisor a board file describes, as `tsvisor boot` makes it: the board compiled and validated (its boot
   * loads included), the built-in device emulators, host files devices name relative to the board's folder, and
   * /chosen/bootcmd run. Guests run when asked (`runUntil`); their consoles go to `output` (default: kept for
   * `consoleHistory` only). Throws a {@link ConfigError} listing the errors of a board that cannot be used.
   */
  static fromBoard(path: string, options: BoardOptions = {}): Hypervisor {
    const board = readBoard(path, options.include);
    if (!board.ok) throw new ConfigError(`board ${path}`, board.diagnostics);
    const hv = new Hypervisor(board.tree, board.host, {
      output: options.output ?? ((): void => {}),
      files: options.files ?? hostFiles(dirname(path)),
      instructionsPerTick: options.instructionsPerTick, trace: options.trace, log: options.log, wallClockEpochNs: options.wallClockEpochNs,
      parallel: options.parallel,
    });
    if (options.bootcmd !== false) runBootcmd(hv, new Shell(hv, path), options.shellOutput);
    return hv;
  }

  /** `guest create <name>`: build /guests/<name>, claim and populate its memory, create its VCPUs (RESET). */
  createGuest(name: string): OpResult {
    if (this.guests.has(name)) return { ok: false, message: `${name}: Failed to create (already exists)` };
    const node = this.board.root.getChild('guests')?.getChild(name);
    if (!node) return { ok: false, message: `${name}: Failed to create (no /guests/${name} node)` };
    const sink = new DiagnosticSink();
    const config = buildGuest(node, name, sink);
    if (!config || sink.errorCount > 0) {
      return { ok: false, message: `${name}: Failed to create: ${sink.items.filter((d) => d.severity === 'error').map(formatPlain).join('; ')}` };
    }
    try {
      checkGuestLimits(config);
    } catch (e) {
      return { ok: false, message: `${name}: Failed to create: ${(e as Error).message}` };
    }
    const claims = guestClaims(config, this.host, new Set());
    const installed = this.memory.installClaims(name, claims);
    if (!installed.ok) return { ok: false, message: `${name}: Failed to create: ${installed.error.message}` };
    const pages = claims.reduce((n, c) => n + c.pages, 0);
    if (pages > 0) this.memory.populate(name, pages);
    let instance: GuestInstance;
    try {
      instance = new GuestInstance(config, {
        scheduler: this.scheduler, supervisor: this.supervisor,
        timebaseFrequency: this.host.timebaseFrequency, instructionsPerTick: this.ipt,
        output: this.opts.output, buildDevice, files: this.opts.files, wallClockEpochNs: this.opts.wallClockEpochNs,
        log: this.opts.log, parallel: this.engine ? { workers: this.engine.workerCount } : undefined,
      });
    } catch (e) {
      this.memory.destroy(name);
      return { ok: false, message: `${name}: Failed to create: ${(e as Error).message}` };
    }
    const set = instance.taskSet;
    const tasks = instance.tasks;
    const record: GuestRecord = { name, config, instance, taskSet: set, tasks, vcpuIds: tasks.map(() => this.nextVcpuId++) };
    for (const v of instance.vcpus) this.taskVcpu.set(taskOf(record, v), { guest: record, vcpu: v });
    this.guests.set(name, record);
    if (this.engine) {
      const cpus = this.host.cpus.map((c) => c.hartId);
      this.engine.adopt(instance, (i) => (tasks[i]?.affinity ?? cpus).map((c) => cpus.indexOf(c)).filter((c) => c >= 0));
    }
    return { ok: true, message: `${name}: Created` };
  }

  private guest(name: string, verb: string): GuestRecord | OpResult {
    return this.guests.get(name) ?? { ok: false, message: `${name}: Failed to ${verb} (no such guest)` };
  }

  /** Apply a state request to every VCPU of a guest in order, stopping at the first error (Xvisor's rule). */
  private each(name: string, verb: string, done: string, target: VcpuState, skipPoweroff = false): OpResult {
    const g = this.guest(name, verb);
    if (!('instance' in g)) return g;
    for (const v of g.instance.vcpus) {
      if (skipPoweroff && v.poweroff) continue;
      const t = v.state.request(target, this.scheduler.now());
      if (!t.ok) return { ok: false, message: `${name}: Failed to ${verb}` };
      this.follow(g, v);
    }
    return { ok: true, message: `${name}: ${done}` };
  }

  /** The normal VCPU with global id `id`. */
  vcpuById(id: number): { guest: GuestRecord; vcpu: Vcpu } | undefined {
    for (const g of this.guests.values()) {
      const vcpu = g.instance.vcpus[g.vcpuIds.indexOf(id)];
      if (vcpu) return { guest: g, vcpu };
    }
    return undefined;
  }

  /** `vcpu reset|kick|pause|resume|halt <id>`: one VCPU's state request, with the scheduler following. */
  vcpuRequest(id: number, verb: string, target: VcpuState): OpResult {
    const found = this.vcpuById(id);
    if (!found) return { ok: false, message: `Failed to find vcpu ${id}` };
    const { guest, vcpu } = found;
    const t = vcpu.state.request(target, this.scheduler.now());
    if (!t.ok) return { ok: false, message: `${vcpu.name}: Failed to ${verb}` };
    const task = taskOf(guest, vcpu);
    if (target === VcpuState.Reset && t.changed) {
      guest.instance.enterSupervisor(vcpu, guest.config.vcpus[vcpu.index]?.startPc ?? 0, 0);
      vcpu.haltReason = undefined; // a reset VCPU's next halt is a new one, and is reported again
    }
    this.follow(guest, vcpu, task);
    const done: Record<string, string> = { reset: 'Reset', kick: 'Kicked', pause: 'Paused', resume: 'Resumed', halt: 'Halted' };
    return { ok: true, message: `${vcpu.name}: ${done[verb] ?? verb}` };
  }

  /**
   * The scheduler follows a VCPU's new state: on its run queues if it can run, else off them. In parallel mode the
   * scheduler here runs no VCPU: one that can run goes to its worker (at `release`, if the host is quiesced).
   */
  private follow(g: GuestRecord, v: Vcpu, task = taskOf(g, v)): void {
    if (this.engine) { if (v.state.runnable) g.instance.wake(v.index); return; }
    if (v.state.runnable) this.scheduler.wake(task);
    else this.scheduler.block(task);
  }

  kickGuest(name: string): OpResult { return this.each(name, 'kick', 'Kicked', VcpuState.Ready, true); }
  pauseGuest(name: string): OpResult { return this.each(name, 'pause', 'Paused', VcpuState.Paused); }
  resumeGuest(name: string): OpResult { return this.each(name, 'resume', 'Resumed', VcpuState.Ready); }
  haltGuest(name: string): OpResult { return this.each(name, 'halt', 'Halted', VcpuState.Halted); }

  /** `guest reset`: VCPUs and devices back to reset; RAM is kept. */
  resetGuest(name: string): OpResult {
    const r = this.each(name, 'reset', 'Reset', VcpuState.Reset);
    const g = this.guests.get(name);
    if (r.ok && g) {
      g.instance.resetHarts();
      g.instance.outcome = { kind: 'running' };
    }
    return r;
  }

  destroyGuest(name: string): OpResult {
    const g = this.guest(name, 'destroy');
    if (!('instance' in g)) return g;
    this.engine?.forget(g.instance);
    g.instance.destroy(); // off the scheduler (placement forgotten), timers cancelled
    for (const t of g.tasks) this.taskVcpu.delete(t);
    this.supervisor.destroyGuest(g.taskSet);
    this.memory.destroy(name);
    this.guests.delete(name);
    for (const vserial of [...this.history.keys()]) if (vserial.startsWith(`${name}/`)) this.history.delete(vserial);
    return { ok: true, message: `${name}: Destroyed` };
  }

  /** `guest snapshot`: the guest (its node, state and RAM) as a snapshot file's bytes. */
  snapshotGuest(name: string): Uint8Array | OpResult {
    const g = this.guest(name, 'snapshot');
    if (!('instance' in g)) return g;
    const node = this.board.root.getChild('guests')?.getChild(name);
    if (!node) return { ok: false, message: `${name}: Failed to snapshot (no /guests/${name} node)` };
    return writeGuestSnapshot(node, g.instance, this.host.timebaseFrequency, this.ipt);
  }

  /**
   * `guest restore`: a new guest `name` from a snapshot file's bytes: its node placed at /guests/<name>, created as
   * `guest create` creates guests, then its state and RAM loaded and its runnable VCPUs put back on the run queues.
   * A snapshot that cannot be used leaves no guest behind.
   */
  restoreGuest(name: string, file: Uint8Array): OpResult {
    let snap: GuestSnapshot;
    try {
      snap = readGuestSnapshot(file);
    } catch (e) {
      return { ok: false, message: `${name}: Failed to restore: ${(e as Error).message}` };
    }
    const begun = this.beginArrival(name, snap.node, snap.timebaseFrequency, snap.instructionsPerTick);
    if (!begun.ok) return begun;
    const g = this.guests.get(name)!;
    try {
      decodeMemory(snap.memory, g.instance.memory(), true, g.instance.writtenPages());
      this.completeArrival(name, snap.state);
    } catch (e) {
      this.abandonArrival(name);
      return { ok: false, message: `${name}: Failed to restore: ${(e as Error).message}` };
    }
    return { ok: true, message: `${name}: Restored` };
  }

  /**
   * A guest arriving (restore, migration), first step: its node at /guests/<name> and the guest created, RAM all
   * zeros, nothing running yet. Refused when the name is taken or the host's clock differs from the guest's.
   */
  beginArrival(name: string, node: Node, timebaseFrequency: number, instructionsPerTick: number): OpResult {
    if (this.guests.has(name)) return { ok: false, message: `${name}: Failed to restore (a guest of that name exists)` };
    if (timebaseFrequency !== this.host.timebaseFrequency || instructionsPerTick !== this.ipt) {
      return { ok: false, message: `${name}: Failed to restore (taken at ${timebaseFrequency} Hz, ${instructionsPerTick} instructions per tick; this host runs ${this.host.timebaseFrequency} Hz, ${this.ipt})` };
    }
    let guests = this.board.root.getChild('guests');
    if (!guests) {
      guests = new Node('guests');
      this.board.root.addChild(guests);
    }
    const existing = guests.getChild(name);
    if (existing) existing.deleted = true;
    const placed = cloneNode(node, name);
    guests.addChild(placed);
    const created = this.createGuest(name);
    if (!created.ok) {
      placed.deleted = true;
      if (existing) existing.deleted = false;
      return created;
    }
    this.arriving.set(name, { placed, existing });
    this.guests.get(name)!.instance.clearBootData();
    return created;
  }

  /** A guest arriving, last step (its RAM in place): its state, its clock moved to this host's, its VCPUs running. */
  completeArrival(name: string, state: SavedState): void {
    const g = this.guests.get(name)!;
    g.instance.restore(state, this.scheduler.now());
    this.arriving.delete(name);
    for (const v of g.instance.vcpus) if (v.state.runnable && v.wakeTimer === undefined) this.scheduler.wake(taskOf(g, v));
  }

  /** A guest that could not arrive: gone, its node too, the node it replaced back. */
  abandonArrival(name: string): void {
    const a = this.arriving.get(name);
    if (this.guests.has(name)) this.destroyGuest(name);
    if (!a) return;
    a.placed.deleted = true;
    if (a.existing) a.existing.deleted = false;
    this.arriving.delete(name);
  }

  private readonly arriving = new Map<string, { placed: Node; existing: Node | undefined }>();

  /** Run every host CPU on until virtual time `ns`, then apply guest shutdowns and resets. */
  runUntil(ns: number): void {
    if (this.engine) throw new Error('a parallel host runs by itself: use advance()');
    this.scheduler.runUntil(ns);
    this.afterRun();
  }

  /**
   * Parallel mode: device timers up to now, then guest shutdowns and resets applied (with the guest's VCPUs back here
   * while that is done). The host's clock drives the guests; call this every few ms.
   */
  async advance(): Promise<void> {
    const engine = this.engine;
    if (!engine) throw new Error('advance() is for a parallel host: use runUntil()');
    if (engine.failure !== undefined) throw new Error(`a worker thread failed: ${engine.failure}`);
    engine.pump();
    if (this.quiesced > 0) return; // a command runs with everything stopped: its `release` comes first
    const ended = [...this.guests.values()].filter((g) => g.instance.outcome.kind !== 'running');
    for (const g of ended) await engine.park(g.instance);
    this.afterRun();
    for (const g of ended) engine.resume(g.instance);
  }

  /**
   * Parallel mode: every VCPU back on this thread, so that the state of everything can be read and changed (until
   * as many `release`s as `quiesce`s: the shell and the web view may both be in a command).
   */
  async quiesce(): Promise<void> {
    this.quiesced++;
    await this.engine?.park();
  }

  /** Parallel mode: after the last `quiesce`'s `release`, every VCPU that can run goes back to its worker. */
  release(): void {
    if (this.quiesced > 0 && --this.quiesced === 0) this.engine?.resume();
  }

  private quiesced = 0;

  /** Parallel mode: stop the worker threads (every VCPU back here first). */
  async close(): Promise<void> {
    await this.engine?.close();
  }

  /** Guest time in ns the scheduler has reached (parallel mode: the host's clock since the engine started). */
  now(): number {
    return this.engine ? this.engine.schedulerNow() : this.scheduler.now();
  }

  /** Report new halts; apply guest shutdowns (a reset, as Xvisor) and reboots. */
  private afterRun(): void {
    for (const g of this.guests.values()) {
      for (const v of g.instance.vcpus) {
        if (v.haltReason === undefined) this.haltReported.delete(v);
        else if (!this.haltReported.has(v)) {
          this.haltReported.add(v);
          this.event(`${v.name}: Halted (${v.haltReason})`);
        }
      }
      const outcome = g.instance.outcome;
      if (outcome.kind !== 'running') this.event(`${g.name}: ${outcome.kind === 'shutdown' ? 'Shutdown' : 'Reboot'} (${outcome.how})`);
      if (outcome.kind === 'shutdown') {
        // SRST shutdown = guest reset (Xvisor); the guest's last status stays visible.
        this.lastStatus.set(g.name, outcome.status);
        this.each(g.name, 'reset', 'Reset', VcpuState.Reset);
        g.instance.resetHarts();
        g.instance.outcome = { kind: 'running' };
      } else if (outcome.kind === 'reset') {
        this.each(g.name, 'reset', 'Reset', VcpuState.Reset);
        g.instance.resetHarts();
        g.instance.outcome = { kind: 'running' };
        this.kickGuest(g.name);
      }
    }
  }

  /** Events since the last call, oldest first: `guest0/vcpu0: Halted (reason)`, `guest0: Shutdown (how)`. */
  takeEvents(): string[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Keep at most MAX_EVENTS untaken (a guest rebooting in a loop with nobody reading cannot grow them). */
  private event(text: string): void {
    if (this.events.length < MAX_EVENTS) this.events.push(text);
    else if (this.events.length === MAX_EVENTS) this.events.push('(more events dropped)');
  }

  /** A normal VCPU by id or by name (`guest0/vcpu0`). */
  findVcpu(idOrName: string): { guest: GuestRecord; vcpu: Vcpu; id: number } | undefined {
    for (const g of this.guests.values()) {
      for (const v of g.instance.vcpus) {
        const id = vcpuIdOf(g, v);
        if (v.name === idOrName || String(id) === idOrName) return { guest: g, vcpu: v, id };
      }
    }
    return undefined;
  }

  /**
   * Virtual ns a VCPU spent in each state since its last reset. The state machine counts Ready and Running as one
   * (the scheduler does not report switches), so Running is the time its retired instructions took and Ready the rest.
   */
  vcpuTimes(v: Vcpu): { ready: number; running: number; paused: number; halted: number; reset: number } {
    const now = this.scheduler.now();
    const t = { ...v.state.times };
    // The state it is in now has lasted since it was entered.
    t[v.state.state] += Math.max(0, now - v.state.enteredAt);
    const readyOrRunning = t[VcpuState.Ready] + t[VcpuState.Running];
    const running = Math.min(readyOrRunning, Math.round(v.hart.icount * this.nsPerInstruction));
    return { ready: readyOrRunning - running, running, paused: t[VcpuState.Paused], halted: t[VcpuState.Halted], reset: t[VcpuState.Reset] };
  }

  /** `vcpu set_affinity`: the host CPUs a VCPU may run on; it is placed again on the next run. */
  setVcpuAffinity(idOrName: string, cpus: readonly number[]): OpResult {
    const found = this.findVcpu(idOrName);
    if (!found) return { ok: false, message: `Failed to find vcpu ${idOrName}` };
    const known = new Set(this.host.cpus.map((c) => c.hartId));
    const bad = cpus.find((c) => !known.has(c));
    if (bad !== undefined || cpus.length === 0) {
      return { ok: false, message: `${found.vcpu.name}: Failed to set affinity (${bad === undefined ? 'no host CPU given' : `no host CPU ${bad}`})` };
    }
    const task = taskOf(found.guest, found.vcpu);
    task.affinity = [...cpus];
    this.scheduler.remove(task); // forgets its placement; the policy places it within the new affinity
    if (found.vcpu.state.runnable) this.scheduler.wake(task);
    return { ok: true, message: `${found.vcpu.name}: Affinity set to {${cpus.join(',')}}` };
  }

  /**
   * `vcpu set_hcpu`: run a VCPU on one host CPU of its affinity from now on (it stays there, as the PRR scheduler
   * keeps every VCPU where it placed it). The table scheduler places VCPUs by its table, so it refuses.
   */
  setVcpuHostCpu(idOrName: string, cpu: number): OpResult {
    const found = this.findVcpu(idOrName);
    if (!found) return { ok: false, message: `Failed to find vcpu ${idOrName}` };
    const failed = (why: string): OpResult => ({ ok: false, message: `${found.vcpu.name}: Failed to set host CPU${cpu} (${why})` });
    if (!this.host.cpus.some((c) => c.hartId === cpu)) return failed(`no host CPU ${cpu}`);
    const task = taskOf(found.guest, found.vcpu);
    if (task.affinity && !task.affinity.includes(cpu)) return failed(`not in its affinity {${task.affinity.join(',')}}`);
    const policy = this.scheduler.policy as { moveTo?: (t: Task, c: number) => boolean };
    if (!policy.moveTo) return failed(`the ${this.scheduler.policy.name} scheduler places VCPUs itself`);
    if (!policy.moveTo(task, cpu)) return failed(`the scheduler has no host CPU ${cpu}`);
    return { ok: true, message: `${found.vcpu.name}: Host CPU${cpu} set` };
  }

  /** Rows for `vcpu list` (orphans, then normal VCPUs): id, host CPU, priority, state, name, affinity. */
  vcpuRows(kind: 'all' | 'normal' | 'orphan' = 'normal'): VcpuRow[] {
    const rows: VcpuRow[] = [];
    if (kind !== 'normal') {
      const all = this.host.cpus.map((c) => c.hartId);
      this.supervisor.orphans.members.forEach((t, i) => rows.push({
        id: i, cpu: t.affinity?.[0] ?? all[0] ?? 0, priority: t.priority, state: 'Ready', name: t.name,
        affinity: `{${(t.affinity ?? all).join(',')}}`,
      }));
      if (kind === 'orphan') return rows;
    }
    for (const g of this.guests.values()) {
      for (const v of g.instance.vcpus) {
        const task = taskOf(g, v);
        const cfg = g.config.vcpus[v.index];
        rows.push({
          id: vcpuIdOf(g, v), cpu: this.hostCpuOf(task) ?? task.affinity?.[0] ?? cfg?.affinity?.[0] ?? this.host.cpus[0]?.hartId ?? 0,
          priority: task.priority,
          state: STATE_NAMES[v.state.state], name: v.name,
          affinity: `{${(task.affinity ?? cfg?.affinity ?? this.host.cpus.map((c) => c.hartId)).join(',')}}`,
        });
      }
    }
    return rows;
  }

  /** The host CPU a task is placed on, when the policy places tasks (PRR). */
  private hostCpuOf(task: Task): number | undefined {
    const vcpu = this.taskVcpu.get(task);
    const worker = vcpu && this.engine?.workerOf(vcpu.guest.instance, vcpu.vcpu.index);
    if (worker !== undefined && this.engine) {
      // Parallel mode: the first host CPU it may run on in its worker's group (host CPU i is in group i mod workers).
      const cpus = this.host.cpus.map((c) => c.hartId);
      const allowed = (task.affinity ?? cpus).filter((c) => cpus.indexOf(c) % this.engine!.workerCount === worker);
      return allowed[0];
    }
    const policy = this.scheduler.policy as { cpuOf?: (t: Task) => number | undefined };
    return policy.cpuOf?.(task);
  }

  /** What a vserial printed lately, or undefined if no such vserial exists. */
  consoleHistory(vserial: string): string | undefined {
    const known = [...this.guests.values()].some((g) => g.instance.vserials().includes(vserial) || vserial === `${g.name}/sbi`);
    return known ? this.history.get(vserial)?.text() ?? '' : undefined;
  }

  /** Free host memory in bytes (free minus outstanding claims). */
  freeBytes(): number {
    return this.memory.freePages() * PAGE_SIZE;
  }
}
