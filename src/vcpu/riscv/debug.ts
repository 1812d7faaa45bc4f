/**
 * Debugger support in the hart: breakpoints, watchpoints and single-step, as a GDB stub needs them.
 *
 * Without a debugger attached the hart pays one field test per dispatch. With one, code runs as usual except where a
 * stop could happen: a page holding a breakpoint, anywhere while watchpoints exist, and while single-stepping run
 * one instruction at a time, checked before (breakpoints) or after (watchpoints, steps) it executes. Watchpoints
 * report after the access, as QEMU's do and as GDB expects of RISC-V targets (it reads the new value at the stop).
 */
import { decode, type Insn } from './decode.js';

/** Kinds of watchpoint, numbered as GDB's Z2/Z3/Z4 packets. */
export enum WatchKind { Write = 2, Read = 3, Access = 4 }

/** Why a hart stopped for the debugger. */
export type DebugStop =
  | { readonly kind: 'breakpoint' }
  | { readonly kind: 'step' }
  | { readonly kind: 'watch'; readonly watch: WatchKind; readonly addrLo: number; readonly addrHi: number };

interface Watchpoint {
  readonly lo: number;
  readonly hi: number;
  readonly len: number;
  readonly kind: WatchKind;
}

const TWO32 = 4294967296;

/**
 * Breakpoints and watchpoints of one guest (GDB's are per process: every VCPU shares them), by virtual address.
 * Addresses are kept as (hi, lo) words: kernel addresses such as 0xffffffff80000000 are not exact as doubles.
 */
export class DebugPoints {
  private readonly breakpoints = new Map<number, Set<number>>();
  /** Virtual pages (by high word, then page number of the low word) holding a breakpoint. */
  private readonly pages = new Map<number, Map<number, number>>();
  private readonly watchpoints: Watchpoint[] = [];

  get watching(): boolean {
    return this.watchpoints.length > 0;
  }

  get empty(): boolean {
    return this.breakpoints.size === 0 && this.watchpoints.length === 0;
  }

  addBreakpoint(lo: number, hi: number): void {
    const set = this.breakpoints.get(hi) ?? new Set<number>();
    this.breakpoints.set(hi, set);
    if (set.has(lo >>> 0)) return;
    set.add(lo >>> 0);
    const pages = this.pages.get(hi) ?? new Map<number, number>();
    this.pages.set(hi, pages);
    pages.set(lo >>> 12, (pages.get(lo >>> 12) ?? 0) + 1);
  }

  /** False when there was no breakpoint there. */
  removeBreakpoint(lo: number, hi: number): boolean {
    const set = this.breakpoints.get(hi);
    if (!set?.delete(lo >>> 0)) return false;
    if (set.size === 0) this.breakpoints.delete(hi);
    const pages = this.pages.get(hi)!;
    const left = pages.get(lo >>> 12)! - 1;
    if (left > 0) pages.set(lo >>> 12, left);
    else pages.delete(lo >>> 12);
    if (pages.size === 0) this.pages.delete(hi);
    return true;
  }

  isBreakpoint(lo: number, hi: number): boolean {
    return this.breakpoints.get(hi)?.has(lo >>> 0) ?? false;
  }

  /** Whether code at (hi:lo) must run one instruction at a time: its page holds a breakpoint. */
  onBreakpointPage(lo: number, hi: number): boolean {
    return this.pages.get(hi)?.has(lo >>> 12) ?? false;
  }

  addWatchpoint(lo: number, hi: number, len: number, kind: WatchKind): void {
    this.watchpoints.push({ lo: lo >>> 0, hi: hi >>> 0, len, kind });
  }

  removeWatchpoint(lo: number, hi: number, len: number, kind: WatchKind): boolean {
    const i = this.watchpoints.findIndex((w) => w.lo === lo >>> 0 && w.hi === hi >>> 0 && w.len === len && w.kind === kind);
    if (i < 0) return false;
    this.watchpoints.splice(i, 1);
    return true;
  }

  clear(): void {
    this.breakpoints.clear();
    this.pages.clear();
    this.watchpoints.length = 0;
  }

  /**
   * The watchpoint an access of `size` bytes at (hi:lo) triggers, if any: a write triggers write and access
   * watchpoints, a read read and access ones. `hit` gets the first watched byte the access touches.
   */
  match(lo: number, hi: number, size: number, write: boolean, read: boolean, hit: { lo: number; hi: number }): WatchKind | undefined {
    for (const w of this.watchpoints) {
      if (w.kind === WatchKind.Write ? !write : w.kind === WatchKind.Read ? !read : !(read || write)) continue;
      // The access start minus the watch start, exact: addresses near 2^64 are not exact as doubles.
      const hiDiff = (hi - w.hi) | 0;
      if (hiDiff > 1 || hiDiff < -1) continue;
      const diff = hiDiff * TWO32 + ((lo >>> 0) - w.lo);
      if (diff >= w.len || diff <= -size) continue;
      if (diff > 0) { hit.lo = lo; hit.hi = hi; } else { hit.lo = w.lo | 0; hit.hi = w.hi | 0; }
      return w.kind;
    }
    return undefined;
  }
}

/** A memory access an instruction is about to make. */
interface Access {
  lo: number;
  hi: number;
  size: number;
  read: boolean;
  write: boolean;
}

const LOAD_SIZE: Record<string, number> = { lb: 1, lbu: 1, lh: 2, lhu: 2, lw: 4, lwu: 4, ld: 8, flw: 4, fld: 8 };
const STORE_SIZE: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8, fsw: 4, fsd: 8 };

/** The access `ins` would make with registers `x` (x[2i] low word), into `out`; false if it accesses no memory. */
export function memoryAccess(ins: Insn, x: Int32Array, out: Access): boolean {
  let size = LOAD_SIZE[ins.op], read = true, write = false, imm = ins.imm;
  if (size === undefined) {
    size = STORE_SIZE[ins.op];
    read = false; write = true;
    if (size === undefined) {
      const dot = ins.op.lastIndexOf('.');
      if (!ins.op.startsWith('amo') && !ins.op.startsWith('lr.') && !ins.op.startsWith('sc.')) return false;
      size = ins.op.slice(dot) === '.d' ? 8 : 4;
      read = !ins.op.startsWith('sc.');
      write = !ins.op.startsWith('lr.');
      imm = 0;
    }
  }
  const baseLo = x[2 * ins.rs1]!, baseHi = x[2 * ins.rs1 + 1]!;
  const lo = (baseLo + imm) | 0;
  // Carry out of the low word, and the sign extension of the immediate into the high word.
  const carry = (lo >>> 0) < (baseLo >>> 0) !== imm < 0 ? (imm < 0 ? -1 : 1) : 0;
  out.lo = lo;
  out.hi = (baseHi + carry) | 0;
  out.size = size;
  out.read = read;
  out.write = write;
  return true;
}

/** The per-hart debugger state: whether it is stepping, and the stop it reached. */
export class HartDebug {
  /** Run one instruction (or take one trap), then stop. Interrupts are held off meanwhile (QEMU's NOIRQ stepping). */
  stepping = false;
  /** The stop the hart reached (set with Exit.Debug), until the debugger takes it. */
  stop: DebugStop | undefined = undefined;
  private stepIcount = 0;
  private stepPcLo = 0;
  private stepPcHi = 0;
  /** A watchpoint the instruction being stepped over triggers, reported once it completes. */
  private armed: { kind: WatchKind; lo: number; hi: number } | undefined;
  private armedIcount = 0;
  private readonly access: Access = { lo: 0, hi: 0, size: 0, read: false, write: false };
  private readonly hit = { lo: 0, hi: 0 };

  constructor(readonly points: DebugPoints) {}

  /** Start a single step from the hart's current state. */
  beginStep(icount: number, pcLo: number, pcHi: number): void {
    this.stepping = true;
    this.stepIcount = icount;
    this.stepPcLo = pcLo;
    this.stepPcHi = pcHi;
  }

  /**
   * At a dispatch with pc (hi:lo) and `icount` retired: the stop the hart has reached, if any: a watched access
   * completed, a step done (an instruction retired, or a trap moved pc), or a breakpoint at pc. Sets `stop`.
   */
  reached(icount: number, pcLo: number, pcHi: number): boolean {
    if (this.armed !== undefined) {
      const a = this.armed;
      this.armed = undefined;
      if (icount !== this.armedIcount) {
        this.stepping = false;
        this.stop = { kind: 'watch', watch: a.kind, addrLo: a.lo, addrHi: a.hi };
        return true;
      }
    }
    if (this.stepping && (icount !== this.stepIcount || pcLo !== this.stepPcLo || pcHi !== this.stepPcHi)) {
      this.stepping = false;
      this.stop = { kind: 'step' };
      return true;
    }
    if (!this.stepping && this.points.isBreakpoint(pcLo, pcHi)) {
      this.stop = { kind: 'breakpoint' };
      return true;
    }
    return false;
  }

  /** Whether the instruction at pc must run alone (under the debugger's eye) rather than in a block. */
  singleSteps(pcLo: number, pcHi: number): boolean {
    return this.stepping || this.points.watching || this.points.onBreakpointPage(pcLo, pcHi);
  }

  /**
   * Before the instruction with bits `raw` runs alone: arm the watchpoint its access would trigger (reported at the
   * next dispatch if it retired; an access that faults triggers nothing).
   */
  beforeStep(raw: number, x: Int32Array, icount: number): void {
    if (!this.points.watching) return;
    const a = this.access;
    if (!memoryAccess(decode(raw), x, a)) return;
    const kind = this.points.match(a.lo, a.hi, a.size, a.write, a.read, this.hit);
    if (kind === undefined) return;
    this.armed = { kind, lo: this.hit.lo, hi: this.hit.hi };
    this.armedIcount = icount;
  }
}
