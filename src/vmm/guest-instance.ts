/**
 * A created guest: its address space with devices, its interrupt lines, one clock, one hart and VCPU state machine
 * per VCPU, the SBI it is offered, and its task set in the scheduler (the VM control task, then one task per VCPU
 * running the VCPU loop). Anything the runtime cannot handle HALTS that VCPU with a reason; other VCPUs and guests
 * go on.
 */
import { AddressSpace } from '../aspace/address-space.js';
import type { MemoryRegionSpec } from '../aspace/ram-bus.js';
import type { DeviceContext, IrqLine, MmioDevice } from '../devices/device.js';
import type { EmulatorInfo } from '../devices/registry.js';
import { ChipLine, IrqRouter, type IrqChip } from '../devices/irq.js';
import { Hart, IRQ_SOFTWARE } from '../vcpu/riscv/hart.js';
import { CodeCache } from '../vcpu/riscv/translate.js';
import { HART_AREA_BYTES } from '../vcpu/riscv/hart-area.js';
import { VcpuState, VcpuStateMachine } from '../vcpu/state.js';
import type { Scheduler } from '../sched/scheduler.js';
import type { Supervisor } from '../sched/supervisor.js';
import type { Task, TaskSet } from '../sched/task.js';
import { HartState, type SbiPlatform } from './sbi/sbi.js';
import type { GuestConfig, RegionConfig } from './config/types.js';
import { MAX_VCPUS } from './config/guest-load.js';
import { guestDtb, type GuestFdtOptions } from './guest-fdt.js';
import { isElf, parseElf } from './elf.js';
import { GuestClock } from './guest-clock.js';
import { guestSbi } from './guest-sbi.js';
import { logInterrupts, runVcpu, type EventLog, type UnmappedAccess, type VcpuDebugger, type VcpuLoopGuest } from './vcpu-loop.js';
import type { Vcpu } from './vcpu.js';
import { saveHart, restoreHart } from '../vcpu/riscv/hart-state.js';
import { arr, asObject, bool, int, ints, num, SavedStateError, str, type SavedObject, type SavedState } from '../state/saved-state.js';
import { createSharedGuest, SharedCode, type SharedGuestBuffers } from './parallel/shared-area.js';
import { busOrder } from '../aspace/address-space.js';

export type { Vcpu } from './vcpu.js';

const TWO32 = 4294967296;
/** Bytes typed into the SBI console that wait for the guest to read them. */
const SBI_INPUT_LIMIT = 4096;

/** Most VCPUs a guest may have (the cap of `vfs guest_fdt_load`, `run --vcpus` and validate). */
export const MAX_GUEST_VCPUS = MAX_VCPUS;
/** Most regions (memory and devices) a guest may have. */
export const MAX_GUEST_REGIONS = 4096;

/** Refuse a guest whose counts are beyond the runtime's limits, before anything is allocated for it. */
export function checkGuestLimits(config: GuestConfig, vcpuCount?: number): void {
  const count = Math.max(1, vcpuCount ?? config.vcpus.length);
  if (!Number.isSafeInteger(count) || count > MAX_GUEST_VCPUS) throw new RangeError(`${config.name}: ${count} VCPUs is more than the ${MAX_GUEST_VCPUS} a guest may have`);
  if (config.regions.length > MAX_GUEST_REGIONS) throw new RangeError(`${config.name}: ${config.regions.length} regions is more than the ${MAX_GUEST_REGIONS} a guest may have`);
}

/** Builds a device for a region, or undefined when the emulator is not available. */
export type DeviceBuilder = (emulator: EmulatorInfo, ctx: DeviceContext) => (MmioDevice & Partial<IrqChip> & { numIrq?: number }) | undefined;

export interface GuestOptions {
  readonly scheduler: Scheduler;
  readonly supervisor: Supervisor;
  readonly timebaseFrequency: number;
  /** Retired instructions per timer tick (virtual time). */
  readonly instructionsPerTick: number;
  /** VCPUs (default: the configuration's; at least 1). */
  readonly vcpuCount?: number;
  /** Kernel command line; overrides the guest's own `bootargs`. */
  readonly bootargs?: string;
  /** Console output of a vserial (`<guest>/<device>`, or `<guest>/sbi` for the SBI console). */
  readonly output: (vserial: string, bytes: Uint8Array) => void;
  readonly buildDevice: DeviceBuilder;
  readonly files?: DeviceContext['files'];
  /** Wall-clock time (ns since the Unix epoch) of guest time 0, for the RTC. */
  readonly wallClockEpochNs?: bigint;
  /** Host CPUs VCPU `i` may run on (default: its configured affinity). */
  readonly affinity?: (vcpu: number) => readonly number[] | undefined;
  /** What an access to no region does (default 'halt'). */
  readonly unmapped?: UnmappedAccess;
  /** Most instructions per `Hart.run` call (default: unlimited; 1 single-steps). */
  readonly stepLimit?: number;
  /**
   * Runs of a block before the wasm tier takes it (default DEFAULT_WASM_AFTER; 1 from its first run; Infinity: no wasm
   * tier).
   */
  readonly wasmAfter?: number;
  /** The event log (`--log`), if one is kept. */
  readonly log?: EventLog;
  /** Build the guest for parallel mode (RAM and code sharing in shared memory) for this many worker threads. */
  readonly parallel?: { readonly workers: number };
}

/** Where a guest's VCPUs are told of interrupts and wake-ups while worker threads run them (parallel mode). */
export interface RemoteVcpus {
  post(vcpu: number, bits: number): void;
  wake(vcpu: number): void;
  /** The VCPU's SEIP line (from the PLIC). */
  externalInterrupt(vcpu: number, level: boolean): void;
  /** The VCPU's hart was set to start afresh (a reset, an HSM start): it waits for nothing. */
  restarted(vcpu: number): void;
}

/** What a worker thread needs to share a guest's memory (parallel mode). */
export interface ParallelBuffers {
  readonly regions: readonly MemoryRegionSpec[];
  readonly memory: SharedArrayBuffer;
  readonly dirty: SharedArrayBuffer;
  /** The guest memory as a WebAssembly memory (the wasm tier), whose buffer `memory` is. */
  readonly wasm?: WebAssembly.Memory;
  /** Where the areas of the harts on worker threads start in `memory` (hart-area.ts), with the wasm tier. */
  readonly workerAreas: number;
  readonly area: SharedGuestBuffers;
}

export type GuestOutcome =
  | { readonly kind: 'running' }
  /** `how`: what the guest did, by name (e.g. "SBI SRST shutdown, reason system failure"). */
  | { readonly kind: 'shutdown'; readonly status: number; readonly how: string }
  | { readonly kind: 'reset'; readonly how: string };

/** SBI SRST reset types and reasons by name (SBI 2.0, chapter 10). */
const SRST_TYPES = ['shutdown', 'cold reboot', 'warm reboot'];
function srstReason(reason: number): string {
  if (reason === 0) return 'no reason';
  if (reason === 1) return 'system failure';
  if (reason >= 0xf0000000) return `vendor reason 0x${reason.toString(16)}`;
  if (reason >= 0xe0000000) return `SBI implementation reason 0x${reason.toString(16)}`;
  return `reserved reason 0x${reason.toString(16)}`;
}

/** A hart's local interrupts as an interrupt chip: line 9 (SEIP) from the PLIC, 1 (SSIP) posted as an IPI. */
class HartIntc implements IrqChip {
  constructor(readonly name: string, private readonly guest: GuestInstance, private readonly vcpu: number) {}

  handle(line: number, level: boolean): void {
    const v = this.guest.vcpus[this.vcpu];
    if (!v) return;
    if (line === 9) {
      v.hart.setExternalInterrupt(level);
      // In parallel mode the line also goes to the worker running the hart (which wakes it); else the VCPU wakes here.
      const remote = this.guest.remoteVcpus;
      if (remote) remote.externalInterrupt(this.vcpu, level);
      else if (level) this.guest.wake(this.vcpu);
    } else if (line === 1 && level) {
      this.guest.post(this.vcpu, IRQ_SOFTWARE);
    }
  }
}

export class GuestInstance implements VcpuLoopGuest {
  readonly aspace: AddressSpace;
  readonly vcpus: Vcpu[] = [];
  readonly devices: { name: string; region: RegionConfig; device: MmioDevice }[] = [];
  readonly clock: GuestClock;
  readonly irqs: IrqRouter;
  readonly sbi: SbiPlatform;
  readonly taskSet: TaskSet;
  /** VCPU tasks in VCPU order. */
  readonly tasks: readonly Task[];
  readonly nsPerInstruction: number;
  readonly stepLimit: number;
  readonly log: EventLog | undefined;
  /** The attached debugger (GDB stub), if any. */
  debugger: VcpuDebugger | undefined = undefined;
  readonly unmapped: UnmappedAccess;
  outcome: GuestOutcome = { kind: 'running' };
  private readonly inputs = new Map<string, (byte: number) => void>();
  /** How many more bytes each vserial takes now without losing any (where its device says). */
  private readonly inputRooms = new Map<string, () => number>();
  /** Bytes typed into the SBI console, not yet read by the guest. */
  private readonly sbiInput: number[] = [];
  private readonly scheduler: Scheduler;
  private readonly intcs: HartIntc[] = [];
  private dtb: Uint8Array;
  private dtbAddress = 0;
  private initrd: { start: number; end: number } | undefined;
  private yieldRequested = false;
  /** Console bytes printed since the VCPU loop last took them (it charges them virtual time). */
  private printed = 0;

  constructor(readonly config: GuestConfig, private readonly opts: GuestOptions) {
    checkGuestLimits(config, opts.vcpuCount);
    this.scheduler = opts.scheduler;
    this.nsPerInstruction = 1e9 / (opts.timebaseFrequency * opts.instructionsPerTick);
    this.stepLimit = opts.stepLimit ?? Infinity;
    this.log = opts.log;
    this.unmapped = opts.unmapped ?? 'halt';
    this.clock = new GuestClock(opts.timebaseFrequency, opts.scheduler);
    this.clock.restart(opts.scheduler.now());
    this.irqs = new IrqRouter(`${config.name}/irq`);
    const count = Math.max(1, opts.vcpuCount ?? config.vcpus.length);
    // The wasm tier wants RAM in a WebAssembly memory, with the harts' areas after it (vcpu/riscv/hart-area.ts): in
    // parallel mode twice as many, for the harts on worker threads.
    const areas = opts.wasmAfter === Infinity ? 0 : (opts.parallel ? 2 : 1) * count;
    this.aspace = new AddressSpace(memoryRegions(config),
      { shared: opts.parallel !== undefined, wasm: areas ? { reserve: areas * HART_AREA_BYTES } : undefined });
    const bus = this.aspace.bus;
    this.parallelArea = opts.parallel ? createSharedGuest(count, bus.memory.byteLength >>> 12, opts.parallel.workers) : undefined;
    const sharing = this.parallelArea ? new SharedCode(this.parallelArea, 0) : undefined;
    const code = new CodeCache(bus.memory, {
      sharing, wasm: bus.wasmMemory ? { memory: bus.wasmMemory, after: opts.wasmAfter } : undefined,
    });
    for (let i = 0; i < count; i++) {
      const v = config.vcpus[i];
      const area = bus.wasmMemory ? { buffer: bus.memory, offset: bus.reservedOffset + i * HART_AREA_BYTES } : undefined;
      const hart = new Hart(bus, { hartId: i, instructionsPerTick: opts.instructionsPerTick, code, area });
      const name = v?.name ?? `${config.name}/vcpu${i}`;
      this.vcpus.push({
        index: i, name, hart, state: new VcpuStateMachine(),
        poweroff: v ? v.poweroff : i > 0, haltReason: undefined, hsm: HartState.Stopped, suspended: false,
        wakeTimer: undefined, mmioOut: { lo: 0, hi: 0 },
      });
      this.intcs.push(new HartIntc(`${name}/intc`, this, i));
      if (this.log?.classes.has('irq')) logInterrupts(this, this.vcpus[i]!);
    }
    this.sbi = guestSbi({
      vcpus: this.vcpus, bus: this.aspace.bus,
      output: (bytes) => { this.printed += bytes.length; opts.output(`${this.name}/sbi`, bytes); },
      input: () => this.sbiInput.shift() ?? -1,
      systemReset: (type, reason) => {
        const how = `SBI SRST ${SRST_TYPES[type] ?? `type 0x${type.toString(16)}`}, ${srstReason(reason >>> 0)}`;
        this.outcome = type === 0 ? { kind: 'shutdown', status: reason === 0 ? 0 : 1, how } : { kind: 'reset', how };
      },
      post: (i, bits) => this.post(i, bits),
      wake: (i) => this.wake(i),
      enterSupervisor: (v, pc, a1) => this.enterSupervisor(v, pc, a1),
    });
    this.inputs.set(`${this.name}/sbi`, (b) => { if (this.sbiInput.length < SBI_INPUT_LIMIT) this.sbiInput.push(b); });
    this.inputRooms.set(`${this.name}/sbi`, () => SBI_INPUT_LIMIT - this.sbiInput.length);
    this.createDevices();
    this.dtb = this.makeDtb();
    for (const v of this.vcpus) v.state.request(VcpuState.Reset);
    this.taskSet = opts.supervisor.createGuest(config.name, () => ({ work: 0, next: 'idle' }), this.vcpus.map((v) => ({
      name: v.name,
      priority: config.vcpus[v.index]?.priority,
      affinity: opts.affinity?.(v.index) ?? config.vcpus[v.index]?.affinity,
      body: (budget: number, now: number) => runVcpu(this, v, budget, now),
    })));
    this.tasks = this.taskSet.members.slice(1);
    this.tasks.forEach((t, i) => { t.timeSlice = config.vcpus[i]?.timeSlice ?? t.timeSlice; });
    this.resetHarts();
  }

  get name(): string {
    return this.config.name;
  }

  private readonly parallelArea: SharedGuestBuffers | undefined;
  private remote: RemoteVcpus | undefined;

  /** Parallel mode: where interrupts and wake-ups of the VCPUs go while workers run them. */
  get remoteVcpus(): RemoteVcpus | undefined {
    return this.remote;
  }

  /** What worker threads need to run this guest (a guest built for parallel mode), else undefined. */
  parallelBuffers(): ParallelBuffers | undefined {
    const shared = this.aspace.bus.sharedBuffers();
    if (!shared || !this.parallelArea) return undefined;
    // The harts on worker threads have areas of their own, after those of the harts here.
    const workerAreas = this.aspace.bus.reservedOffset + this.vcpus.length * HART_AREA_BYTES;
    return { regions: busOrder(memoryRegions(this.config)), ...shared, workerAreas, area: this.parallelArea };
  }

  /**
   * Worker threads run the VCPUs from now on (parallel mode): the scheduler here runs none of them, and interrupts
   * and wake-ups go to `remote`.
   */
  goRemote(remote: RemoteVcpus): void {
    this.remote = remote;
    for (const v of this.vcpus) this.cancelWake(v);
    for (const t of this.tasks) this.scheduler.block(t);
  }

  /** Whether VCPU `i`'s task is on the scheduler's run queues. */
  isVcpuQueued(i: number): boolean {
    const t = this.tasks[i];
    return t !== undefined && this.scheduler.isRunnable(t);
  }

  running(): boolean {
    return this.outcome.kind === 'running';
  }

  nextEvent(): number {
    return this.scheduler.nextTimer();
  }

  /** Guest virtual time in ns. */
  now(): number {
    return this.clock.now();
  }

  /** The device tree the guest boots with. */
  private makeDtb(): Uint8Array {
    const fdt: GuestFdtOptions = {
      timebaseFrequency: this.opts.timebaseFrequency, vcpuCount: this.vcpus.length,
      bootargs: this.opts.bootargs ?? this.config.bootargs, initrd: this.initrd,
    };
    return guestDtb(this.config, fdt);
  }

  private createDevices(): void {
    for (const region of this.config.regions) {
      const emulator = region.emulator;
      if (!emulator) continue;
      const name = region.name;
      const attrs = region.node;
      const ctx: DeviceContext = {
        name, base: region.gpa, size: region.size, hartCount: this.vcpus.length,
        attributes: {
          u32: (n) => { const p = attrs.getProp(n); return p && p.value.length === 4 ? p.value.readU32(0) : undefined; },
          u64: (n) => {
            const p = attrs.getProp(n);
            if (!p) return undefined;
            if (p.value.length === 4) return p.value.readU32(0);
            return p.value.length === 8 ? p.value.readU32(0) * TWO32 + p.value.readU32(4) : undefined;
          },
          string: (n) => attrs.getProp(n)?.value.asString(),
          u32List: (n) => {
            const p = attrs.getProp(n);
            if (!p || p.value.length % 4 !== 0) return undefined;
            return Array.from({ length: p.value.length / 4 }, (_, i) => p.value.readU32(4 * i));
          },
        },
        irq: (n) => this.irqs.line(n),
        hartExternalIrq: (h): IrqLine => (this.intcs[h] ? new ChipLine(this.intcs[h], 9) : { set: () => {} }),
        clock: this.clock,
        memory: {
          read: (gpa, length) => this.aspace.bus.read(gpa, length),
          write: (gpa, data) => {
            const ok = this.aspace.bus.write(gpa, data);
            if (ok) this.invalidateCode(gpa, data.length);
            return ok;
          },
        },
        console: {
          write: (bytes) => { this.printed += bytes.length; this.opts.output(name, bytes); },
          onInput: (receive, room) => {
            this.inputs.set(name, receive);
            if (room) this.inputRooms.set(name, room);
          },
        },
        files: this.opts.files,
        wallClockEpochNs: this.opts.wallClockEpochNs,
        finish: (status, action) => {
          this.outcome = action === 'reset' ? { kind: 'reset', how: `${name}: reset`, }
            : { kind: 'shutdown', status, how: `${name}: ${status === 0 ? 'pass' : `fail with code ${status}`}` };
        },
      };
      const device = this.opts.buildDevice(emulator, ctx);
      if (!device) continue;
      // The interrupt controller takes the guest's interrupt lines (Xvisor registers its irqchip for each).
      if (emulator.deviceType === 'pic' && isIrqChip(device)) this.irqs.register(device, 1, device.numIrq ?? this.config.irqCount - 1);
      this.aspace.map(name, region.gpa, region.size, device);
      this.devices.push({ name, region, device });
    }
  }

  private invalidateCode(gpa: number, length: number): void {
    const off = this.aspace.bus.offsetOf(gpa);
    if (off >= 0) this.vcpus[0]!.hart.code.invalidateRange(off, length);
  }

  /** Names of the guest's serial consoles (vserials): its UARTs and consoles, then the SBI console. */
  vserials(): string[] {
    return [...this.inputs.keys()].filter((k) => k !== `${this.name}/sbi`).concat(`${this.name}/sbi`);
  }

  /** How many more bytes a vserial takes now without losing any (Infinity where its device does not say). */
  inputRoom(vserial: string): number {
    return this.inputRooms.get(vserial)?.() ?? Infinity;
  }

  /** Type a byte into a vserial. */
  input(vserial: string, byte: number): boolean {
    const receive = this.inputs.get(vserial);
    receive?.(byte);
    return receive !== undefined;
  }

  /** Load an ELF (at its addresses) or a raw image (at `gpa`, default VCPU 0's start_pc); returns the entry. */
  loadImage(image: Uint8Array, gpa?: number): number {
    let entry: number;
    if (isElf(image)) {
      const elf = parseElf(image);
      for (const seg of elf.segments) {
        if (!this.aspace.bus.write(seg.paddr, seg.data)) throw new RangeError(`ELF segment at 0x${seg.paddr.toString(16)} is outside guest memory`);
        this.invalidateCode(seg.paddr, seg.data.length);
      }
      entry = elf.entry;
    } else {
      const at = gpa ?? this.config.vcpus[0]?.startPc ?? 0x80000000;
      if (!this.aspace.bus.write(at, image)) throw new RangeError(`image of ${image.length} bytes does not fit guest memory at 0x${at.toString(16)}`);
      this.invalidateCode(at, image.length);
      entry = at;
    }
    return entry;
  }

  /**
   * Load an initial ramdisk as QEMU does for `-initrd`: half way into the first RAM region (at most 128 MiB in), clear
   * of the kernel below and the device tree above; /chosen gets linux,initrd-start and -end.
   */
  loadInitrd(data: Uint8Array): { start: number; end: number } {
    const ram = this.firstRam();
    if (!ram) throw new RangeError('the guest has no RAM for an initrd');
    // Half of RAM (at most 128 MiB in) leaves room for the kernel below, as QEMU's riscv_load_initrd does.
    const start = ram.gpa + Math.floor(Math.min(ram.size / 2, 128 * 1024 * 1024) / 4096) * 4096;
    if (start + data.length > this.dtbAddress && this.dtbAddress !== 0) throw new RangeError(`initrd of ${data.length} bytes does not fit below the device tree`);
    if (!this.aspace.bus.write(start, data)) throw new RangeError(`initrd of ${data.length} bytes does not fit guest memory`);
    this.initrd = { start, end: start + data.length };
    this.dtb = this.makeDtb();
    this.placeDtb();
    return this.initrd;
  }

  private firstRam(): RegionConfig | undefined {
    return this.config.regions.find((r) => r.memory && !r.memory.readOnly && r.memory.backing !== 'shared' && r.size >= 0x400000);
  }

  /** The DTB goes at the top of the first RAM region, 2 MiB aligned below its end, as QEMU places it. */
  private placeDtb(): void {
    const ram = this.firstRam();
    this.dtbAddress = ram ? Math.floor((ram.gpa + ram.size - this.dtb.length) / 0x200000) * 0x200000 : 0;
    if (this.dtbAddress) this.aspace.bus.write(this.dtbAddress, this.dtb);
  }

  /** A hart enters S mode at `pc` with a1 = `a1`, as firmware leaves it (OpenSBI grants the counters: scounteren 7). */
  enterSupervisor(v: Vcpu, pc: number, a1: number): void {
    const h = v.hart;
    h.reset(pc % TWO32, Math.floor(pc / TWO32));
    h.x[22] = a1 % TWO32 | 0;
    h.x[23] = Math.floor(a1 / TWO32);
    h.scounteren = 7;
    this.remote?.restarted(v.index);
  }

  /** Registers to their reset state: a0 = hart id, a1 = DTB, pc = start_pc (or `entry` for every VCPU). */
  resetHarts(entry?: number): void {
    this.placeDtb();
    for (const v of this.vcpus) {
      const pc = entry ?? this.config.vcpus[v.index]?.startPc ?? this.config.vcpus[0]?.startPc ?? 0x80000000;
      this.enterSupervisor(v, pc, this.dtbAddress);
      v.hsm = HartState.Stopped;
      v.haltReason = undefined;
      v.suspended = false;
      this.cancelWake(v);
    }
    this.sbiInput.length = 0;
    this.clock.restart(this.scheduler.now());
    for (const d of this.devices) d.device.reset();
  }

  /** Post interrupt bits to a VCPU (Hypatia's posted interrupts in the task-set area) and wake it. */
  post(vcpu: number, bits: number): void {
    if (this.remote) { this.remote.post(vcpu, bits); return; }
    this.taskSet.postInterrupt(vcpu + 1, bits); // member 0 is the VM control task
    this.yieldRequested = true;
    this.wake(vcpu);
  }

  takeConsoleBytes(): number {
    const n = this.printed;
    this.printed = 0;
    return n;
  }

  takeYield(): boolean {
    const y = this.yieldRequested;
    this.yieldRequested = false;
    return y;
  }

  takeInterrupts(vcpu: number): number {
    return this.taskSet.takeInterrupts(vcpu + 1);
  }

  /** The VCPU may have something to do (an interrupt, an HSM start, its timer): back on the run queue if runnable. */
  wake(vcpu: number): void {
    const v = this.vcpus[vcpu];
    const task = this.tasks?.[vcpu];
    if (!v || !task) return;
    if (this.remote) { this.remote.wake(vcpu); return; }
    this.cancelWake(v);
    if (v.state.runnable) this.scheduler.wake(task);
  }

  sleepUntil(vcpu: number, at: number): void {
    const v = this.vcpus[vcpu]!;
    this.cancelWake(v);
    v.wakeTimer = this.scheduler.setTimer(at, () => { v.wakeTimer = undefined; this.wake(vcpu); });
  }

  private cancelWake(v: Vcpu): void {
    if (v.wakeTimer !== undefined) this.scheduler.cancelTimer(v.wakeTimer);
    v.wakeTimer = undefined;
  }

  /**
   * The guest is being destroyed: its VCPU tasks leave the scheduler for good (the policy forgets them), its wake-up
   * and device timers are cancelled and its input queues emptied, so nothing outside keeps the instance alive.
   */
  destroy(): void {
    for (const v of this.vcpus) {
      this.cancelWake(v);
      v.state.request(VcpuState.Halted);
    }
    for (const t of this.tasks) this.scheduler.remove(t);
    this.clock.cancelAll();
    this.inputs.clear();
    this.inputRooms.clear();
    this.sbiInput.length = 0;
    this.outcome = { kind: 'shutdown', status: 0, how: 'destroyed' };
  }

  /**
   * The guest's state for a snapshot, RAM aside (`memory`): every VCPU (hart, Xvisor state, HSM, a WFI wake-up as
   * its deadline), every device by region name, the clock, posted IPIs and what is queued for the consoles. Taken
   * between scheduler slices, when no VCPU is inside its hart.
   */
  save(): SavedState {
    const code = this.vcpus[0]!.hart.code;
    return {
      outcome: this.outcome.kind === 'running' ? null : { ...this.outcome },
      vcpus: this.vcpus.map((v) => ({
        hart: saveHart(v.hart), state: v.state.save(), haltReason: v.haltReason ?? null, hsm: v.hsm, suspended: v.suspended,
        wakeAt: v.wakeTimer === undefined ? null : this.scheduler.timerAt(v.wakeTimer) ?? null,
      })),
      // By region name without the guest's: a guest restored under another name finds its devices.
      devices: Object.fromEntries(this.devices.map((d) => [regionOf(d.name), d.device.save()])),
      clock: this.clock.save(), posted: this.taskSet.savePosted(), sbiInput: [...this.sbiInput],
      yieldRequested: this.yieldRequested, printed: this.printed, dtbAddress: this.dtbAddress,
      initrd: this.initrd ? [this.initrd.start, this.initrd.end] : null,
      lastHart: code.lastHart ? code.lastHart.hartId : -1,
    };
  }

  /** Zero what building the guest wrote into its RAM (the DTB), so that RAM is all zeros again before a restore. */
  clearBootData(): void {
    if (this.dtbAddress) this.aspace.bus.write(this.dtbAddress, new Uint8Array(this.dtb.length));
  }

  /** The guest's RAM and ROM (one backing store), for a snapshot. */
  memory(): Uint8Array {
    return this.aspace.bus.bytes;
  }

  /**
   * Pages written since the last call (`all`: since the guest was built), and the tracking restarted: every hart
   * takes its next store to each page the slow way again (its write TLB emptied), so that the next call returns
   * exactly the pages written in between (migration rounds). What earlier calls returned stays in `writtenPages`.
   */
  takeDirtyPages(all: boolean): number[] {
    const dirty = this.aspace.bus.dirty;
    const from = all ? this.writtenPages() : dirty;
    const pages: number[] = [];
    for (let p = 0; p < from.length; p++) if (from[p]) pages.push(p);
    this.earlier ??= new Uint8Array(dirty.length);
    for (let p = 0; p < dirty.length; p++) if (dirty[p]) this.earlier[p] = 1;
    dirty.fill(0);
    for (const v of this.vcpus) v.hart.wtlb.flush();
    return pages;
  }

  /** Pages written before dirty tracking last restarted (undefined until it first did). */
  private earlier: Uint8Array | undefined;

  /**
   * A byte per page of `memory()`, set for pages that may have been written since the guest was built (Bus.dirty,
   * and what migration rounds took from it); a byte set here counts as written (a restore marks its pages).
   */
  writtenPages(): Uint8Array {
    const dirty = this.aspace.bus.dirty;
    if (!this.earlier) return dirty;
    for (let p = 0; p < dirty.length; p++) if (dirty[p]) this.earlier[p] = 1;
    return this.earlier;
  }

  /**
   * Take back what `save` gave, into a guest built from the same configuration with the same options (RAM is
   * restored separately, into `memory()`). Throws `SavedStateError` on state of the wrong shape. `hostNow`: the
   * guest lands in another scheduler (a hypervisor's), whose host time is `hostNow`: its clock and wake-ups move
   * with it, so guest time goes on from where it was.
   */
  restore(state: SavedState, hostNow?: number): void {
    const o = asObject(state, 'guest');
    const vcpus = arr(o, 'vcpus', 'guest');
    if (vcpus.length !== this.vcpus.length) throw new SavedStateError(`guest.vcpus: ${vcpus.length} VCPUs, expected ${this.vcpus.length}`);
    const devices = asObject(o.devices, 'guest.devices');
    for (const d of this.devices) if (!(regionOf(d.name) in devices)) throw new SavedStateError(`guest.devices: no state for ${regionOf(d.name)}`);
    const clock = asObject(o.clock, 'guest.clock');
    const savedHostNs = num(clock, 'hostNs', 'guest.clock');
    const shift = hostNow === undefined ? 0 : hostNow - savedHostNs;
    this.clock.restore({ originNs: num(clock, 'originNs', 'guest.clock') + shift, watermark: num(clock, 'watermark', 'guest.clock'), hostNs: savedHostNs + shift });
    const initrd = o.initrd === null ? undefined : ints(o, 'initrd', 'guest', 0, 2 ** 53, 2);
    if (initrd) { this.initrd = { start: initrd[0]!, end: initrd[1]! }; this.dtb = this.makeDtb(); }
    this.dtbAddress = int(o, 'dtbAddress', 'guest', 0);
    // Devices drive their interrupt lines as they restore; the interrupt controller comes last and takes its own
    // saved view of them, then the harts (whose SEIP it drives) take theirs.
    const ordered = [...this.devices].sort((a, b) => Number(isIrqChip(a.device)) - Number(isIrqChip(b.device)));
    for (const d of ordered) d.device.restore(devices[regionOf(d.name)] ?? null);
    vcpus.forEach((saved, i) => {
      const v = this.vcpus[i]!;
      const so = asObject(saved, `guest.vcpus[${i}]`);
      restoreHart(v.hart, so.hart ?? null);
      const sm = asObject(so.state, `guest.vcpus[${i}].state`);
      const since = typeof sm.since === 'number' ? sm.since + shift : sm.since;
      if (!v.state.restore({ state: sm.state, resumed: sm.resumed, resetCount: sm.resetCount, times: sm.times, since })) {
        throw new SavedStateError(`guest.vcpus[${i}].state: not a VCPU state`);
      }
      v.haltReason = so.haltReason === null ? undefined : str(so, 'haltReason', `guest.vcpus[${i}]`);
      v.hsm = int(so, 'hsm', `guest.vcpus[${i}]`, 0, 6);
      v.suspended = bool(so, 'suspended', `guest.vcpus[${i}]`);
      this.cancelWake(v);
      if (so.wakeAt !== null) this.sleepUntil(i, num(so, 'wakeAt', `guest.vcpus[${i}]`) + shift);
    });
    this.taskSet.restorePosted(ints(o, 'posted', 'guest', -(2 ** 31), 2 ** 31 - 1));
    this.sbiInput.length = 0;
    this.sbiInput.push(...ints(o, 'sbiInput', 'guest', 0, 255));
    this.yieldRequested = bool(o, 'yieldRequested', 'guest');
    this.printed = int(o, 'printed', 'guest', 0);
    const last = int(o, 'lastHart', 'guest', -1, this.vcpus.length - 1);
    this.vcpus[0]!.hart.code.lastHart = last < 0 ? undefined : this.vcpus[last]!.hart;
    this.outcome = o.outcome === null ? { kind: 'running' } : savedOutcome(asObject(o.outcome, 'guest.outcome'));
  }

  /** Halt a VCPU with the reason the runtime could not go on. */
  halt(v: Vcpu, reason: string): void {
    v.haltReason = `${reason} (pc 0x${v.hart.pcHex()})`;
    v.state.request(VcpuState.Halted);
  }
}

const isIrqChip = (d: MmioDevice & Partial<IrqChip> & { numIrq?: number }): d is MmioDevice & IrqChip & { numIrq?: number } =>
  typeof d.handle === 'function' && typeof d.name === 'string';

/** `guest0/uart0` → `uart0`. */
const regionOf = (device: string): string => device.slice(device.indexOf('/') + 1);

function savedOutcome(o: SavedObject): GuestOutcome {
  const kind = str(o, 'kind', 'guest.outcome');
  if (kind === 'shutdown') return { kind, status: int(o, 'status', 'guest.outcome'), how: str(o, 'how', 'guest.outcome') };
  if (kind === 'reset') return { kind, how: str(o, 'how', 'guest.outcome') };
  throw new SavedStateError(`guest.outcome: unknown kind ${JSON.stringify(kind)}`);
}

/** The memory regions of a guest for its address space. */
export function memoryRegions(config: GuestConfig): MemoryRegionSpec[] {
  const out: MemoryRegionSpec[] = [];
  for (const r of config.regions) {
    if (r.size === 0) continue;
    if (r.manifest === 'real' && r.memory) out.push({ base: r.gpa, size: r.size, readOnly: r.memory.readOnly });
    else if (r.manifest === 'alias' && r.aliasPa !== undefined) out.push({ base: r.gpa, size: r.size, aliasOf: r.aliasPa });
  }
  return out;
}
