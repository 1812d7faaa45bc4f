/**
 * 64-bit integer operations on register pairs, without BigInt.
 *
 * Registers live in an Int32Array as (low, high) halves: x[2i] and x[2i+1]. Every function here takes the
 * register file and register numbers, reads its operands first and writes the destination last, so rd may
 * equal a source. A write to x0 lands in x[0..1]: the interpreter clears them after each instruction, and the wasm
 * tier does not call for rd = 0.
 */

const TWO32 = 4294967296;

// Scratch result of mulu32; module-level so the hot path allocates nothing.
let pLo = 0;
let pHi = 0;

/** Unsigned 32×32 → 64-bit product of `a` and `b` into (pLo, pHi). */
function mulu32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  pLo = ((mid << 16) | (p00 & 0xffff)) | 0;
  pHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

export function mul(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  mulu32(aL >>> 0, bL >>> 0);
  x[2 * rd + 1] = (pHi + Math.imul(aH, bL) + Math.imul(aL, bH)) | 0;
  x[2 * rd] = pLo;
}

/** High 64 bits of the unsigned 128-bit product into (hLo, hHi). */
let hLo = 0;
let hHi = 0;
function mulhu128(aL: number, aH: number, bL: number, bH: number): void {
  mulu32(aL >>> 0, bL >>> 0);
  const p0hi = pHi >>> 0;
  mulu32(aL >>> 0, bH >>> 0);
  const p1lo = pLo >>> 0, p1hi = pHi >>> 0;
  mulu32(aH >>> 0, bL >>> 0);
  const p2lo = pLo >>> 0, p2hi = pHi >>> 0;
  mulu32(aH >>> 0, bH >>> 0);
  const p3lo = pLo >>> 0, p3hi = pHi >>> 0;
  const t = p0hi + p1lo + p2lo; // < 2^34, exact
  const u = p3lo + p1hi + p2hi + Math.floor(t / TWO32);
  hLo = u | 0;
  hHi = (p3hi + Math.floor(u / TWO32)) | 0;
}

/** Subtract the 64-bit (bL, bH) from (hLo, hHi). */
function subH(bL: number, bH: number): void {
  const lo = (hLo - bL) | 0;
  hHi = (hHi - bH - ((hLo >>> 0) < (bL >>> 0) ? 1 : 0)) | 0;
  hLo = lo;
}

export function mulhu(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  mulhu128(x[2 * rs1]!, x[2 * rs1 + 1]!, x[2 * rs2]!, x[2 * rs2 + 1]!);
  x[2 * rd] = hLo;
  x[2 * rd + 1] = hHi;
}

export function mulh(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  mulhu128(aL, aH, bL, bH);
  if (aH < 0) subH(bL, bH);
  if (bH < 0) subH(aL, aH);
  x[2 * rd] = hLo;
  x[2 * rd + 1] = hHi;
}

export function mulhsu(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  mulhu128(aL, aH, bL, bH);
  if (aH < 0) subH(bL, bH);
  x[2 * rd] = hLo;
  x[2 * rd + 1] = hHi;
}

// Unsigned 64-bit division result: quotient (qLo, qHi), remainder (rLo, rHi).
let qLo = 0, qHi = 0, rLo = 0, rHi = 0;

/** Unsigned 64-bit divide of (aL, aH) by a nonzero (bL, bH). */
function divu64(aL: number, aH: number, bL: number, bH: number): void {
  const ah = aH >>> 0, al = aL >>> 0, bh = bH >>> 0, bl = bL >>> 0;
  if (bh === 0 && bl < 0x200000) {
    // Divisor below 2^21: two chunks of exact double arithmetic (remainder·2^32 + low < 2^53).
    const q1 = Math.floor(ah / bl);
    const r1 = ah - q1 * bl;
    const n = r1 * TWO32 + al;
    const q0 = Math.floor(n / bl);
    qHi = q1 | 0; qLo = q0 | 0;
    rLo = (n - q0 * bl) | 0; rHi = 0;
    return;
  }
  if (ah < 0x200000 && bh < 0x200000) {
    // Both below 2^53: exact doubles; the truncated quotient is corrected by its exact remainder.
    const a = ah * TWO32 + al, b = bh * TWO32 + bl;
    let q = Math.floor(a / b);
    let r = a - q * b;
    if (r < 0) { q -= 1; r += b; } else if (r >= b) { q += 1; r -= b; }
    qHi = Math.floor(q / TWO32) | 0; qLo = q | 0;
    rHi = Math.floor(r / TWO32) | 0; rLo = r | 0;
    return;
  }
  // General case: restoring shift-subtract division, one quotient bit per step.
  let remH = 0, remL = 0, quoH = 0, quoL = 0;
  for (let i = 63; i >= 0; i--) {
    remH = (remH << 1) | (remL >>> 31);
    remL = (remL << 1) | (i >= 32 ? (ah >>> (i - 32)) & 1 : (al >>> i) & 1);
    if ((remH >>> 0) > bh || ((remH >>> 0) === bh && (remL >>> 0) >= bl)) {
      const lo = (remL - bl) | 0;
      remH = (remH - bh - ((remL >>> 0) < bl ? 1 : 0)) | 0;
      remL = lo;
      if (i >= 32) quoH |= 1 << (i - 32); else quoL |= 1 << i;
    }
  }
  qLo = quoL; qHi = quoH; rLo = remL; rHi = remH;
}

function neg(lo: number, hi: number): void {
  // Result in (nLo, nHi).
  nLo = (-lo) | 0;
  nHi = (~hi + (lo === 0 ? 1 : 0)) | 0;
}
let nLo = 0, nHi = 0;

export function divu(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  if ((bL | bH) === 0) { x[2 * rd] = -1; x[2 * rd + 1] = -1; return; }
  divu64(aL, aH, bL, bH);
  x[2 * rd] = qLo; x[2 * rd + 1] = qHi;
}

export function remu(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  if ((bL | bH) === 0) { x[2 * rd] = aL; x[2 * rd + 1] = aH; return; }
  divu64(aL, aH, bL, bH);
  x[2 * rd] = rLo; x[2 * rd + 1] = rHi;
}

/** Signed divide into (qLo, qHi, rLo, rHi); the divisor is nonzero and the case MIN/-1 is excluded. */
function divs64(aL: number, aH: number, bL: number, bH: number): void {
  let ua = aL, uah = aH, ub = bL, ubh = bH;
  if (aH < 0) { neg(aL, aH); ua = nLo; uah = nHi; }
  if (bH < 0) { neg(bL, bH); ub = nLo; ubh = nHi; }
  divu64(ua, uah, ub, ubh);
  if ((aH ^ bH) < 0) { neg(qLo, qHi); qLo = nLo; qHi = nHi; }
  if (aH < 0) { neg(rLo, rHi); rLo = nLo; rHi = nHi; }
}

export function div(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  if ((bL | bH) === 0) { x[2 * rd] = -1; x[2 * rd + 1] = -1; return; }
  if (aL === 0 && aH === -0x80000000 && bL === -1 && bH === -1) { x[2 * rd] = aL; x[2 * rd + 1] = aH; return; }
  if (aH === aL >> 31 && bH === bL >> 31) {
    const q = Math.trunc(aL / bL) | 0; // both fit int32; the overflow case was handled above
    x[2 * rd] = q; x[2 * rd + 1] = aL === -0x80000000 && bL === -1 ? 0 : q >> 31;
    return;
  }
  divs64(aL, aH, bL, bH);
  x[2 * rd] = qLo; x[2 * rd + 1] = qHi;
}

export function rem(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const aL = x[2 * rs1]!, aH = x[2 * rs1 + 1]!, bL = x[2 * rs2]!, bH = x[2 * rs2 + 1]!;
  if ((bL | bH) === 0) { x[2 * rd] = aL; x[2 * rd + 1] = aH; return; }
  if (aL === 0 && aH === -0x80000000 && bL === -1 && bH === -1) { x[2 * rd] = 0; x[2 * rd + 1] = 0; return; }
  if (aH === aL >> 31 && bH === bL >> 31) {
    const r = bL === -1 ? 0 : aL % bL;
    x[2 * rd] = r; x[2 * rd + 1] = r >> 31;
    return;
  }
  divs64(aL, aH, bL, bH);
  x[2 * rd] = rLo; x[2 * rd + 1] = rHi;
}

export function divw(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[2 * rs1]!, b = x[2 * rs2]!;
  const q = b === 0 ? -1 : b === -1 ? (-a) | 0 : Math.trunc(a / b) | 0;
  x[2 * rd] = q; x[2 * rd + 1] = q >> 31;
}

export function divuw(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[2 * rs1]! >>> 0, b = x[2 * rs2]! >>> 0;
  const q = b === 0 ? -1 : Math.floor(a / b) | 0;
  x[2 * rd] = q; x[2 * rd + 1] = q >> 31;
}

export function remw(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[2 * rs1]!, b = x[2 * rs2]!;
  const r = b === 0 ? a : b === -1 ? 0 : a % b;
  x[2 * rd] = r; x[2 * rd + 1] = r >> 31;
}

export function remuw(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[2 * rs1]! >>> 0, b = x[2 * rs2]! >>> 0;
  const r = b === 0 ? a | 0 : (a % b) | 0;
  x[2 * rd] = r; x[2 * rd + 1] = r >> 31;
}

/** Shift left logical by a register amount (low 6 bits). */
export function sll(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const s = x[2 * rs2]! & 63, lo = x[2 * rs1]!, hi = x[2 * rs1 + 1]!;
  if (s === 0) { x[2 * rd] = lo; x[2 * rd + 1] = hi; }
  else if (s < 32) { x[2 * rd + 1] = (hi << s) | (lo >>> (32 - s)); x[2 * rd] = lo << s; }
  else { x[2 * rd + 1] = lo << (s - 32); x[2 * rd] = 0; }
}

export function srl(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const s = x[2 * rs2]! & 63, lo = x[2 * rs1]!, hi = x[2 * rs1 + 1]!;
  if (s === 0) { x[2 * rd] = lo; x[2 * rd + 1] = hi; }
  else if (s < 32) { x[2 * rd] = (lo >>> s) | (hi << (32 - s)); x[2 * rd + 1] = hi >>> s; }
  else { x[2 * rd] = hi >>> (s - 32); x[2 * rd + 1] = 0; }
}

export function sra(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const s = x[2 * rs2]! & 63, lo = x[2 * rs1]!, hi = x[2 * rs1 + 1]!;
  if (s === 0) { x[2 * rd] = lo; x[2 * rd + 1] = hi; }
  else if (s < 32) { x[2 * rd] = (lo >>> s) | (hi << (32 - s)); x[2 * rd + 1] = hi >> s; }
  else { x[2 * rd] = hi >> (s - 32); x[2 * rd + 1] = hi >> 31; }
}
