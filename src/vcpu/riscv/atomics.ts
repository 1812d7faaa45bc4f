/**
 * The A extension's memory side: LR/SC reservations and AMOs, executed atomically (the harts of a guest run one
 * at a time). Misaligned addresses trap (LR: load misaligned, others: store/AMO misaligned); an AMO outside
 * RAM is an access fault, since devices are not atomic-capable.
 */
import type { Hart } from './hart.js';
import { Cause } from './privilege.js';
import { Access } from './mmu.js';
import { Amo } from './kinds.js';

/** Execute `op` (kinds.ts Amo) of `size` bytes; returns the instructions retired (0 when it trapped). */
export function atomic(h: Hart, op: number, size: number, rd: number, rs1: number, rs2: number): number {
  const aLo = h.x[2 * rs1], aHi = h.x[2 * rs1 + 1];
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
  const m = h.mem32, i = off >> 2;
  const oldLo = m[i], oldHi = size === 8 ? m[i + 1] : oldLo >> 31;
  const bLo = h.x[2 * rs2], bHi = size === 8 ? h.x[2 * rs2 + 1] : bLo >> 31;
  if (isLr) {
    h.resValid = true; h.resLo = aLo; h.resHi = aHi;
  } else {
    let nLo = bLo, nHi = bHi;
    switch (op) {
      case Amo.Sc: h.resValid = false; break;
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
    const page = off >>> 12;
    if (h.code.isCode(page)) h.code.invalidatePage(page);
    m[i] = nLo;
    if (size === 8) m[i + 1] = nHi;
    if (op === Amo.Sc) { if (rd !== 0) { h.x[2 * rd] = 0; h.x[2 * rd + 1] = 0; } h.advance(4); return 1; }
  }
  if (rd !== 0) { h.x[2 * rd] = oldLo; h.x[2 * rd + 1] = oldHi; }
  h.advance(4);
  return 1;
}
