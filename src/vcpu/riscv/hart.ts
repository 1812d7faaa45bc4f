/**
 * One RV64GC hart running a guest in S and U mode, the way Xvisor runs a guest hart in VS/VU mode: everything
 * the guest's own kernel handles is delivered to its S-mode trap vector; everything that would trap to the
 * hypervisor (ECALL from S, WFI, a load/store outside RAM and ROM, a fetch from outside them) ends `run` with
 * an exit the runtime handles.
 *
 * Hot paths (the interpreter, the dispatch loop, the TLB) use 32-bit halves for 64-bit values, never BigInt,
 * and allocate nothing per instruction.
 */
import type { Bus } from './bus.js';
import { Exit } from './exit.js';
import type { HartDebug } from './debug.js';
import { TlbSet, TLB_MASK, TLB_USER_BANK } from './tlb.js';
import {
  AREA_FFLAGS, AREA_FREGS, AREA_JUMPS, AREA_PC, AREA_REGS, AREA_RTLB, AREA_WTLB, AREA_XTLB, HART_AREA_BYTES, JUMP_ENTRIES, type HartArea,
} from './hart-area.js';
import { Access, walk, type WalkContext, type WalkResult } from './mmu.js';
import { CodeCache, type Block } from './translate.js';
import { decodeWord, interpretOne } from './interpret.js';
import { csrAccess } from './csr.js';
import { Kind } from './kinds.js';
import { atomic } from './atomics.js';
import {
  Cause, IRQ_EXTERNAL, IRQ_SOFTWARE, IRQ_TIMER, Priv, SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP, SSTATUS_MXR, SSTATUS_SUM,
} from './privilege.js';

export * from './privilege.js';


const TWO32 = 4294967296;
const TRAP_LOOP_LIMIT = 10_000;

/** Details of the pending MMIO access when `run` returns `Exit.Mmio`. */
export interface MmioAccess {
  /** Guest-physical address (low, high word). */
  addrLo: number;
  addrHi: number;
  /** Size in bytes: 1, 2, 4 or 8. */
  size: number;
  write: boolean;
  /** The value to store (low, high word); for loads, filled by `completeMmio`. */
  dataLo: number;
  dataHi: number;
}

/** A guest clock read live (parallel mode). */
export interface LiveClock {
  /** Guest time now, in ticks of the timebase. */
  ticks(): number;
}

export interface HartOptions {
  /** Guest hart id (a0 at reset). */
  hartId?: number;
  /** Retired instructions per tick of the `time` CSR (virtual time). Default 10 (100 MIPS nominal at 10 MHz). */
  instructionsPerTick?: number;
  /** Translated-code cache shared by the harts of one guest (one is made when omitted). */
  code?: CodeCache;
  /** Where the registers and TLBs live (hart-area.ts): needed by a code cache with the wasm tier. */
  area?: HartArea;
}

export class Hart implements WalkContext {
  /** Integer registers, x[2i] = low word and x[2i+1] = high word of register i. */
  readonly x: Int32Array;
  /** FP registers as doubles and as words (same storage). */
  readonly f: Float64Array;
  readonly fw: Int32Array;
  /** fflags, frm and sstatus.FS: words of the hart's area, which wasm code reads and writes (hart-area.ts). */
  private readonly fpState: Int32Array;
  get fflags(): number { return this.fpState[0]!; }
  set fflags(v: number) { this.fpState[0] = v; }
  get frm(): number { return this.fpState[1]!; }
  set frm(v: number) { this.fpState[1] = v; }
  /** sstatus.FS, kept apart because translated FP code tests and sets it. */
  get fs(): number { return this.fpState[2]!; }
  set fs(v: number) { this.fpState[2] = v; }

  pcLo = 0;
  pcHi = 0;
  mode: number = Priv.Supervisor;
  /** Retired instructions since reset: the source of cycle, instret and virtual time. */
  icount = 0;

  // sstatus, held as its fields (FS above).
  status = 0;
  sie = 0;
  /** Software-writable pending bits (SSIP). */
  sipSoft = 0;
  /** External interrupt line from the interrupt controller (SEIP). */
  seip = false;
  /** Timer comparison result (STIP, via Sstc stimecmp). */
  stip = false;
  stvecLo = 0; stvecHi = 0;
  sscratchLo = 0; sscratchHi = 0;
  sepcLo = 0; sepcHi = 0;
  scauseLo = 0; scauseHi = 0;
  stvalLo = 0; stvalHi = 0;
  satpLo = 0; satpHi = 0;
  scounteren = 0;
  senvcfg = 0;
  stimecmpLo = -1; stimecmpHi = -1;

  // Virtual time.
  instructionsPerTick: number;
  /** The hart's own clock is `timeOffset + icount / instructionsPerTick` ticks (the runtime sets the offset). */
  timeOffset = 0;
  /**
   * `time` never reads below this: the latest time another hart of the guest has already been shown, so the
   * guest-wide clock never runs backwards from one hart to the next.
   */
  timeFloor = 0;
  /** icount at which the timer fires (Infinity when it cannot). */
  timerDeadline = Infinity;
  /**
   * Parallel mode: the guest's clock read live from the host's monotonic clock, the same for every hart of the guest
   * on every thread (so `time` never runs backwards from one hart to another). The run loop looks at the timer
   * between its chunks then, not by instruction count.
   */
  liveClock: LiveClock | undefined = undefined;
  /** Parallel mode: a word of shared memory whose atomic update is the host's full barrier (a guest FENCE). */
  barrier: Int32Array | undefined = undefined;
  /** Parallel mode: what else a FENCE waits for (MMIO writes posted to devices on another thread). */
  onFence: (() => void) | undefined = undefined;

  // Derived state.
  /** satp.MODE (0 bare, 8 Sv39, 9 Sv48) and root PPN, decoded once per satp write. */
  satpMode = 0;
  rootPpn = 0;
  /** TLB bank of the current mode. */
  tlbBank = 0;
  /** An interrupt is pending, enabled and deliverable now. */
  irqReady = false;

  // LR/SC reservation.
  resValid = false;
  resLo = 0;
  resHi = 0;
  /** Parallel mode: the value LR read (an SC stores only if the location still holds it). */
  resValLo = 0;
  resValHi = 0;

  readonly rtlb: TlbSet;
  readonly wtlb: TlbSet;
  readonly xtlb: TlbSet;
  /** Byte offset of the hart's area in the guest memory (hart-area.ts), or -1 without one. */
  readonly areaOffset: number;
  /** The area's pc slot (where wasm code leaves the pc), as words. */
  readonly areaPc: Int32Array | undefined;
  /** The area's jump cache (wasm/jump-cache.ts), with an area. */
  readonly jumps: Int32Array | undefined;

  // Exit state.
  exit: Exit = Exit.Budget;
  readonly mmio: MmioAccess = { addrLo: 0, addrHi: 0, size: 0, write: false, dataLo: 0, dataHi: 0 };
  /** Register and kind of a pending MMIO load, to write back on completion. */
  private mmioRd = 0;
  private mmioKind = 0;
  private mmioLen = 4;

  readonly hartId: number;
  readonly code: CodeCache;
  readonly mem8: Uint8Array;
  readonly mem32: Int32Array;
  private readonly walkOut: WalkResult = { fault: 0, paLo: 0, paHi: 0, canRead: false, canWrite: false, canExecute: false, lasting: false };
  /** Scratch for translateData: the guest-physical address of the last MMIO access. */
  private paLo = 0;
  private paHi = 0;
  private stopRequested = false;
  /** Dispatches in a row that retired nothing (each was a trap): detects a guest that can never progress. */
  private trapsInARow = 0;

  constructor(readonly bus: Bus, options: HartOptions = {}) {
    // Without an area in the guest memory (no wasm tier), the hart's state is laid out the same in a buffer of its own.
    const { buffer, offset: at } = options.area ?? { buffer: new ArrayBuffer(HART_AREA_BYTES), offset: 0 };
    this.x = new Int32Array(buffer, at + AREA_REGS, 64);
    this.rtlb = new TlbSet(buffer, at + AREA_RTLB);
    this.wtlb = new TlbSet(buffer, at + AREA_WTLB);
    this.xtlb = new TlbSet(buffer, at + AREA_XTLB);
    this.f = new Float64Array(buffer, at + AREA_FREGS, 32);
    this.fw = new Int32Array(buffer, at + AREA_FREGS, 64);
    this.fpState = new Int32Array(buffer, at + AREA_FFLAGS, 3);
    this.areaOffset = options.area ? at : -1;
    this.areaPc = options.area ? new Int32Array(buffer, at + AREA_PC, 2) : undefined;
    this.jumps = options.area ? new Int32Array(buffer, at + AREA_JUMPS, 2 * JUMP_ENTRIES) : undefined;
    this.hartId = options.hartId ?? 0;
    this.instructionsPerTick = options.instructionsPerTick ?? 10;
    this.code = options.code ?? new CodeCache(bus.memory);
    this.code.attach(this);
    this.mem8 = new Uint8Array(bus.memory);
    this.mem32 = new Int32Array(bus.memory, 0, bus.memory.byteLength >>> 2);
    this.reset(0, 0);
  }

  get sum(): boolean { return (this.status & SSTATUS_SUM) !== 0; }
  get mxr(): boolean { return (this.status & SSTATUS_MXR) !== 0; }
  get user(): boolean { return this.mode === Priv.User; }
  lookupPage(paLo: number, paHi: number): number { return this.bus.lookupPage(paLo, paHi); }

  /** Architectural reset: registers zero, S mode, interrupts off, a0 = hart id, pc = start. */
  reset(pcLo: number, pcHi: number): void {
    this.x.fill(0);
    this.fw.fill(0);
    this.fflags = 0; this.frm = 0;
    this.x[20] = this.hartId;
    this.pcLo = pcLo | 0; this.pcHi = pcHi | 0;
    this.mode = Priv.Supervisor;
    this.tlbBank = 0;
    this.status = 0; this.fs = 0; this.sie = 0; this.sipSoft = 0; this.seip = false; this.stip = false;
    this.stvecLo = this.stvecHi = this.sscratchLo = this.sscratchHi = 0;
    this.sepcLo = this.sepcHi = this.scauseLo = this.scauseHi = this.stvalLo = this.stvalHi = 0;
    this.satpLo = this.satpHi = 0; this.satpMode = 0; this.rootPpn = 0;
    this.scounteren = 0; this.senvcfg = 0;
    this.icount = 0; this.timeOffset = 0; this.timeFloor = 0;
    this.resValid = false;
    this.exit = Exit.Budget;
    this.flushTlb();
    this.setTimer(-1, -1);
  }

  // ---- Time -------------------------------------------------------------------------------------------------

  /** The `time` CSR value. */
  time(): number {
    if (this.liveClock !== undefined) return this.liveClock.ticks();
    const own = this.timeOffset + Math.floor(this.icount / this.instructionsPerTick);
    return own > this.timeFloor ? own : this.timeFloor;
  }

  /**
   * Set the clock: the hart's own time is `ticks` now, and never reads below `floor` (both in timebase ticks). The
   * runtime calls this as a slice starts, from the host CPU's virtual time and the guest's clock.
   */
  setTime(ticks: number, floor: number): void {
    this.timeOffset = ticks - Math.floor(this.icount / this.instructionsPerTick);
    this.timeFloor = floor;
    this.refreshTimer();
  }

  /** Set stimecmp (also what SBI set_timer does); all ones disarms it. */
  setTimer(lo: number, hi: number): void {
    this.stimecmpLo = lo | 0;
    this.stimecmpHi = hi | 0;
    this.refreshTimer();
  }

  /** Recompute STIP and the deadline after stimecmp or the clock changed. */
  refreshTimer(): void {
    const cmp = (this.stimecmpHi >>> 0) * TWO32 + (this.stimecmpLo >>> 0);
    this.stip = this.time() >= cmp;
    this.timerDeadline = this.stip || cmp >= 2 ** 53 || this.liveClock !== undefined ? Infinity : Math.max(0, (cmp - this.timeOffset) * this.instructionsPerTick);
    this.updateIrq();
  }

  /** Time (in ticks) at which the timer fires, or Infinity: a hart idle in WFI sleeps until then. */
  nextTimerEvent(): number {
    if (this.stip) return this.time();
    const cmp = (this.stimecmpHi >>> 0) * TWO32 + (this.stimecmpLo >>> 0);
    return cmp >= 2 ** 53 ? Infinity : cmp;
  }

  // ---- Interrupts -------------------------------------------------------------------------------------------

  /** The sip value as S mode reads it. */
  sip(): number {
    return this.sipSoft | (this.stip ? IRQ_TIMER : 0) | (this.seip ? IRQ_EXTERNAL : 0);
  }

  /** Drive the external interrupt line (from the PLIC). */
  setExternalInterrupt(level: boolean): void {
    this.seip = level;
    this.updateIrq();
  }

  /** Raise a supervisor software interrupt (an IPI). */
  raiseSoftwareInterrupt(): void {
    this.sipSoft |= IRQ_SOFTWARE;
    this.updateIrq();
  }

  updateIrq(): void {
    const pending = this.sip() & this.sie;
    this.irqReady = pending !== 0 && (this.mode === Priv.User || (this.status & SSTATUS_SIE) !== 0);
  }

  /** An enabled interrupt is pending (whether or not sstatus.SIE allows taking it): WFI completes. */
  interruptPending(): boolean {
    return (this.sip() & this.sie) !== 0;
  }

  /** Told of every interrupt the hart takes (cause, pc): the runtime's event log. Rare, so off the hot path. */
  onInterrupt: ((cause: number) => void) | undefined = undefined;

  private takeInterrupt(): void {
    const pending = this.sip() & this.sie;
    // Priority: external > software > timer.
    const cause = pending & IRQ_EXTERNAL ? 9 : pending & IRQ_SOFTWARE ? 1 : 5;
    this.onInterrupt?.(cause);
    this.trap(cause, 0, 0, true);
  }

  // ---- Traps ------------------------------------------------------------------------------------------------

  /** Enter the guest's S-mode trap handler. pc must hold the trapping instruction (or the next one, for IRQs). */
  trap(cause: number, tvalLo: number, tvalHi: number, interrupt = false): void {
    this.sepcLo = this.pcLo; this.sepcHi = this.pcHi;
    this.scauseLo = cause; this.scauseHi = interrupt ? -0x80000000 : 0;
    this.stvalLo = tvalLo | 0; this.stvalHi = tvalHi | 0;
    let s = this.status & ~(SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SIE);
    if (this.status & SSTATUS_SIE) s |= SSTATUS_SPIE;
    if (this.mode === Priv.Supervisor) s |= SSTATUS_SPP;
    this.status = s;
    this.setMode(Priv.Supervisor);
    this.resValid = false;
    const base = this.stvecLo & -4;
    const offset = interrupt && (this.stvecLo & 3) === 1 ? 4 * cause : 0;
    this.pcLo = (base + offset) | 0;
    this.pcHi = this.stvecHi + ((this.pcLo >>> 0) < (base >>> 0) ? 1 : 0) | 0;
    this.updateIrq();
  }

  /** Raise an illegal-instruction exception for the instruction at pc (stval = its bits, as QEMU does). */
  illegal(raw: number): void {
    this.trap(Cause.IllegalInstruction, raw, 0);
  }

  setMode(mode: number): void {
    this.mode = mode;
    this.tlbBank = mode === Priv.User ? TLB_USER_BANK : 0;
  }

  // ---- System instructions (called by the interpreter's handlers with pc at the instruction) ---------------------------

  /** Returns the number of instructions retired (0 if it trapped or exited). */
  ecall(): number {
    if (this.mode === Priv.User) { this.trap(Cause.EcallFromU, 0, 0); return 0; }
    this.exit = Exit.Ecall;
    return 0;
  }

  /** Finish an SBI call: the runtime has written a0/a1; continue after the ecall. */
  completeEcall(): void {
    this.advance(4);
    this.icount++;
  }

  ebreak(): number {
    this.trap(Cause.Breakpoint, this.pcLo, this.pcHi);
    return 0;
  }

  sret(raw: number): number {
    if (this.mode === Priv.User) { this.illegal(raw); return 0; }
    const s = this.status;
    this.pcLo = this.sepcLo; this.pcHi = this.sepcHi;
    this.setMode(s & SSTATUS_SPP ? Priv.Supervisor : Priv.User);
    this.status = (s & ~(SSTATUS_SIE | SSTATUS_SPP)) | SSTATUS_SPIE | (s & SSTATUS_SPIE ? SSTATUS_SIE : 0);
    this.resValid = false;
    this.updateIrq();
    return 1;
  }

  wfi(raw: number): number {
    if (this.mode === Priv.User) { this.illegal(raw); return 0; }
    this.advance(4);
    if (!this.interruptPending()) this.exit = Exit.Wfi;
    return 1;
  }

  /**
   * FENCE. One thread runs a guest's harts one after another, so program order is memory order and there is nothing
   * to do; in parallel mode the host's stores may wait in its store buffer past a later load (x86 TSO), which RVWMO
   * forbids across a FENCE: an atomic read-modify-write is the host's full barrier.
   */
  fence(): void {
    const b = this.barrier;
    if (b !== undefined) {
      Atomics.add(b, 0, 0);
      this.onFence?.();
    }
  }

  sfenceVma(raw: number, rs1: number): number {
    if (this.mode === Priv.User) { this.illegal(raw); return 0; }
    // x0 with an ASID in rs2 leaves global mappings alone (the privileged spec's SFENCE.VMA); with x0, every entry goes.
    if (rs1 === 0) {
      if (((raw >>> 20) & 31) !== 0) this.flushTlbPassing();
      else this.flushTlb();
    } else {
      const lo = this.x[2 * rs1]!, hi = this.x[2 * rs1 + 1]!;
      this.rtlb.flushPage(lo, hi); this.wtlb.flushPage(lo, hi); this.xtlb.flushPage(lo, hi);
    }
    this.advance(4);
    return 1;
  }

  /** A Zicsr instruction; `src` is rs1 or the immediate. */
  csr(raw: number, op: number, rd: number, src: number, csr: number, len: number): number {
    if (!csrAccess(this, op, rd, src, csr)) { this.illegal(raw); return 0; }
    this.advance(len);
    return 1;
  }

  /** A CSR read that writes nothing (inside a block, as a load): false if it trapped (pc is at the instruction). */
  csrRead(raw: number, op: number, rd: number, csr: number): boolean {
    if (csrAccess(this, op, rd, 0, csr)) return true;
    this.illegal(raw);
    return false;
  }

  /** FP instruction with FS off, or a dynamic rounding mode that is invalid. */
  fpIllegal(raw: number): number {
    this.illegal(raw);
    return 0;
  }

  flushTlb(): void {
    this.rtlb.flush(); this.wtlb.flush(); this.xtlb.flush();
  }

  /** Flush all but the TLB entries that outlive an address-space change or SUM/MXR (see WalkResult.lasting). */
  flushTlbPassing(): void {
    this.rtlb.flushPassing(); this.wtlb.flushPassing(); this.xtlb.flushPassing();
  }

  advance(len: number): void {
    const lo = (this.pcLo + len) | 0;
    if ((lo >>> 0) < (this.pcLo >>> 0)) this.pcHi = (this.pcHi + 1) | 0;
    this.pcLo = lo;
  }

  // ---- Memory slow paths ------------------------------------------------------------------------------------

  /**
   * Translate a data access. Returns the backing offset of the byte, -1 when a trap was delivered, or -2 when the
   * address is not RAM/ROM (or is ROM and this is a write); then (paLo, paHi) hold the guest-physical address.
   * Fills the TLB on success.
   */
  translate(aLo: number, aHi: number, access: Access): number {
    let paLo = aLo, paHi = aHi, canRead = true, canWrite = true, canExecute = true, lasting = false;
    if (this.satpMode !== 0) {
      const out = this.walkOut;
      walk(this, aLo, aHi, access, out);
      if (out.fault !== 0) {
        this.trap(out.fault, aLo, aHi);
        return -1;
      }
      // The walk gives the page's physical address; the access (and an MMIO exit) needs the byte's.
      paLo = out.paLo | (aLo & 4095); paHi = out.paHi;
      canRead = out.canRead; canWrite = out.canWrite; canExecute = out.canExecute; lasting = out.lasting;
    }
    const page = this.bus.lookupPage(paLo, paHi);
    if (page < 0 || (access === Access.Write && (page & 1) !== 0)) {
      this.paLo = paLo; this.paHi = paHi;
      return -2;
    }
    const pageOffset = page & -4096;
    const bank = this.tlbBank;
    if (canRead) this.rtlb.install(bank, aLo, aHi, pageOffset, lasting);
    if (canWrite && (page & 1) === 0) {
      // Every store reaches RAM through here or through a TLB entry installed here: the page counts as written.
      this.bus.dirty[pageOffset >>> 12] = 1;
      if (!this.code.isCode(pageOffset >>> 12)) this.wtlb.install(bank, aLo, aHi, pageOffset, lasting);
    }
    if (canExecute) this.xtlb.install(bank, aLo, aHi, pageOffset, lasting);
    return pageOffset + (aLo & 4095);
  }

  /** Byte offset of each byte of an access that may cross a page: fills `byteOffsets`; false if it trapped/exited. */
  private readonly byteOffsets = new Int32Array(8);
  private translateBytes(aLo: number, aHi: number, size: number, access: Access): number {
    const first = this.translate(aLo, aHi, access);
    if (first < 0) return first;
    const inPage = 4096 - (aLo & 4095);
    for (let i = 0; i < size && i < inPage; i++) this.byteOffsets[i] = first + i;
    if (size > inPage) {
      const nextLo = (aLo + inPage) | 0;
      const nextHi = (aHi + ((nextLo >>> 0) < (aLo >>> 0) ? 1 : 0)) | 0;
      const second = this.translate(nextLo, nextHi, access);
      if (second < 0) return second;
      for (let i = inPage; i < size; i++) this.byteOffsets[i] = second + i - inPage;
    }
    return first;
  }

  /** Load slow path: TLB miss, misaligned access, MMIO. Writes rd; returns false if it trapped or exited. */
  load(aLo: number, aHi: number, kind: number, rd: number, len: number): boolean {
    const size = kind & Kind.SizeMask;
    const r = this.translateBytes(aLo, aHi, size, Access.Read);
    if (r === -1) return false;
    if (r === -2) return this.mmioExit(false, size, 0, 0, kind, rd, len);
    let lo = 0, hi = 0;
    const m = this.mem8, o = this.byteOffsets;
    for (let i = 0; i < size; i++) {
      if (i < 4) lo |= m[o[i]!]! << (8 * i);
      else hi |= m[o[i]!]! << (8 * (i - 4));
    }
    this.writeLoaded(kind, rd, lo, hi);
    return true;
  }

  /** Store slow path. Returns false if it trapped or exited. */
  store(aLo: number, aHi: number, kind: number, vLo: number, vHi: number, len: number): boolean {
    const size = kind & Kind.SizeMask;
    const r = this.translateBytes(aLo, aHi, size, Access.Write);
    if (r === -1) return false;
    if (r === -2) return this.mmioExit(true, size, vLo, vHi, kind, 0, len);
    const m = this.mem8, o = this.byteOffsets;
    for (let i = 0; i < size; i++) {
      const page = o[i]! >>> 12;
      if (this.code.isCode(page)) this.code.invalidatePage(page);
      m[o[i]!] = i < 4 ? vLo >>> (8 * i) : vHi >>> (8 * (i - 4));
    }
    return true;
  }

  private mmioExit(write: boolean, size: number, vLo: number, vHi: number, kind: number, rd: number, len: number): boolean {
    const m = this.mmio;
    m.addrLo = this.paLo; m.addrHi = this.paHi; m.size = size; m.write = write;
    m.dataLo = write ? (size < 4 ? vLo & ((1 << (8 * size)) - 1) : vLo) : 0;
    m.dataHi = write && size === 8 ? vHi : 0;
    this.mmioRd = rd; this.mmioKind = kind; this.mmioLen = len;
    this.exit = Exit.Mmio;
    return false;
  }

  /** Finish the pending MMIO access: for a load, `lo`/`hi` is the value read. Continues after the instruction. */
  completeMmio(lo = 0, hi = 0): void {
    if (!this.mmio.write) this.writeLoaded(this.mmioKind, this.mmioRd, lo | 0, hi | 0);
    this.advance(this.mmioLen);
    this.icount++;
  }

  /** Fail the pending MMIO access: the guest takes a load or store access fault at the instruction. */
  failMmio(): void {
    this.trap(this.mmio.write ? Cause.StoreAccess : Cause.LoadAccess, this.mmio.addrLo, this.mmio.addrHi);
  }

  /** Write a loaded value to rd with the sign/zero extension (or NaN-boxing) its kind asks for. */
  private writeLoaded(kind: number, rd: number, lo: number, hi: number): void {
    const size = kind & Kind.SizeMask;
    if (kind & Kind.Float) {
      this.fw[2 * rd] = lo;
      this.fw[2 * rd + 1] = size === 4 ? -1 : hi;
      this.fs = 3;
      return;
    }
    if (rd === 0) return;
    const unsigned = (kind & Kind.Unsigned) !== 0;
    if (size === 1) lo = unsigned ? lo & 0xff : (lo << 24) >> 24;
    else if (size === 2) lo = unsigned ? lo & 0xffff : (lo << 16) >> 16;
    if (size < 8) hi = unsigned ? 0 : lo >> 31;
    this.x[2 * rd] = lo;
    this.x[2 * rd + 1] = hi;
  }

  /** LR, SC and AMOs (`op` from kinds.ts Amo); returns instructions retired (0 on trap). */
  amo(op: number, size: number, rd: number, rs1: number, rs2: number): number {
    return atomic(this, op, size, rd, rs1, rs2);
  }

  // ---- Fetch and dispatch -----------------------------------------------------------------------------------

  /** Translate pc for a fetch: backing offset of its page, -1 if a trap was delivered, -2 if not RAM/ROM. */
  private fetchPage(lo: number, hi: number): number {
    const off = this.translate(lo, hi, Access.Execute);
    if (off === -2) { this.fetchVLo = lo; this.fetchVHi = hi; }
    return off < 0 ? off : off & -4096;
  }
  /** Virtual address of the last fetch that found no RAM/ROM. */
  private fetchVLo = 0;
  private fetchVHi = 0;

  /** Answer a fetch-fault exit with an instruction access fault in the guest (what QEMU's machine does). */
  failFetch(): void {
    this.trap(Cause.FetchAccess, this.fetchVLo, this.fetchVHi);
  }

  /** Fetch the instruction bits at pc the slow way (it may straddle two pages). -1/-2 as fetchPage, else 0. */
  private fetchRaw(): number {
    const lo = this.pcLo, hi = this.pcHi;
    const page = this.fetchPage(lo, hi);
    if (page < 0) return page;
    const low = this.mem8[page + (lo & 4095)]! | (this.mem8[page + (lo & 4095) + 1]! << 8);
    if ((low & 3) !== 3) { this.fetched = low; return 0; }
    if ((lo & 4095) !== 4094) {
      this.fetched = low | (this.mem8[page + (lo & 4095) + 2]! << 16) | (this.mem8[page + (lo & 4095) + 3]! << 24);
      return 0;
    }
    const nextLo = (lo + 2) | 0;
    const nextHi = (hi + ((nextLo >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    const next = this.fetchPage(nextLo, nextHi);
    if (next < 0) return next; // a fault on the second half: stval is that half's address, sepc the instruction
    this.fetched = low | (this.mem8[next]! << 16) | (this.mem8[next + 1]! << 24);
    return 0;
  }
  private fetched = 0;

  /** The debugger's state, while one is attached (GDB stub): breakpoints, watchpoints, single-step. */
  debug: HartDebug | undefined = undefined;

  /**
   * The backing offset of the byte at virtual address (hi:lo) as the debugger sees it (no A/D update, no permission
   * check, RAM and ROM alike), or -1 when it maps to no RAM or ROM.
   */
  debugOffset(lo: number, hi: number): number {
    let paLo = lo, paHi = hi;
    if (this.satpMode !== 0) {
      const out = this.walkOut;
      walk(this, lo, hi, Access.Read, out, true);
      if (out.fault !== 0) return -1;
      paLo = out.paLo | (lo & 4095); paHi = out.paHi;
    }
    const page = this.bus.lookupPage(paLo, paHi);
    return page < 0 ? -1 : (page & -4096) + (paLo & 4095);
  }

  /** Execute one instruction alone under the debugger: its watchpoints are armed from the instruction's access. */
  private debugStep(dbg: HartDebug): void {
    const got = this.fetchRaw();
    if (got === -1) return;
    if (got === -2) { this.exit = Exit.FetchFault; return; }
    dbg.beforeStep(this.fetched, this.x, this.icount);
    interpretOne(this, this.x, this.pcLo, this.pcHi, decodeWord(this.fetched));
  }

  /** Ask a running `run` to return at the next block boundary (e.g. from a device callback). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /**
   * Run up to `budget` instructions. Returns why it stopped; `icount` tells how many retired.
   */
  run(budget: number): Exit {
    this.exit = Exit.Budget;
    this.stopRequested = false;
    if (this.code.lastHart !== this) {
      // Another hart of this guest ran since: it may have written the reserved location.
      this.resValid = false;
      this.code.lastHart = this;
    }
    const end = this.icount + budget;
    const x = this.x;
    const xt = this.xtlb;
    const code = this.code;
    for (;;) {
      let stop = end;
      if (this.timerDeadline <= this.icount) this.refreshTimer();
      if (this.timerDeadline < stop) stop = this.timerDeadline;
      if (this.icount >= stop) {
        if (stop === end) break;
        continue; // the timer fires; refreshTimer above raises STIP
      }
      const dbg = this.debug;
      if (this.irqReady && (dbg === undefined || !dbg.stepping)) this.takeInterrupt();
      const pl = this.pcLo, ph = this.pcHi;
      if (dbg !== undefined && dbg.reached(this.icount, pl, ph)) { this.exit = Exit.Debug; break; }
      const e = ((pl >>> 12) & TLB_MASK) + this.tlbBank;
      let page: number;
      if (xt.tag[e] === (pl & -4096) && xt.tagHi[e] === ph) page = (xt.base[e]! + (pl & -4096)) | 0;
      else {
        page = this.fetchPage(pl, ph);
        if (page === -1) {
          if (++this.trapsInARow >= TRAP_LOOP_LIMIT) { this.exit = Exit.TrapLoop; break; }
          continue;
        }
        if (page === -2) { this.exit = Exit.FetchFault; break; }
      }
      const before = this.icount;
      if (dbg !== undefined && dbg.singleSteps(pl, ph)) this.debugStep(dbg);
      else {
        let block: Block | undefined = code.lookup(page, pl & 4095);
        if (block === undefined) block = code.translate(page, pl & 4095);
        if (block.n === 0 || block.n > stop - before) this.step();
        else code.run(this, x, pl, ph, page, block, stop - before);
      }
      if (this.exit !== Exit.Budget || this.stopRequested) break;
      if (this.icount !== before) this.trapsInARow = 0;
      else if (++this.trapsInARow >= TRAP_LOOP_LIMIT) { this.exit = Exit.TrapLoop; break; }
    }
    return this.exit;
  }

  /** Execute exactly one instruction (used for budget tails, page-straddling and untranslatable instructions). */
  step(): void {
    const got = this.fetchRaw();
    if (got === -1) return;
    if (got === -2) { this.exit = Exit.FetchFault; return; }
    interpretOne(this, this.x, this.pcLo, this.pcHi, decodeWord(this.fetched));
  }

  /** The guest-physical address of a fetch fault (valid after `Exit.FetchFault`). */
  fetchFaultAddress(): { lo: number; hi: number } {
    return { lo: this.paLo, hi: this.paHi };
  }

  /** Read register i as an unsigned number (exact below 2^53; for display and SBI arguments). */
  reg(i: number): number {
    return (this.x[2 * i + 1]! >>> 0) * TWO32 + (this.x[2 * i]! >>> 0);
  }

  /** pc as a hex string. */
  pcHex(): string {
    return (this.pcHi >>> 0).toString(16).padStart(8, '0') + (this.pcLo >>> 0).toString(16).padStart(8, '0');
  }
}

