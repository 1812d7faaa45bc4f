/**
 * A created guest: its address space with devices, one hart and VCPU state machine per VCPU, the SBI it is
 * offered, and the task body that runs a VCPU for a slice and handles its exits the way Xvisor handles VCPU traps.
 * Anything the runtime cannot handle (an access outside every region, a fetch from nowhere, an endless trap loop)
 * HALTS that VCPU with a reason; other VCPUs and guests go on.
 */
import { AddressSpace } from '../aspace/address-space.js';
import type { MemoryRegionSpec } from '../aspace/ram-bus.js';
import type { DeviceContext, IrqLine, MmioDevice } from '../devices/device.js';
import type { EmulatorInfo } from '../devices/registry.js';
import { Hart, IRQ_SOFTWARE } from '../vcpu/riscv/hart.js';
import { Exit } from '../vcpu/riscv/exit.js';
import { CodeCache } from '../vcpu/riscv/translate.js';
import { VcpuState, VcpuStateMachine } from '../vcpu/state.js';
import type { RunReport } from '../sched/task.js';
import { HartState, SbiError, handleSbiCall, type SbiPlatform } from './sbi/sbi.js';
import type { GuestConfig, RegionConfig } from './config/types.js';
import { guestDtb } from './guest-fdt.js';
import { isElf, parseElf } from './elf.js';

const TWO32 = 4294967296;

/** Builds a device for a region, or undefined when the emulator is not available. */
export type DeviceBuilder = (emulator: EmulatorInfo, ctx: DeviceContext) => (MmioDevice & { input?(n: number): IrqLine }) | undefined;

export interface GuestOptions {
  readonly timebaseFrequency: number;
  /** Retired instructions per timer tick (virtual time). */
  readonly instructionsPerTick: number;
  /** VCPUs when the configuration has only a template. */
  readonly vcpuCount?: number;
  readonly bootargs?: string;
  /** Console output of a vserial (`<guest>/<device>`, or `<guest>/sbi` for the SBI console). */
  readonly output: (vserial: string, bytes: Uint8Array) => void;
  readonly buildDevice: DeviceBuilder;
  readonly files?: DeviceContext['files'];
  /** A VCPU became runnable again (an interrupt for a VCPU idle in WFI, an HSM start). */
  readonly wake: (vcpu: number) => void;
  /**
   * Where IPIs go: the runtime posts them in the guest task set's area (Hypatia's posted interrupts) and the target
   * VCPU takes them when it next runs. Without these, an IPI sets the target hart's SSIP directly.
   */
  readonly postInterrupt?: (vcpu: number, bits: number) => void;
  readonly takeInterrupts?: (vcpu: number) => number;
}

export type GuestOutcome =
  | { readonly kind: 'running' }
  | { readonly kind: 'shutdown'; readonly status: number }
  | { readonly kind: 'reset' };

export interface Vcpu {
  readonly index: number;
  readonly name: string;
  readonly hart: Hart;
  readonly state: VcpuStateMachine;
  readonly poweroff: boolean;
  /** Why the VCPU was halted. */
  haltReason: string | undefined;
  /** HSM view. */
  hsm: number;
}

export class GuestInstance {
  readonly aspace: AddressSpace;
  readonly vcpus: Vcpu[] = [];
  readonly devices: { name: string; region: RegionConfig; device: MmioDevice }[] = [];
  outcome: GuestOutcome = { kind: 'running' };
  private readonly inputs = new Map<string, (byte: number) => void>();
  private readonly timers: { at: number; id: number; fire: () => void }[] = [];
  private timerId = 0;
  private readonly dtb: Uint8Array;
  private readonly dtbAddress: number;
  private readonly mmioOut = { lo: 0, hi: 0 };
  /** The SBI the VCPUs call into (made once: it only closes over this guest). */
  private readonly sbi: SbiPlatform = this.platform();

  constructor(readonly config: GuestConfig, private readonly opts: GuestOptions) {
    this.aspace = new AddressSpace(memoryRegions(config));
    const code = new CodeCache(this.aspace.bus.memory);
    const count = opts.vcpuCount ?? (config.vcpus.length || 1);
    for (let i = 0; i < count; i++) {
      const v = config.vcpus[i];
      const hart = new Hart(this.aspace.bus, { hartId: i, instructionsPerTick: opts.instructionsPerTick, code });
      this.vcpus.push({
        index: i, name: v?.name ?? `${config.name}/vcpu${i}`, hart, state: new VcpuStateMachine(),
        poweroff: v ? v.poweroff : i > 0, haltReason: undefined, hsm: HartState.Stopped,
      });
    }
    this.createDevices();
    this.dtb = guestDtb(config, { timebaseFrequency: opts.timebaseFrequency, vcpuCount: count, bootargs: opts.bootargs });
    // The DTB goes at the top of the first RAM region, 2 MiB aligned below its end as QEMU places it.
    const ram = config.regions.find((r) => r.memory && !r.memory.readOnly && r.memory.backing !== 'shared' && r.size >= 0x400000);
    this.dtbAddress = ram ? Math.floor((ram.gpa + ram.size - this.dtb.length) / 0x200000) * 0x200000 : 0;
    for (const v of this.vcpus) v.state.request(VcpuState.Reset);
    this.resetHarts();
  }

  get name(): string {
    return this.config.name;
  }

  /** Guest virtual time in ns (from VCPU 0's clock). */
  now(): number {
    return (this.vcpus[0]!.hart.time() * 1e9) / this.opts.timebaseFrequency;
  }

  private createDevices(): void {
    let plic: (MmioDevice & { input?(n: number): IrqLine }) | undefined;
    const regions = [...this.config.regions.filter((r) => r.emulator?.deviceType === 'pic'),
      ...this.config.regions.filter((r) => r.emulator && r.emulator.deviceType !== 'pic')];
    for (const region of regions) {
      const emulator = region.emulator!;
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
        irq: (n) => ({ set: (level) => plic?.input?.(n).set(level) }),
        hartExternalIrq: (h) => ({
          set: (level) => {
            const v = this.vcpus[h];
            if (!v) return;
            v.hart.setExternalInterrupt(level);
            if (level) this.opts.wake(h);
          },
        }),
        clock: {
          now: () => this.now(),
          setTimer: (at, fire) => { const id = ++this.timerId; this.timers.push({ at, id, fire }); return id; },
          cancel: (id) => { const i = this.timers.findIndex((t) => t.id === id); if (i >= 0) this.timers.splice(i, 1); },
        },
        memory: {
          read: (gpa, length) => this.aspace.bus.read(gpa, length),
          write: (gpa, data) => {
            const ok = this.aspace.bus.write(gpa, data);
            if (ok) this.invalidateCode(gpa, data.length);
            return ok;
          },
        },
        console: {
          write: (bytes) => this.opts.output(name, bytes),
          onInput: (receive) => { this.inputs.set(name, receive); },
        },
        files: this.opts.files,
        finish: (status, action) => { this.outcome = action === 'reset' ? { kind: 'reset' } : { kind: 'shutdown', status }; },
      };
      const device = this.opts.buildDevice(emulator, ctx);
      if (!device) continue;
      if (emulator.deviceType === 'pic') plic = device;
      this.aspace.map(name, region.gpa, region.size, device);
      this.devices.push({ name, region, device });
    }
  }

  private invalidateCode(gpa: number, length: number): void {
    const off = this.aspace.bus.offsetOf(gpa);
    if (off >= 0) this.vcpus[0]!.hart.code.invalidateRange(off, length);
  }

  /** Names of the guest's serial consoles (vserials). */
  vserials(): string[] {
    return [...this.inputs.keys()];
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

  /** Registers to their reset state: a0 = hart id, a1 = DTB, pc = start_pc (or `entry` for every VCPU). */
  resetHarts(entry?: number): void {
    if (this.dtbAddress) this.aspace.bus.write(this.dtbAddress, this.dtb);
    for (const v of this.vcpus) {
      const pc = entry ?? this.config.vcpus[v.index]?.startPc ?? this.config.vcpus[0]?.startPc ?? 0x80000000;
      v.hart.reset(pc % TWO32, Math.floor(pc / TWO32));
      v.hart.x[22] = this.dtbAddress % TWO32 | 0;
      v.hart.x[23] = Math.floor(this.dtbAddress / TWO32);
      v.hsm = HartState.Stopped;
      v.haltReason = undefined;
    }
    for (const d of this.devices) d.device.reset();
  }

  /** The SBI platform the guest's VCPUs call into. */
  private platform(): SbiPlatform {
    return {
      putByte: (b) => this.opts.output(`${this.name}/sbi`, new Uint8Array([b])),
      getByte: () => -1,
      readMemory: (pa, length) => this.aspace.bus.read(pa, length),
      systemReset: (type, reason) => {
        this.outcome = type === 0 ? { kind: 'shutdown', status: reason === 0 ? 0 : 1 } : { kind: 'reset' };
      },
      hartIds: () => this.vcpus.map((x) => x.index),
      sendIpi: (id) => {
        const target = this.vcpus[id];
        if (!target) return;
        if (this.opts.postInterrupt) this.opts.postInterrupt(id, IRQ_SOFTWARE);
        else target.hart.raiseSoftwareInterrupt();
        this.opts.wake(id);
      },
      remoteFence: (id) => this.vcpus[id]?.hart.flushTlb(),
      implVersion: 1,
      hsm: {
        start: (hartId, addr, opaque) => {
          const t = this.vcpus[hartId];
          if (!t) return SbiError.InvalidParam;
          if (t.hsm !== HartState.Stopped) return SbiError.AlreadyAvailable;
          if (this.aspace.bus.offsetOf(addr) < 0) return SbiError.InvalidAddress;
          t.hart.reset(addr % TWO32, Math.floor(addr / TWO32));
          t.hart.x[22] = opaque % TWO32 | 0;
          t.hart.x[23] = Math.floor(opaque / TWO32);
          t.hsm = HartState.Started;
          if (t.state.state === VcpuState.Reset) t.state.request(VcpuState.Ready);
          this.opts.wake(hartId);
          return SbiError.Success;
        },
        stop: (caller) => {
          const me = this.vcpus[caller.hartId]!;
          me.hsm = HartState.Stopped;
          me.state.request(VcpuState.Reset);
          return SbiError.Success;
        },
        status: (hartId) => this.vcpus[hartId]?.hsm,
        suspend: () => {},
      },
    };
  }

  /** Fire device timers that are due. */
  private fireTimers(): void {
    const now = this.now();
    for (;;) {
      let due = -1;
      for (let i = 0; i < this.timers.length; i++) if (this.timers[i]!.at <= now && (due < 0 || this.timers[i]!.at < this.timers[due]!.at)) due = i;
      if (due < 0) return;
      this.timers.splice(due, 1)[0]!.fire();
    }
  }

  /** Halt a VCPU with the reason the runtime could not go on. */
  halt(v: Vcpu, reason: string): void {
    v.haltReason = `${reason} (pc 0x${v.hart.pcHex()})`;
    v.state.request(VcpuState.Halted);
  }

  /**
   * The VCPU task's body: run VCPU `index` for up to `budget` instructions, handling its exits. 'idle' when it
   * waits (WFI with nothing to wake it but an interrupt, stopped by HSM, halted, or the guest finished).
   */
  runVcpu(index: number, budget: number): RunReport {
    const v = this.vcpus[index]!;
    const h = v.hart;
    if (this.outcome.kind !== 'running' || !v.state.runnable) return { work: 0, next: 'idle' };
    v.state.switchIn();
    v.hsm = HartState.Started;

    const start = h.icount;
    const platform = this.sbi;
    let next: RunReport['next'] = 'yield';
    while (h.icount - start < budget && this.outcome.kind === 'running' && v.state.state === VcpuState.Running) {
      // Posted interrupts (IPIs, even from this VCPU to itself) become pending before the hart runs on.
      if (this.opts.takeInterrupts && this.opts.takeInterrupts(index) & IRQ_SOFTWARE) h.raiseSoftwareInterrupt();
      const exit = h.run(budget - (h.icount - start));
      this.fireTimers();
      if (exit === Exit.Budget) continue;
      if (exit === Exit.Ecall) { handleSbiCall(h, platform); continue; }
      if (exit === Exit.Mmio) {
        const m = h.mmio;
        const ok = m.write ? this.aspace.write(m.addrLo, m.addrHi, m.size, m.dataLo, m.dataHi) : this.aspace.read(m.addrLo, m.addrHi, m.size, this.mmioOut);
        if (!ok) {
          this.halt(v, `${m.write ? 'store to' : 'load from'} 0x${hex64(m.addrHi, m.addrLo)}, which is in no region of ${this.name}`);
          break;
        }
        h.completeMmio(this.mmioOut.lo, this.mmioOut.hi);
        continue;
      }
      if (exit === Exit.Wfi) {
        const nextTimer = h.nextTimerEvent();
        const deviceTimer = this.timers.length ? Math.min(...this.timers.map((t) => t.at)) : Infinity;
        const deviceTick = (deviceTimer * this.opts.timebaseFrequency) / 1e9;
        const wakeAt = Math.min(nextTimer, Math.ceil(deviceTick));
        if (this.opts.takeInterrupts && this.opts.takeInterrupts(index) & IRQ_SOFTWARE) { h.raiseSoftwareInterrupt(); continue; }
        if (wakeAt === Infinity) { next = 'idle'; break; } // only an interrupt can wake it
        h.skipTimeTo(wakeAt); // idle: virtual time skips ahead to the next event
        this.fireTimers();
        continue;
      }
      if (exit === Exit.FetchFault) {
        const a = h.fetchFaultAddress();
        this.halt(v, `instruction fetch from 0x${hex64(a.hi, a.lo)}, which is not RAM or ROM of ${this.name}`);
        break;
      }
      if (exit === Exit.TrapLoop) {
        this.halt(v, `endless trap loop (scause 0x${hex64(h.scauseHi, h.scauseLo)}, stval 0x${hex64(h.stvalHi, h.stvalLo)})`);
        break;
      }
    }
    if (v.state.state === VcpuState.Running) v.state.switchOut();
    if (!v.state.runnable || this.outcome.kind !== 'running') next = 'idle';
    return { work: h.icount - start, next };
  }
}

const hex64 = (hi: number, lo: number): string =>
  ((hi >>> 0) ? (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : (lo >>> 0).toString(16));

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
