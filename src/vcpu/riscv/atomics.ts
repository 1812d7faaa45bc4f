/**
 * The A extension's memory side: LR/SC reservations and AMOs, executed atomically (the harts of a guest run one
 * at a time on one thread; in parallel mode, with the host's atomics). Misaligned addresses trap (LR: load misaligned, others: store/AMO misaligned); an AMO outside
 * RAM is an access fault, since devices are not atomic-capable.
 */
import type { Hart } from './hart.js';
import { Cause } from './privilege.js';
import { Access } from './mmu.js';
import { Amo } from './kinds.js';

/** Execute `op` (kinds.ts Amo) of `size` bytes; returns the instructions retired (0 when it trapped). */
export function atomic(h: Hart, op: number, size: number, rd: number, rs1: number, rs2: number): number {
  const aLo = h.x[2 * rs1]!, aHi = h.x[2 * rs1 + 1]!;
  const isLr = op === Amo.Lr;
  if ((aLo & (size - 1)) !== 0) {
    h.trap(isLr ? Cause.MisalignedLoad : Cause.MisalignedStore, aLo, aHi);
    return 0;
  }
  if (op === Amo.Sc && !(h.resValid && h.resLo === aLo && h.resHi === aHi)) {
    h.resValid = false;
    if (rd !== 0) { h.x[2 * rd] = 1; h.x[2 * rd + 1] = 0; }
    h.advance(4);
    return 1;
  }
  const off = h.translate(aLo, aHi, isLr ? Access.Read : Access.Write);
  if (off === -1) return 0;
  if (off === -2) {
    h.trap(isLr ? Cause.LoadAccess : Cause.StoreAccess, aLo, aHi);
    return 0;
  }
  const page = off >>> 12;
  if (!isLr && h.code.isCode(page)) h.code.invalidatePage(page);
  if (h.barrier !== undefined) return sharedAtomic(h, op, size, rd, rs1, rs2, off);
  const m = h.mem32, i = off >> 2;
  const oldLo = m[i]!, oldHi = size === 8 ? m[i + 1]! : oldLo >> 31;
  if (isLr) {
    h.resValid = true; h.resLo = aLo; h.resHi = aHi;
  } else if (op === Amo.Sc) {
    h.resValid = false;
    m[i] = h.x[2 * rs2]!;
    if (size === 8) m[i + 1] = h.x[2 * rs2 + 1]!;
    return retire(h, rd, 0, 0);
  } else {
    const bLo = h.x[2 * rs2]!, bHi = size === 8 ? h.x[2 * rs2 + 1]! : bLo >> 31;
    amoResult(op, oldLo, oldHi, bLo, bHi);
    m[i] = result[0]!;
    if (size === 8) m[i + 1] = result[1]!;
  }
  return retire(h, rd, oldLo, oldHi);
}

/** The value an AMO stores, from the old value and rs2 (both as words), into `result`. */
const result = new Int32Array(2);
function amoResult(op: number, oldLo: number, oldHi: number, bLo: number, bHi: number): void {
  let nLo = bLo, nHi = bHi;
  switch (op) {
    case Amo.Swap: break;
    case Amo.Add: nLo = (oldLo + bLo) | 0; nHi = (oldHi + bHi + ((nLo >>> 0) < (oldLo >>> 0) ? 1 : 0)) | 0; break;
    case Amo.Xor: nLo = oldLo ^ bLo; nHi = oldHi ^ bHi; break;
    case Amo.And: nLo = oldLo & bLo; nHi = oldHi & bHi; break;
    case Amo.Or: nLo = oldLo | bLo; nHi = oldHi | bHi; break;
    default: {
      const less = op === Amo.Min || op === Amo.Max
        ? oldHi < bHi || (oldHi === bHi && (oldLo >>> 0) < (bLo >>> 0))
        : (oldHi >>> 0) < (bHi >>> 0) || (oldHi === bHi && (oldLo >>> 0) < (bLo >>> 0));
      const takeOld = op === Amo.Min || op === Amo.MinU ? less : !less;
      if (takeOld) { nLo = oldLo; nHi = oldHi; }
    }
  }
  result[0] = nLo; result[1] = nHi;
}

/** Write the loaded (old) value to rd, step past the instruction: 1 retired. */
function retire(h: Hart, rd: number, lo: number, hi: number): number {
  if (rd !== 0) { h.x[2 * rd] = lo; h.x[2 * rd + 1] = hi; }
  h.advance(4);
  return 1;
}

/** 64-bit views of shared guest memories, for 64-bit atomics across threads. */
const wideViews = new WeakMap<ArrayBufferLike, BigInt64Array>();
function wideView(h: Hart): BigInt64Array {
  const buffer = h.mem32.buffer;
  let v = wideViews.get(buffer);
  if (v === undefined) {
    v = new BigInt64Array(buffer, 0, buffer.byteLength >>> 3);
    wideViews.set(buffer, v);
  }
  return v;
}

/**
 * Parallel mode: harts on other threads access the same memory, so every AMO is a compare-and-swap loop on the
 * host (a full barrier, which also gives .aq/.rl their order), and LR/SC is the same compare-and-swap against the
 * value LR read, as QEMU's MTTCG does it (an SC succeeds if the location holds what LR saw; a write of the same
 * value in between goes unnoticed, which no LR/SC algorithm can tell from a reservation kept).
 */
function sharedAtomic(h: Hart, op: number, size: number, rd: number, rs1: number, rs2: number, off: number): number {
  const bLo = h.x[2 * rs2]!, bHi = size === 8 ? h.x[2 * rs2 + 1]! : bLo >> 31;
  if (size === 4) {
    const m = h.mem32, i = off >> 2;
    if (op === Amo.Lr) {
      const v = Atomics.load(m, i);
      reserve(h, rs1, v, v >> 31);
      return retire(h, rd, v, v >> 31);
    }
    if (op === Amo.Sc) {
      h.resValid = false;
      const ok = Atomics.compareExchange(m, i, h.resValLo, bLo) === h.resValLo;
      return retire(h, rd, ok ? 0 : 1, 0);
    }
    for (;;) {
      const old = Atomics.load(m, i);
      amoResult(op, old, old >> 31, bLo, bHi);
      if (Atomics.compareExchange(m, i, old, result[0]!) === old) return retire(h, rd, old, old >> 31);
    }
  }
  const m = wideView(h), j = off >> 3;
  if (op === Amo.Lr) {
    const v = Atomics.load(m, j);
    const lo = Number(BigInt.asIntN(32, v)), hi = Number(v >> 32n);
    reserve(h, rs1, lo, hi);
    return retire(h, rd, lo, hi);
  }
  if (op === Amo.Sc) {
    h.resValid = false;
    const expected = wide64(h.resValLo, h.resValHi);
    const ok = Atomics.compareExchange(m, j, expected, wide64(bLo, bHi)) === expected;
    return retire(h, rd, ok ? 0 : 1, 0);
  }
  for (;;) {
    const old = Atomics.load(m, j);
    const lo = Number(BigInt.asIntN(32, old)), hi = Number(old >> 32n);
    amoResult(op, lo, hi, bLo, bHi);
    if (Atomics.compareExchange(m, j, old, wide64(result[0]!, result[1]!)) === old) return retire(h, rd, lo, hi);
  }
}

/** LR's reservation: the address in rs1 and the value read. */
function reserve(h: Hart, rs1: number, lo: number, hi: number): void {
  h.resValid = true; h.resLo = h.x[2 * rs1]!; h.resHi = h.x[2 * rs1 + 1]!;
  h.resValLo = lo; h.resValHi = hi;
}

const wide64 = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
