/**
 * `tsvisor run`: one guest from a guest DTS (no board: a default host with one host CPU per VCPU), an image loaded
 * into it, its VCPUs as tasks under the scheduler, until the guest shuts down (SRST or the test finisher), every
 * VCPU halts or idles for good, or the virtual-time limit passes. The QEMU comparison tests and the benchmark run
 * guests through this too.
 */
import { Scheduler, type TraceEvent } from '../sched/scheduler.js';
import { PrrPolicy } from '../sched/policies/prr.js';
import { Supervisor } from '../sched/supervisor.js';
import type { DeviceContext } from '../devices/device.js';
import { VcpuState } from '../vcpu/state.js';
import type { GuestConfig } from './config/types.js';
import { checkGuestLimits, GuestInstance, type DeviceBuilder, type GuestOutcome } from './guest-instance.js';
import { LOCKSTEP_QUANTUM_NS, type EventLog, type UnmappedAccess } from './vcpu-loop.js';
import { asObject, bool, ints, num, SavedStateError, str, type SavedState } from '../state/saved-state.js';
import { decodeMemory } from './snapshot/format.js';
import { workerCount } from './parallel/worker-count.js';

export interface RunImageOptions {
  readonly guest: GuestConfig;
  readonly image: Uint8Array;
  /** Load address of a raw image (default: VCPU 0's start_pc). */
  readonly loadAddress?: number;
  /** An initial ramdisk, loaded as QEMU's -initrd loads it. */
  readonly initrd?: Uint8Array;
  readonly vcpus?: number;
  /** Limit in seconds of guest virtual time. */
  readonly timeoutSeconds: number;
  readonly timebaseFrequency?: number;
  readonly instructionsPerTick?: number;
  readonly bootargs?: string;
  /** Wall-clock time of guest time 0 for the RTC (ns since the Unix epoch; default a fixed date). */
  readonly wallClockEpochNs?: bigint;
  readonly buildDevice: DeviceBuilder;
  readonly output: (vserial: string, bytes: Uint8Array) => void;
  readonly files?: DeviceContext['files'];
  /** Text typed into the guest's console, one byte per ms of virtual time, once `after` is printed. */
  readonly input?: { readonly text: string; readonly after?: string };
  /** What an access to no region does (default 'halt'; 'fault' as QEMU's virt machine). */
  readonly unmapped?: UnmappedAccess;
  /** Most instructions per `Hart.run` call (1 single-steps every instruction). */
  readonly stepLimit?: number;
  /** Runs of a block before the wasm tier takes it (1: from its first run; Infinity: no wasm tier). */
  readonly wasmAfter?: number;
  /** Called with each slice's end; return true to stop the run early (e.g. once a benchmark saw its prompt). */
  readonly stopWhen?: () => boolean;
  /** The event log (exits, SBI calls, MMIO, interrupts), as QEMU's -d. */
  readonly log?: EventLog;
  /** 'reset': a guest reboot restarts it (image reloaded, devices reset) and the run goes on; else it ends the run. */
  readonly onReboot?: 'reset' | 'end';
  /** Record the scheduler's trace (host CPU slices, VCPU states) into the result. */
  readonly trace?: boolean;
  /** Given, before the guest starts, a way to type into its console and read its virtual time (test scripts). */
  readonly control?: (c: RunControl) => void;
  /** Continue a run from a snapshot (`RunSession.save` and the guest's RAM) instead of booting the image. */
  readonly restore?: { readonly state: SavedState; readonly memory: Uint8Array };
  /** Live migration in: nothing boots, RAM arrives page by page, then `adopt` the state and the run goes on. */
  readonly incoming?: boolean;
  /**
   * Run the VCPUs on worker threads (`runParallel`; at most this many, and the machine's cores): guest time is the
   * host's clock, so the run is not deterministic (parallel/engine.ts).
   */
  readonly parallel?: { readonly workers: number };
}

/** The options a snapshot keeps, so that a restore builds the same machine (the guest itself travels as its DTB). */
export interface RunSettings {
  readonly vcpus: number;
  readonly timebaseFrequency: number;
  readonly instructionsPerTick: number;
  readonly bootargs: string | null;
  readonly unmapped: UnmappedAccess;
  readonly loadAddress: number | null;
}

const DEFAULT_TIMEBASE = 10_000_000;
const DEFAULT_IPT = 10;

/** Virtual time between typed input bytes (slower than any guest reads a UART, so its FIFO never overruns). */
const INPUT_BYTE_NS = 1_000_000;

export interface RunImageResult {
  /**
   * 'shutdown': the guest reported a status; 'reboot': it asked for a system reset (SBI SRST reboot), which ends a
   * run as a failure unless the caller says otherwise; 'timeout'; 'halted': every VCPU halted or can never wake;
   * 'stopped': `stopWhen` said so.
   */
  readonly outcome: 'shutdown' | 'reboot' | 'timeout' | 'halted' | 'stopped';
  /** 0 pass, non-zero fail, 124 timeout. */
  readonly status: number;
  readonly reasons: readonly string[];
  /** Guest virtual time at the end, seconds. */
  readonly virtualSeconds: number;
  readonly instructions: number;
  /** How the guest ended a 'shutdown' or 'reboot', by name ("SBI SRST shutdown, system failure", "finisher: pass"). */
  readonly how?: string;
  /** The scheduler's trace, when asked for (and whether it was cut at MAX_TRACE_EVENTS). */
  readonly trace?: readonly TraceEvent[];
  readonly traceTruncated?: boolean;
  /** Why the run was ended from outside (a debugger's kill), for a 'stopped' run. */
  readonly stoppedBy?: string;
  /** Code blocks decoded, and of those compiled by the wasm tier (warm), over the run. */
  readonly blocksDecoded: number;
  readonly blocksCompiled: number;
  /** Of those, the blocks compiled on the compiler thread (wasm/background-compiler.ts). */
  readonly blocksCompiledOnThread: number;
}

/** What a caller can do while a run goes on (between `stopWhen` checks). */
export interface RunControl {
  /** Type `text` into the console that printed last, one byte per virtual ms after what is already queued. */
  send(text: string): void;
  /** The guest's virtual time, ns. */
  now(): number;
}

/** How often the run checks for the end (virtual ns). */
const CHECK_NS = 10_000_000;

export function runImage(o: RunImageOptions): RunImageResult {
  const session = new RunSession(o);
  while (session.advance());
  return session.result();
}

/**
 * One run as a sequence of steps of CHECK_NS virtual time, so that a caller can do other work between them (a GDB
 * stub serving its socket, a test that must not block its worker). `runImage` runs one to its end.
 */
export class RunSession {
  readonly guest: GuestInstance;
  readonly scheduler: Scheduler;
  private limit: number;
  /** Virtual time the current step runs to. */
  private t = 0;
  private stopped = false;
  /** The last step was cut short by `scheduler.interrupt()` (a debugger stop): the next one finishes it. */
  private resuming = false;
  private stopReason: string | undefined;
  private readonly boot: () => void;

  constructor(private readonly o: RunImageOptions) {
    const timebase = o.timebaseFrequency ?? DEFAULT_TIMEBASE;
    const ipt = o.instructionsPerTick ?? DEFAULT_IPT;
    const nsPerInstruction = 1e9 / (timebase * ipt);
    checkGuestLimits(o.guest, o.vcpus);
    const harts = Math.max(1, o.vcpus ?? o.guest.vcpus.length);
    const cpus = Array.from({ length: harts }, (_, i) => ({ id: i, core: i }));
    const scheduler = new Scheduler({ cpus, policy: new PrrPolicy(cpus), nsPerWork: () => nsPerInstruction, quantum: LOCKSTEP_QUANTUM_NS, trace: o.trace });
    this.scheduler = scheduler;
    const typist = new Typist(o.input, scheduler);
    this.workers = o.parallel ? workerCount(harts, o.parallel.workers) : 0;
    const guest = new GuestInstance(o.guest, {
      scheduler, supervisor: new Supervisor(), timebaseFrequency: timebase, instructionsPerTick: ipt, vcpuCount: harts,
      parallel: o.parallel ? { workers: this.workers } : undefined,
      bootargs: o.bootargs, buildDevice: o.buildDevice, files: o.files, wallClockEpochNs: o.wallClockEpochNs,
      affinity: (i) => [i], unmapped: o.unmapped, stepLimit: o.stepLimit, wasmAfter: o.wasmAfter, log: o.log,
      output: (vserial, bytes) => {
        o.output(vserial, bytes);
        typist.printed(vserial, bytes);
      },
    });
    this.guest = guest;
    typist.guest = guest;
    // Loading and kicking, at the start and at each reboot the run lets happen (as QEMU reloads its -kernel image
    // into RAM at a reset): every VCPU without poweroff starts (VCPU 0 always); the others wait for HSM hart_start.
    this.boot = (): void => {
      const entry = guest.loadImage(o.image, o.loadAddress);
      if (o.initrd) guest.loadInitrd(o.initrd);
      guest.resetHarts(entry);
      for (const v of guest.vcpus) {
        if (v.index === 0 || !v.poweroff) {
          v.state.request(VcpuState.Ready);
          scheduler.wake(guest.tasks[v.index]!);
        }
      }
    };
    this.typist = typist;
    if (o.restore) this.restoreState(o.restore.state, o.restore.memory);
    else if (o.incoming) this.guest.clearBootData();
    else this.boot();
    typist.start();
    o.control?.({ send: (text) => typist.queue(text), now: () => scheduler.now() });
    this.limit = o.timeoutSeconds * 1e9 + this.t;
  }

  private readonly typist: Typist;
  /** Worker threads of a parallel run (0: the run is deterministic, on this thread). */
  private readonly workers: number;

  /**
   * Run to the end with the VCPUs on worker threads (RunImageOptions.parallel): the guest's time is the host's clock
   * (the time limit is in host seconds too), devices stay on this thread, `stopWhen` is asked every few ms.
   */
  async runParallel(): Promise<RunImageResult> {
    if (this.workers === 0) throw new Error('this run was not built for parallel mode');
    const { guest, scheduler } = this;
    let wake: (() => void) | undefined;
    // The engine loads here, in a parallel run only (its module is not one a deterministic run needs).
    const { ParallelEngine } = await import('./parallel/engine.js');
    const engine = new ParallelEngine({ scheduler, workers: this.workers, onEvent: () => wake?.() });
    try {
      engine.adopt(guest, (i) => [i]);
      for (;;) {
        await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 5); });
        wake = undefined;
        if (engine.failure !== undefined) throw new Error(`a worker thread failed: ${engine.failure}`);
        engine.pump();
        this.t = scheduler.now();
        if (guest.outcome.kind !== 'running' || this.t >= this.limit) break;
        if (this.o.stopWhen?.()) { this.stopped = true; break; }
        if (guest.vcpus.every((v) => !v.state.runnable)) { this.idle = true; break; }
      }
    } finally {
      await engine.close();
    }
    if (this.t >= this.limit && guest.outcome.kind === 'running' && !this.stopped && !this.idle) this.t = this.limit;
    return this.result();
  }

  /**
   * The run's state between two steps (call it only after `advance` returned, not while a debugger holds a step
   * half done): the scheduler, the guest (RAM aside: `guest.memory()`), the step clock and pending typed input.
   */
  save(): SavedState {
    if (this.resuming) throw new SavedStateError('a run cannot be saved in the middle of a step');
    return { t: this.t, scheduler: this.scheduler.save(), guest: this.guest.save(), typist: this.typist.save() };
  }

  /** What a restore of this run must be given again (RunSettings). */
  settings(): RunSettings {
    const o = this.o;
    return {
      vcpus: this.guest.vcpus.length, timebaseFrequency: o.timebaseFrequency ?? DEFAULT_TIMEBASE,
      instructionsPerTick: o.instructionsPerTick ?? DEFAULT_IPT, bootargs: o.bootargs ?? null, unmapped: o.unmapped ?? 'halt',
      loadAddress: o.loadAddress ?? null,
    };
  }

  /** Guest virtual time (s) and instructions retired so far. */
  progress(): { virtualSeconds: number; instructions: number } {
    return {
      virtualSeconds: Math.max(...this.scheduler.clocks) / 1e9,
      instructions: this.guest.vcpus.reduce((n, v) => n + v.hart.icount, 0),
    };
  }

  /** `memory` is `encodeMemory`'s form of the RAM. */
  private restoreState(state: SavedState, memory: Uint8Array): void {
    // A guest just built holds nothing in RAM but its DTB: cleared, RAM is all zeros, and only the snapshot's pages
    // need writing.
    this.guest.clearBootData();
    decodeMemory(memory, this.guest.memory(), true, this.guest.writtenPages());
    this.adopt(state);
  }

  /**
   * Take a saved run's state (`save`) with RAM already in place (a migration's pages): the run goes on from there,
   * its `--timeout` counted from that point.
   */
  adopt(state: SavedState): void {
    const o = asObject(state, 'run');
    this.t = num(o, 't', 'run');
    this.limit = this.o.timeoutSeconds * 1e9 + this.t;
    const tasks = new Map(this.guest.tasks.map((t) => [t.name, t]));
    this.scheduler.restore(o.scheduler ?? null, tasks);
    this.guest.restore(o.guest ?? null);
    this.typist.restore(o.typist ?? null);
  }

  /** Whether the run is over (the guest ended, the time limit passed, or it was stopped). */
  get over(): boolean {
    return this.stopped || this.guest.outcome.kind !== 'running' || (this.t >= this.limit && !this.resuming);
  }

  /**
   * Run the next step of virtual time, or the rest of one a debugger interrupted. Returns false once the run is over.
   * Returns true early, with the step unfinished, when the scheduler was interrupted.
   */
  advance(): boolean {
    if (this.over) return false;
    const { guest, scheduler, o } = this;
    if (!this.resuming) this.t = Math.min(this.limit, this.t + CHECK_NS);
    scheduler.runUntil(this.t);
    this.resuming = scheduler.takeInterrupt();
    if (this.resuming) return true;
    // (Read again: the run just now may have changed it.)
    if ((guest.outcome as GuestOutcome).kind === 'reset' && o.onReboot === 'reset') {
      for (const v of guest.vcpus) {
        v.state.request(VcpuState.Reset);
        scheduler.block(guest.tasks[v.index]!);
      }
      guest.outcome = { kind: 'running' };
      this.boot();
    }
    if (o.stopWhen?.()) { this.stopped = true; return false; }
    if (!guest.tasks.some((task) => scheduler.isRunnable(task)) && scheduler.nextTimer() === Infinity) {
      this.t = this.limit; // nothing can ever run again: the run ends as 'halted'
      this.idle = true;
      return false;
    }
    return !this.over;
  }

  /** Every VCPU halted or waits for an interrupt nothing can raise. */
  private idle = false;

  /** End the run now, passing: the guest went on elsewhere (migrated). */
  finish(): void {
    this.stopped = true;
  }

  /** End the run now (a debugger's kill): it ends as 'stopped', with `reason` among its reasons. */
  stop(reason: string): void {
    this.stopped = true;
    this.stopReason = reason;
  }

  result(): RunImageResult {
    const { guest, scheduler, o } = this;
    const instructions = guest.vcpus.reduce((n, v) => n + v.hart.icount, 0);
    const code = guest.vcpus[0]!.hart.code;
    const virtualSeconds = Math.max(...scheduler.clocks) / 1e9;
    const reasons = guest.vcpus.flatMap((v) => (v.haltReason ? [`${v.name}: ${v.haltReason}`] : []));
    const how = guest.outcome.kind === 'shutdown' || guest.outcome.kind === 'reset' ? guest.outcome.how : undefined;
    const end = (outcome: RunImageResult['outcome'], status: number, why = reasons): RunImageResult =>
      ({ outcome, status, reasons: why, virtualSeconds, instructions, how, stoppedBy: this.stopReason, blocksDecoded: code.decoded, blocksCompiled: code.compiled, blocksCompiledOnThread: code.compiledOnThread,
        ...(o.trace ? { trace: scheduler.trace, traceTruncated: scheduler.traceTruncated } : {}) });
    if (guest.outcome.kind === 'shutdown') return end('shutdown', guest.outcome.status);
    if (guest.outcome.kind === 'reset') return end('reboot', 1, [`the guest asked for a reboot (${guest.outcome.how})`]);
    if (this.stopReason !== undefined) return end('stopped', 1, [...reasons, this.stopReason]);
    if (this.stopped) return end('stopped', 0);
    if (!this.idle) return end('timeout', 124);
    return end('halted', 1, reasons.length ? reasons : ['every VCPU is waiting for an interrupt that nothing can raise']);
  }
}

/**
 * Types `--input` into the guest, one byte per virtual ms: into the console whose output contained the `after` text
 * (or, without one, the console that printed last), so it reaches whichever console the guest uses.
 */
class Typist {
  guest: GuestInstance | undefined;
  private seen = '';
  private target: string | undefined;
  private lastPrinter: string | undefined;
  private typing = false;

  constructor(private readonly input: RunImageOptions['input'], private readonly scheduler: Scheduler) {}

  printed(vserial: string, bytes: Uint8Array): void {
    this.lastPrinter = vserial;
    const after = this.input?.after;
    if (after === undefined || this.typing) return;
    // Only the last after.length - 1 bytes are kept between calls: linear in the output.
    const seen = this.seen + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    if (seen.includes(after)) {
      this.target = vserial;
      this.begin();
    }
    this.seen = after.length > 1 ? seen.slice(-(after.length - 1)) : '';
  }

  start(): void {
    if (this.input && this.input.after === undefined) this.begin();
  }

  private begin(): void {
    if (this.typing || !this.input) return;
    this.typing = true;
    this.queue(this.input.text);
  }

  private readonly pending: number[] = [];
  /** When the next pending byte is typed (host virtual ns), while bytes are pending. */
  private nextAt = 0;

  save(): SavedState {
    return { seen: this.seen, target: this.target ?? null, lastPrinter: this.lastPrinter ?? null, typing: this.typing, pending: [...this.pending], nextAt: this.nextAt };
  }

  restore(state: SavedState): void {
    const o = asObject(state, 'typist');
    this.seen = str(o, 'seen', 'typist');
    this.target = o.target === null ? undefined : str(o, 'target', 'typist');
    this.lastPrinter = o.lastPrinter === null ? undefined : str(o, 'lastPrinter', 'typist');
    // This run's own --input starts afresh; bytes the saved run had still to type are typed first.
    this.typing = false;
    bool(o, 'typing', 'typist');
    const pending = ints(o, 'pending', 'typist', 0, 255);
    this.pending.length = 0;
    if (pending.length > 0) {
      this.pending.push(...pending);
      this.scheduler.setTimer(num(o, 'nextAt', 'typist'), this.typeNext);
    }
  }

  /** Type `text` after whatever is still queued, one byte per INPUT_BYTE_NS. */
  queue(text: string): void {
    const idle = this.pending.length === 0;
    for (const b of Buffer.from(text, 'latin1')) this.pending.push(b);
    if (!idle || this.pending.length === 0) return;
    this.nextAt = this.scheduler.now() + INPUT_BYTE_NS;
    this.scheduler.setTimer(this.nextAt, this.typeNext);
  }

  private readonly typeNext = (at: number): void => {
    if (this.pending.length === 0 || !this.guest) return;
    const serial = this.target ?? this.lastPrinter ?? this.guest.vserials()[0];
    // A console that cannot take the byte now (its FIFO full: the guest reads late) gets it a byte time later.
    if (serial && this.guest.inputRoom(serial) > 0) this.guest.input(serial, this.pending.shift()!);
    else if (!serial) this.pending.shift();
    if (this.pending.length > 0) {
      this.nextAt = at + INPUT_BYTE_NS;
      this.scheduler.setTimer(this.nextAt, this.typeNext);
    }
  };
}
