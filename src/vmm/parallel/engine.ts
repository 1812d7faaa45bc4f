/**
 * Parallel mode, the main thread's side: host CPUs grouped onto worker threads (at most the machine's cores), each
 * VCPU run by the worker of the host CPU it is placed on, guest RAM shared. The main thread keeps every device, the
 * SBI console and HSM bookkeeping, the scheduler's device timers (moved on with the host's clock instead of by
 * retired instructions) and each VCPU while no worker runs it; it answers the workers' requests as they come.
 *
 * Non-deterministic by nature, as QEMU's MTTCG: guest time is the host's clock and the harts' interleaving is the
 * host's. The deterministic single-thread mode is the default and does not use any of this.
 */
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import { saveHart, restoreHart } from '../../vcpu/riscv/hart-state.js';
import type { Scheduler } from '../../sched/scheduler.js';
import { IRQ_SOFTWARE } from '../../vcpu/riscv/privilege.js';
import type { GuestInstance } from '../guest-instance.js';
import { hostNs, WallClock } from './live-clock.js';
import { HartState } from '../sbi/sbi.js';
import { ReplyStatus, VCPU_WORDS, Word } from './shared-area.js';
import type { FromWorker, ParkedVcpu, ToWorker } from './messages.js';
import type { WorkerInit } from './worker-loop.js';

export { workerCount } from './worker-count.js';

/**
 * Device regions whose stores a worker posts: all but the interrupt controller's, whose stores (threshold, enable,
 * complete) the guest sees at once in its SEIP bit, a CSR read no MMIO request orders after them (QEMU's PLIC acts
 * before the store retires).
 */
function postedRegions(guest: GuestInstance): [number, number][] {
  return guest.devices
    .filter((d) => d.region.emulator?.deviceType !== 'pic' && d.region.gpa + d.region.size <= 2 ** 32)
    .map((d) => [d.region.gpa, d.region.gpa + d.region.size]);
}

/** The compiled worker script (tests run the engine from src/*.ts; the worker runs from dist/). */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  return import.meta.url.endsWith('.ts') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

interface EngineGuest {
  readonly id: number;
  readonly guest: GuestInstance;
  readonly ctl: Int32Array;
  /** Worker of each VCPU. */
  readonly placement: readonly number[];
  /** Whether each VCPU is with a worker (true) or here. */
  readonly away: boolean[];
  /** Whether each VCPU was waiting for an interrupt when it came back. */
  readonly sleeping: boolean[];
}

export interface ParallelEngineOptions {
  /** The scheduler whose timers drive the guests' devices (moved on with the host's clock). */
  readonly scheduler: Scheduler;
  /** Worker threads. */
  readonly workers: number;
  /**
   * Called when a guest shut down or asked for a reset (SBI SRST, a finisher device), or a VCPU halted (with that
   * guest), or a worker failed (`failure`; without one).
   */
  readonly onEvent?: (guest: GuestInstance | undefined) => void;
}

export class ParallelEngine {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly bells: Int32Array;
  /** Posted device stores done, per worker. */
  private readonly acks: Int32Array;
  private readonly guests = new Map<number, EngineGuest>();
  private readonly byInstance = new Map<GuestInstance, EngineGuest>();
  private nextId = 1;
  /** Host ns and scheduler time when the engine started: scheduler time follows the host's clock from there. */
  private readonly hostStart = hostNs();
  private readonly schedStart: number;
  private pumpTimer: NodeJS.Timeout | undefined;
  private parks = new Map<number, { waiting: number; done: () => void }>();
  private nextToken = 1;
  private closed = false;
  /** Between `park` and `resume`: VCPUs woken meanwhile wait for `resume` (which brings the clock first). */
  private held = false;
  /** A worker's failure (an exception in the emulator): reported by `failure`. */
  failure: string | undefined;

  constructor(private readonly o: ParallelEngineOptions) {
    this.schedStart = o.scheduler.now();
    const bells = new SharedArrayBuffer(4 * o.workers);
    const barrier = new SharedArrayBuffer(4);
    const acks = new SharedArrayBuffer(4 * o.workers);
    this.bells = new Int32Array(bells);
    this.acks = new Int32Array(acks);
    // Loaded here, not by every `tsvisor run` that imports this module and never goes parallel.
    // (process.getBuiltinModule is Node 20.16+; a require does the same on older 20s.)
    const threads: typeof import('node:worker_threads') = typeof process.getBuiltinModule === 'function'
      ? process.getBuiltinModule('node:worker_threads') : createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    for (let i = 0; i < o.workers; i++) {
      const { port1, port2 } = new threads.MessageChannel();
      const init: WorkerInit = { index: i, bells, barrier, acks, port: port2 };
      // No execArgv: the worker is plain compiled JavaScript, and a loader the parent runs under (tsx, vitest) would
      // only slow its start.
      const w = new threads.Worker(workerUrl(), { workerData: init, transferList: [port2], execArgv: [] });
      w.on('message', (m: FromWorker) => this.handle(m));
      w.on('error', (e) => { this.failure ??= e.stack ?? e.message; this.o.onEvent?.(undefined); });
      this.workers.push(w);
      this.ports.push(port1);
    }
    this.schedulePump();
  }

  get workerCount(): number {
    return this.workers.length;
  }

  /** Scheduler time now (host clock since the engine started). */
  schedulerNow(): number {
    return this.schedStart + (hostNs() - this.hostStart);
  }

  /** Fire the device timers that are due. */
  pump(): void {
    const now = this.schedulerNow();
    if (now > this.o.scheduler.now()) this.o.scheduler.runUntil(now);
  }

  private schedulePump(): void {
    if (this.closed) return;
    const next = this.o.scheduler.nextTimer();
    const ms = next === Infinity ? 20 : Math.min(20, Math.max(0, (next - this.schedulerNow()) / 1e6));
    this.pumpTimer = setTimeout(() => { this.pump(); this.schedulePump(); }, ms);
  }

  /**
   * Run a guest's VCPUs on the workers from now on: VCPU i on the least loaded worker among those of the host CPUs
   * (indices) it may run on, `hostCpus(i)`. Its RAM must be shared (the guest was built for parallel mode). Every VCPU
   * that can run starts.
   */
  adopt(guest: GuestInstance, hostCpus: (vcpu: number) => readonly number[]): void {
    const shared = guest.parallelBuffers();
    if (!shared) throw new Error(`${guest.name} was not built for parallel mode`);
    if (shared.area.rings.length !== this.workers.length) throw new Error(`${guest.name} was built for ${shared.area.rings.length} workers, not ${this.workers.length}`);
    const id = this.nextId++;
    const queued = guest.vcpus.map((v) => guest.isVcpuQueued(v.index));
    const g: EngineGuest = {
      id, guest, ctl: new Int32Array(shared.area.ctl), placement: guest.vcpus.map((v) => this.place(hostCpus(v.index))),
      // A VCPU that can run but is not queued waits in WFI for its timer or an interrupt.
      away: guest.vcpus.map(() => false), sleeping: guest.vcpus.map((v) => v.state.runnable && !queued[v.index]),
    };
    // From here the scheduler runs none of its VCPUs: interrupts and wake-ups come to this engine.
    guest.goRemote({
      post: (vcpu, bits) => { Atomics.or(g.ctl, vcpu * VCPU_WORDS + Word.Posted, bits); this.wake(g, vcpu); },
      wake: (vcpu) => this.wake(g, vcpu),
      externalInterrupt: (vcpu, level) => {
        Atomics.store(g.ctl, vcpu * VCPU_WORDS + Word.Seip, level ? 1 : 0);
        if (level) this.wake(g, vcpu);
      },
      restarted: (vcpu) => { g.sleeping[vcpu] = false; },
    });
    this.pump();
    const clockBase = this.syncClock(guest);
    const nsPerTick = 1e9 / guest.clock.timebaseFrequency;
    this.guests.set(id, g);
    this.byInstance.set(guest, g);
    for (const port of this.ports) {
      this.post(port, {
        t: 'guest', guest: {
          id, name: guest.name, regions: shared.regions, memory: shared.memory, dirty: shared.dirty, shared: shared.area,
          vcpuCount: guest.vcpus.length, clockBase, nsPerTick, instructionsPerTick: guest.vcpus[0]!.hart.instructionsPerTick,
          unmapped: guest.unmapped,
          wasm: shared.wasm ? { memory: shared.wasm, areas: shared.workerAreas, after: guest.vcpus[0]!.hart.code.wasmAfter } : undefined,
          devices: postedRegions(guest),
        },
      });
    }
    // Interrupts already pending here travel in the shared words.
    for (const v of guest.vcpus) {
      if (v.hart.seip) Atomics.store(g.ctl, v.index * VCPU_WORDS + Word.Seip, 1);
      if (guest.takeInterrupts(v.index) & IRQ_SOFTWARE) Atomics.or(g.ctl, v.index * VCPU_WORDS + Word.Posted, IRQ_SOFTWARE);
      if (v.state.runnable) this.activate(g, v.index);
    }
  }

  /** The worker VCPU `vcpu` of `guest` is placed on (it runs there whenever it runs), if the guest is here. */
  workerOf(guest: GuestInstance, vcpu: number): number | undefined {
    return this.byInstance.get(guest)?.placement[vcpu];
  }

  /** VCPUs placed on each worker (for placement: the least loaded first). */
  private readonly load: number[] = [];

  /** The least loaded worker of these host CPUs (host CPU c is in group c mod workers). */
  private place(hostCpus: readonly number[]): number {
    const n = this.workers.length;
    const candidates = hostCpus.length ? [...new Set(hostCpus.map((c) => c % n))] : [...Array(n).keys()];
    let best = candidates[0]!;
    for (const w of candidates) if ((this.load[w] ?? 0) < (this.load[best] ?? 0)) best = w;
    this.load[best] = (this.load[best] ?? 0) + 1;
    return best;
  }

  /**
   * Guest time goes on from the latest any hart or device of the guest saw, following the host's clock from here:
   * the clock here set so, and the host ns of guest time 0 returned (the workers' WallClock base).
   */
  private syncClock(guest: GuestInstance): number {
    const clock = guest.clock;
    const nsPerTick = 1e9 / clock.timebaseFrequency;
    clock.goLive(undefined);
    const ticks = Math.max(clock.ticks(), ...guest.vcpus.map((v) => v.hart.time()));
    // One instant for both: device timers (scheduler time) and the harts' clock (host time) agree exactly, so an
    // alarm never fires before the time it was set for as the guest reads it.
    const now = hostNs();
    const sched = this.schedStart + (now - this.hostStart);
    clock.restore({ originNs: sched - ticks * nsPerTick, watermark: ticks, hostNs: sched });
    const base = now - ticks * nsPerTick;
    clock.goLive(new WallClock(base, nsPerTick));
    return base;
  }

  /** The VCPU may have something to do: a worker runs it (if it can run), or is rung. */
  private wake(g: EngineGuest, vcpu: number): void {
    const v = g.guest.vcpus[vcpu];
    if (!v) return;
    if (g.away[vcpu]) { this.ring(g.placement[vcpu]!); return; }
    if (v.state.runnable && g.guest.running() && !this.held) this.activate(g, vcpu);
  }

  private activate(g: EngineGuest, vcpu: number): void {
    const v = g.guest.vcpus[vcpu]!;
    const w = g.placement[vcpu]!;
    g.away[vcpu] = true;
    v.hsm = HartState.Started;
    this.post(this.ports[w]!, { t: 'activate', guest: g.id, vcpu, hart: saveHart(v.hart), sleeping: g.sleeping[vcpu]! });
    g.sleeping[vcpu] = false;
    this.ring(w);
  }

  private ring(w: number): void {
    Atomics.add(this.bells, w, 1);
    Atomics.notify(this.bells, w);
  }

  private post(port: MessagePort, m: ToWorker): void {
    port.postMessage(m);
  }

  /** Every VCPU of `guest` (of every guest when undefined) back here, with its state. */
  park(guest?: GuestInstance): Promise<void> {
    const g = guest ? this.byInstance.get(guest) : undefined;
    if (guest && !g) return Promise.resolve();
    const token = this.nextToken++;
    this.held = true;
    return new Promise((resolve) => {
      this.parks.set(token, { waiting: this.workers.length, done: resolve });
      for (let w = 0; w < this.workers.length; w++) {
        this.post(this.ports[w]!, { t: 'park', guest: g?.id, token });
        this.ring(w);
      }
    });
  }

  /** Back to the workers, after `park`: every VCPU that can run. */
  resume(guest?: GuestInstance): void {
    this.held = false;
    this.pump();
    for (const g of this.guests.values()) {
      if (!guest || g.guest === guest) {
        // While parked, anything may have changed: RAM (a load), the clock (a reset), the harts.
        const clockBase = this.syncClock(g.guest);
        for (let w = 0; w < this.workers.length; w++) {
          this.post(this.ports[w]!, { t: 'code-changed', guest: g.id });
          this.post(this.ports[w]!, { t: 'clock', guest: g.id, clockBase });
        }
      }
      // (Other guests' VCPUs woken while this one was parked, too.)
      for (const v of g.guest.vcpus) if (!g.away[v.index] && v.state.runnable && g.guest.running()) this.activate(g, v.index);
    }
  }

  /** A guest is gone (destroyed): the workers forget it. Park it first. */
  forget(guest: GuestInstance): void {
    const g = this.byInstance.get(guest);
    if (!g) return;
    for (const port of this.ports) this.post(port, { t: 'forget', guest: g.id });
    for (const w of g.placement) this.load[w]! -= 1;
    this.guests.delete(g.id);
    this.byInstance.delete(guest);
  }

  /** Park everything and stop the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.failure === undefined) await this.park();
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pump();
    for (let w = 0; w < this.workers.length; w++) { this.post(this.ports[w]!, { t: 'exit' }); this.ring(w); }
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.ports) p.close();
  }

  private reply(g: EngineGuest, vcpu: number, status: ReplyStatus, lo = 0, hi = 0): void {
    const base = vcpu * VCPU_WORDS;
    Atomics.store(g.ctl, base + Word.ReplyLo, lo | 0);
    Atomics.store(g.ctl, base + Word.ReplyHi, hi | 0);
    Atomics.store(g.ctl, base + Word.Reply, status);
    Atomics.notify(g.ctl, base + Word.Reply);
  }

  private readonly mmioOut = { lo: 0, hi: 0 };

  private handle(m: FromWorker): void {
    if (m.t === 'failed') { this.failure ??= m.error; this.o.onEvent?.(undefined); return; }
    if (m.t === 'parked') {
      // The workers' code statistics count in the guest's own cache (which runs nothing in parallel mode).
      for (const c of m.code) {
        const code = this.guests.get(c.guest)?.guest.vcpus[0]?.hart.code;
        if (code) { code.decoded += c.decoded; code.compiledElsewhere += c.compiled; }
      }
      this.parked(m.token, m.vcpus);
      return;
    }
    const g = this.guests.get(m.guest);
    if (!g) return;
    const guest = g.guest;
    switch (m.t) {
      case 'mmio': {
        this.pump();
        const out = this.mmioOut;
        const ok = m.write ? guest.aspace.write(m.addrLo, m.addrHi, m.size, m.dataLo, m.dataHi) : guest.aspace.read(m.addrLo, m.addrHi, m.size, out);
        this.reply(g, m.vcpu, ok ? ReplyStatus.Ok : ReplyStatus.NoDevice, m.write ? 0 : out.lo, m.write ? 0 : out.hi);
        if (!guest.running()) this.o.onEvent?.(guest);
        return;
      }
      case 'mmio-posted':
        this.pump();
        guest.aspace.write(m.addrLo, m.addrHi, m.size, m.dataLo, m.dataHi);
        Atomics.add(this.acks, m.worker, 1);
        Atomics.notify(this.acks, m.worker);
        if (!guest.running()) this.o.onEvent?.(guest);
        return;
      case 'out': guest.sbi.putBytes?.(m.bytes); return;
      case 'getc': this.reply(g, m.vcpu, ReplyStatus.Ok, guest.sbi.getByte()); return;
      case 'reset':
        guest.sbi.systemReset(m.type, m.reason);
        this.reply(g, m.vcpu, ReplyStatus.Ok);
        this.o.onEvent?.(guest);
        return;
      case 'hsm-start': this.reply(g, m.vcpu, ReplyStatus.Ok, guest.sbi.hsm!.start(m.target, m.addr, m.opaque)); return;
      case 'hsm-status': this.reply(g, m.vcpu, ReplyStatus.Ok, guest.sbi.hsm!.status(m.target) ?? -1); return;
      case 'hsm-stop':
        g.away[m.vcpu] = false;
        g.sleeping[m.vcpu] = false;
        guest.sbi.hsm!.stop(guest.vcpus[m.vcpu]!.hart);
        this.reply(g, m.vcpu, ReplyStatus.Ok);
        return;
      case 'halt': {
        const v = guest.vcpus[m.vcpu]!;
        g.away[m.vcpu] = false;
        restoreHart(v.hart, m.hart);
        guest.halt(v, m.reason);
        this.o.onEvent?.(guest);
        return;
      }
    }
  }

  private parked(token: number, vcpus: readonly ParkedVcpu[]): void {
    for (const p of vcpus) {
      const g = this.guests.get(p.guest);
      const v = g?.guest.vcpus[p.vcpu];
      if (!g || !v) continue;
      restoreHart(v.hart, p.hart);
      g.away[p.vcpu] = false;
      g.sleeping[p.vcpu] = p.sleeping;
    }
    const park = this.parks.get(token);
    if (park && --park.waiting === 0) {
      this.parks.delete(token);
      this.pump();
      park.done();
    }
  }
}
