/**
 * A worker thread of parallel mode: it runs the VCPUs the main thread hands it, round robin in chunks, over the
 * guests' shared RAM, and sends the main thread what only it can do (MMIO to its devices, the SBI console, HSM
 * bookkeeping, halts). Between chunks it takes interrupts posted to its VCPUs, fences asked of them, code pages other
 * threads changed, and control messages; with nothing to run it sleeps on its doorbell until a timer or a message.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { RamBus } from '../../aspace/ram-bus.js';
import { Exit } from '../../vcpu/riscv/exit.js';
import { Hart, IRQ_SOFTWARE, IRQ_TIMER } from '../../vcpu/riscv/hart.js';
import { saveHart, restoreHart } from '../../vcpu/riscv/hart-state.js';
import { CodeCache } from '../../vcpu/riscv/translate.js';
import { HART_AREA_BYTES } from '../../vcpu/riscv/hart-area.js';
import { handleSbiCall, SbiError, type SbiPlatform } from '../sbi/sbi.js';
import { WallClock, hostNs } from './live-clock.js';
import { Fence, ReplyStatus, SharedCode, VCPU_WORDS, Word } from './shared-area.js';
import type { FromWorker, ParkedVcpu, ToWorker, WorkerGuestSpec } from './messages.js';
import type { SavedState } from '../../state/saved-state.js';

/** Instructions a VCPU runs before its worker looks at interrupts, fences, messages and its other VCPUs. */
export const CHUNK = 16_384;

export interface WorkerInit {
  /** This worker's index (thread index + 1 in code sharing). */
  readonly index: number;
  /** A doorbell per worker: bumped and notified whenever there is something for it. */
  readonly bells: SharedArrayBuffer;
  /** The word guest FENCEs update atomically (a full barrier). */
  readonly barrier: SharedArrayBuffer;
  /** A word per worker: device stores of that worker the main thread has done (posted MMIO writes). */
  readonly acks: SharedArrayBuffer;
  /** Control messages from the main thread (polled, never listened to). */
  readonly port: MessagePort;
}

class VcpuHere {
  /** The SBI call just handled was an HSM retentive suspend. */
  suspended = false;
  /** The SBI call just handled stopped the hart (HSM hart_stop): drop it. */
  stopped = false;
  readonly platform: SbiPlatform;

  constructor(
    readonly index: number,
    readonly hart: Hart,
    /** Waiting in WFI (or an HSM suspend) for an interrupt. */
    public sleeping: boolean,
    platform: (v: VcpuHere) => SbiPlatform,
  ) {
    this.platform = platform(this);
  }
}

interface GuestHere {
  readonly spec: WorkerGuestSpec;
  readonly bus: RamBus;
  readonly code: CodeCache;
  readonly sharing: SharedCode;
  clock: WallClock;
  readonly ctl: Int32Array;
  readonly harts: (Hart | undefined)[];
  /** The VCPUs this worker runs now. */
  active: VcpuHere[];
  /** Code cache statistics as last reported to the main thread. */
  reported: { decoded: number; compiled: number };
}

export class ParallelWorker {
  private readonly guests = new Map<number, GuestHere>();
  private readonly bells: Int32Array;
  private readonly barrier: Int32Array;
  private readonly acks: Int32Array;
  /** Device stores this worker posted (the main thread acknowledges them in `acks`). */
  private posted = 0;
  private exiting = false;

  constructor(private readonly init: WorkerInit, private readonly send: (m: FromWorker) => void) {
    this.bells = new Int32Array(init.bells);
    this.barrier = new Int32Array(init.barrier);
    this.acks = new Int32Array(init.acks);
  }

  /** Wait until the main thread did every device store this worker posted (a FENCE orders them before what follows). */
  private readonly drainPosted = (): void => {
    const me = this.init.index;
    for (;;) {
      const done = Atomics.load(this.acks, me);
      if (done === this.posted) return;
      Atomics.wait(this.acks, me, done, 5);
    }
  };

  /** Run until told to exit. */
  run(): void {
    const me = this.init.index;
    while (!this.exiting) {
      const bell = Atomics.load(this.bells, me);
      this.poll();
      if (this.exiting) break;
      let ran = false;
      let waitMs = Infinity;
      for (const g of this.guests.values()) {
        if (g.sharing.pending()) this.drain(g);
        for (const v of [...g.active]) {
          this.service(g, v);
          if (v.sleeping) {
            if (!v.hart.interruptPending()) {
              waitMs = Math.min(waitMs, this.msUntilTimer(g, v));
              continue;
            }
            v.sleeping = false;
          }
          this.runChunk(g, v);
          ran = true;
        }
      }
      if (!ran && !this.exiting) Atomics.wait(this.bells, me, bell, waitMs === Infinity ? 1000 : Math.max(0, waitMs));
    }
  }

  private poll(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.init.port);
      if (m === undefined) return;
      this.control(m.message as ToWorker);
    }
  }

  private control(m: ToWorker): void {
    switch (m.t) {
      case 'guest': this.addGuest(m.guest); return;
      case 'activate': this.activate(m.guest, m.vcpu, m.hart, m.sleeping); return;
      case 'park': {
        const vcpus: ParkedVcpu[] = [];
        const code: { guest: number; decoded: number; compiled: number }[] = [];
        for (const g of this.guests.values()) {
          if (m.guest !== undefined && g.spec.id !== m.guest) continue;
          for (const v of g.active) vcpus.push(this.park(g, v));
          g.active = [];
          code.push({ guest: g.spec.id, decoded: g.code.decoded - g.reported.decoded, compiled: g.code.compiled - g.reported.compiled });
          g.reported = { decoded: g.code.decoded, compiled: g.code.compiled };
        }
        this.send({ t: 'parked', token: m.token, vcpus, code });
        return;
      }
      case 'forget': this.guests.delete(m.guest); return;
      case 'code-changed': this.guests.get(m.guest)?.code.dropAll(); return;
      case 'clock': {
        const g = this.guests.get(m.guest);
        if (!g) return;
        g.clock = new WallClock(m.clockBase, g.spec.nsPerTick);
        for (const h of g.harts) if (h) h.liveClock = g.clock;
        return;
      }
      case 'exit': this.exiting = true; return;
    }
  }

  private addGuest(spec: WorkerGuestSpec): void {
    const wasm = spec.wasm;
    const bus = new RamBus(spec.regions, { shared: { memory: spec.memory, dirty: spec.dirty, wasm: wasm?.memory } });
    const sharing = new SharedCode(spec.shared, this.init.index + 1);
    const code = new CodeCache(bus.memory, { sharing, wasm: wasm ? { memory: wasm.memory, after: wasm.after } : undefined });
    const g: GuestHere = {
      spec, bus, code, sharing, clock: new WallClock(spec.clockBase, spec.nsPerTick), ctl: new Int32Array(spec.shared.ctl),
      harts: new Array<Hart | undefined>(spec.vcpuCount).fill(undefined), active: [], reported: { decoded: 0, compiled: 0 },
    };
    code.fenceI = () => { if (sharing.pending()) this.drain(g); };
    this.guests.set(spec.id, g);
  }

  private activate(guest: number, index: number, state: SavedState, sleeping: boolean): void {
    const g = this.guests.get(guest);
    if (!g || g.active.some((v) => v.index === index)) return;
    let h = g.harts[index];
    if (!h) {
      const areas = g.spec.wasm?.areas;
      const area = areas === undefined ? undefined : { buffer: g.bus.memory, offset: areas + index * HART_AREA_BYTES };
      h = new Hart(g.bus, { hartId: index, instructionsPerTick: g.spec.instructionsPerTick, code: g.code, area });
      g.harts[index] = h;
    }
    restoreHart(h, state);
    h.liveClock = g.clock;
    h.barrier = this.barrier;
    h.onFence = this.drainPosted;
    h.resValid = false;
    h.flushTlb();
    h.refreshTimer();
    const v = new VcpuHere(index, h, sleeping, (self) => this.platform(g, self));
    Atomics.store(g.ctl, index * VCPU_WORDS + Word.Where, this.init.index + 1);
    g.active.push(v);
  }

  /** Hand a VCPU back: its state with the clock as the main thread keeps it (instruction-driven from now). */
  private park(g: GuestHere, v: VcpuHere): ParkedVcpu {
    const h = v.hart;
    const now = g.clock.ticks();
    h.liveClock = undefined;
    h.setTime(now, now);
    const hart = saveHart(h);
    h.liveClock = g.clock;
    Atomics.store(g.ctl, v.index * VCPU_WORDS + Word.Where, 0);
    return { guest: g.spec.id, vcpu: v.index, hart, sleeping: v.sleeping };
  }

  private drop(g: GuestHere, v: VcpuHere): void {
    g.active = g.active.filter((a) => a !== v);
    Atomics.store(g.ctl, v.index * VCPU_WORDS + Word.Where, 0);
  }

  /** Code pages other threads changed or started translating. */
  private drain(g: GuestHere): void {
    g.sharing.drain(
      (page) => g.code.dropPage(page),
      (page) => g.code.protectPage(page),
      () => { g.code.dropAll(); for (const h of g.harts) h?.wtlb.flush(); },
    );
  }

  /** Posted interrupts, the SEIP line, fences asked of the VCPU, its timer. */
  private service(g: GuestHere, v: VcpuHere): void {
    const h = v.hart, base = v.index * VCPU_WORDS, ctl = g.ctl;
    if (Atomics.load(ctl, base + Word.Posted) !== 0 && (Atomics.exchange(ctl, base + Word.Posted, 0) & IRQ_SOFTWARE) !== 0) h.raiseSoftwareInterrupt();
    const seip = Atomics.load(ctl, base + Word.Seip) !== 0;
    if (seip !== h.seip) h.setExternalInterrupt(seip);
    const fence = Atomics.load(ctl, base + Word.Fence);
    if (fence !== 0) {
      h.flushTlb();
      this.drain(g);
      Atomics.and(ctl, base + Word.Fence, ~fence);
      Atomics.notify(ctl, base + Word.Fence);
    }
    h.refreshTimer();
  }

  /** Fences asked of every VCPU here (while this worker waits for another's: two workers fencing each other). */
  private serviceFences(): void {
    for (const g of this.guests.values()) {
      for (const v of g.active) {
        if (Atomics.load(g.ctl, v.index * VCPU_WORDS + Word.Fence) !== 0) this.service(g, v);
      }
    }
  }

  private msUntilTimer(g: GuestHere, v: VcpuHere): number {
    const h = v.hart;
    if ((h.sie & IRQ_TIMER) === 0) return Infinity;
    const at = h.nextTimerEvent();
    return at === Infinity ? Infinity : (g.clock.hostNsAt(at) - hostNs()) / 1e6;
  }

  private runChunk(g: GuestHere, v: VcpuHere): void {
    const h = v.hart;
    const exit = h.run(CHUNK);
    switch (exit) {
      case Exit.Budget: return;
      case Exit.Ecall:
        handleSbiCall(h, v.platform);
        if (v.stopped) { this.drop(g, v); return; }
        if (v.suspended) { v.suspended = false; v.sleeping = true; }
        return;
      case Exit.Wfi: v.sleeping = true; return;
      case Exit.Mmio: {
        const m = h.mmio;
        if (m.write && m.addrHi === 0 && isDevice(g.spec.devices, m.addrLo >>> 0, m.size)) {
          // Posted, as a bus posts writes: the device sees it in order with this worker's later accesses.
          this.posted = (this.posted + 1) | 0;
          this.send({ t: 'mmio-posted', guest: g.spec.id, worker: this.init.index, addrLo: m.addrLo, addrHi: 0, size: m.size, dataLo: m.dataLo, dataHi: m.dataHi });
          h.completeMmio(0, 0);
          return;
        }
        const status = this.request(g, v, {
          t: 'mmio', guest: g.spec.id, vcpu: v.index, addrLo: m.addrLo, addrHi: m.addrHi, size: m.size, write: m.write,
          dataLo: m.dataLo, dataHi: m.dataHi,
        });
        const base = v.index * VCPU_WORDS;
        if (status === ReplyStatus.Ok) h.completeMmio(Atomics.load(g.ctl, base + Word.ReplyLo), Atomics.load(g.ctl, base + Word.ReplyHi));
        else if (g.spec.unmapped === 'fault') h.failMmio();
        else this.halt(g, v, `${m.write ? 'store to' : 'load from'} 0x${hex64(m.addrHi, m.addrLo)}, which is in no region of ${g.spec.name}`);
        return;
      }
      case Exit.FetchFault: {
        if (g.spec.unmapped === 'fault') { h.failFetch(); return; }
        const a = h.fetchFaultAddress();
        this.halt(g, v, `instruction fetch from 0x${hex64(a.hi, a.lo)}, which is not RAM or ROM of ${g.spec.name}`);
        return;
      }
      case Exit.TrapLoop:
        this.halt(g, v, `endless trap loop (scause 0x${hex64(h.scauseHi, h.scauseLo)}, stval 0x${hex64(h.stvalHi, h.stvalLo)})`);
        return;
      default:
        this.halt(g, v, `unexpected exit ${exit} in parallel mode`);
    }
  }

  private halt(g: GuestHere, v: VcpuHere, reason: string): void {
    this.drop(g, v);
    this.send({ t: 'halt', guest: g.spec.id, vcpu: v.index, reason, hart: this.park(g, v).hart });
  }

  /** Send a request and wait for the main thread's reply (it never waits for a worker, so this cannot deadlock). */
  private request(g: GuestHere, v: VcpuHere, m: FromWorker): number {
    const slot = v.index * VCPU_WORDS + Word.Reply;
    Atomics.store(g.ctl, slot, ReplyStatus.Pending);
    this.send(m);
    while (Atomics.load(g.ctl, slot) === ReplyStatus.Pending) {
      Atomics.wait(g.ctl, slot, ReplyStatus.Pending, 5);
      this.serviceFences();
    }
    return Atomics.load(g.ctl, slot);
  }

  private replyLo(g: GuestHere, v: VcpuHere): number {
    return Atomics.load(g.ctl, v.index * VCPU_WORDS + Word.ReplyLo);
  }

  private ring(vcpuWhere: number): void {
    if (vcpuWhere <= 0) return;
    Atomics.add(this.bells, vcpuWhere - 1, 1);
    Atomics.notify(this.bells, vcpuWhere - 1);
  }

  /** The SBI as the VCPU's calls see it here: local where the answer is in shared memory, else a request. */
  private platform(g: GuestHere, v: VcpuHere): SbiPlatform {
    const id = g.spec.id;
    const ids = Array.from({ length: g.spec.vcpuCount }, (_, i) => i);
    const me = this.init.index + 1;
    /** A remote fence: flush the target's TLB and take the code pages other threads changed. */
    const remoteFence = (target: number): void => {
      if (target < 0 || target >= ids.length) return;
      const here = g.active.find((a) => a.index === target);
      if (here) { here.hart.flushTlb(); this.drain(g); return; }
      const base = target * VCPU_WORDS;
      const where = Atomics.load(g.ctl, base + Word.Where);
      if (where === 0) return; // not running anywhere: it starts with empty TLBs
      Atomics.or(g.ctl, base + Word.Fence, Fence.Tlb);
      this.ring(where);
      // As OpenSBI, return once the target has flushed (or stopped running).
      for (;;) {
        const pending = Atomics.load(g.ctl, base + Word.Fence);
        if ((pending & Fence.Tlb) === 0 || Atomics.load(g.ctl, base + Word.Where) === 0) return;
        this.serviceFences();
        Atomics.wait(g.ctl, base + Word.Fence, pending, 1);
      }
    };
    return {
      putByte: (b) => this.send({ t: 'out', guest: id, bytes: Uint8Array.of(b) }),
      putBytes: (bytes) => { if (bytes.length > 0) this.send({ t: 'out', guest: id, bytes: bytes.slice() }); },
      getByte: () => { this.request(g, v, { t: 'getc', guest: id, vcpu: v.index }); return this.replyLo(g, v); },
      readMemory: (pa, length) => g.bus.read(pa, length),
      writeMemory: (pa, data) => {
        const ok = g.bus.write(pa, data);
        if (ok) g.code.invalidateRange(g.bus.offsetOf(pa), data.length);
        return ok;
      },
      systemReset: (type, reason) => { this.request(g, v, { t: 'reset', guest: id, vcpu: v.index, type, reason }); },
      hartIds: () => ids,
      sendIpi: (target) => {
        if (target < 0 || target >= ids.length) return;
        const base = target * VCPU_WORDS;
        Atomics.or(g.ctl, base + Word.Posted, IRQ_SOFTWARE);
        const where = Atomics.load(g.ctl, base + Word.Where);
        if (where !== me) this.ring(where);
      },
      // Both flush the target's TLB and take the code pages other threads changed (fence.i needs only the second).
      remoteFenceI: (target) => remoteFence(target),
      remoteSfenceVma: (target) => remoteFence(target),
      implVersion: 1,
      hsm: {
        start: (target, addr, opaque) => {
          this.request(g, v, { t: 'hsm-start', guest: id, vcpu: v.index, target, addr, opaque });
          return this.replyLo(g, v);
        },
        stop: () => {
          this.request(g, v, { t: 'hsm-stop', guest: id, vcpu: v.index });
          v.stopped = true;
          return SbiError.Success;
        },
        status: (target) => {
          this.request(g, v, { t: 'hsm-status', guest: id, vcpu: v.index, target });
          const s = this.replyLo(g, v);
          return s < 0 ? undefined : s;
        },
        suspend: () => { v.suspended = true; },
      },
    };
  }
}

/** Whether [pa, pa + size) lies in one device region. */
function isDevice(devices: readonly (readonly [number, number])[], pa: number, size: number): boolean {
  for (const [base, end] of devices) if (pa >= base && pa + size <= end) return true;
  return false;
}

const hex64 = (hi: number, lo: number): string =>
  ((hi >>> 0) ? (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : (lo >>> 0).toString(16));
