/**
 * RISC-V F and D extension arithmetic: one function per instruction, IEEE 754-2008 exactly as the
 * RISC-V unprivileged spec defines it (all five rounding modes, all five exception flags with
 * tininess detected after rounding, canonical NaNs, NaN-boxed singles, 2019 fmin/fmax semantics,
 * saturating conversions to integers).
 *
 * How it computes. Registers are read as native doubles; NaN bits are never trusted to V8 (NaN
 * results are written as canonical bits, NaN inputs are recognised from the register words).
 *
 * - Double precision: the native round-to-nearest-even result plus its exact error from an
 *   error-free transformation (TwoSum for +/−, Dekker's TwoProduct for ×, the remainder a − q·b
 *   for ÷ and a − q² for √). A zero error means exact; otherwise NX, and the error's sign (and, for
 *   RMM, whether it is exactly half an ulp) moves the result one ulp by bit manipulation for the
 *   directed modes. FMA: TwoProduct, then TwoSum(c, ph), TwoSum(tl, pl), TwoSum(th, mh) give
 *   a·b + c = r + e + ml exactly, and r is the correctly rounded result whenever |e + ml| is below
 *   half an ulp of r, which it is except next to ties.
 * - Single precision: computed in double, where ×, and the product in an FMA, are exact, + and −
 *   come with their TwoSum error, ÷ and √ with their remainder's sign. The double is made
 *   round-to-odd when it is inexact (odd last bit, Boldo–Melquiond), which makes rounding it to
 *   single in any mode exact: Math.fround for RNE, then one f32 ulp step for the other modes.
 *   With RNE and a normal result the hot path is just fround plus an exactness check (for + − × ÷ √
 *   double rounding is innocuous, Figueroa).
 * - Integer conversions use Math.round/trunc/floor/ceil and 32-bit word splits; 64-bit integers to
 *   floating point go through an exact two-word sum. No BigInt on any of these paths.
 *
 * Rare paths, computed exactly with BigInt significands (fpu-exact.ts), all double precision:
 * - ×, ÷ and FMA results below 2^-1021 (subnormal or next to the subnormal range) or that overflow,
 *   and + − results that overflow;
 * - operands above 2^995 in ×, ÷ and FMA (Dekker's splitting would overflow);
 * - FMA whose product is below 2^-960 (its error term would underflow), unless the addend is above
 *   2^-900 and simply absorbs it;
 * - FMA whose exact tail is an ulp or more of the intermediate result (never observed: ties and
 *   near-ties in the intermediate sums are resolved without BigInt, see fmaNearHalf).
 * Singles, √, conversions, compares and everything else never use BigInt.
 */
import { exactAdd, exactDiv, exactFma, exactMul, type Rounded } from './fpu-exact.js';

/** The hart's floating-point view of its register file (the hart owns the arrays). */
export interface FpRegs {
  /** Integer registers as 32-bit halves: x[2*i] = low word, x[2*i+1] = high word (signed Int32 views). */
  readonly x: Int32Array;
  /** FP registers as doubles, aliasing fw (same ArrayBuffer, little-endian host). */
  readonly f: Float64Array;
  /** FP registers as 32-bit words: fw[2*i] low word, fw[2*i+1] high word. */
  readonly fw: Int32Array;
  /** Accrued exception flags (fflags bits: NX=1 UF=2 OF=4 DZ=8 NV=16); ops OR into it. */
  fflags: number;
}

/** One instruction: rd and rs1..rs3 are register numbers, rm the resolved rounding mode 0..4. */
export type FpOp = (s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number) => void;

/** fflags bits: inexact, underflow, overflow, divide by zero, invalid. */
const NX = 1;
const UF = 2;
const OF = 4;
const DZ = 8;
const NV = 16;

/** Rounding modes (frm / instruction rm field values). */
const RNE = 0;
const RTZ = 1;
const RDN = 2;
const RUP = 3;
const RMM = 4;

const MAX_D = 1.7976931348623157e308;
const TWO_M1021 = 2 ** -1021; // twice the smallest normal double
const TWO_M960 = 2 ** -960;
const TWO_M900 = 2 ** -900;
const ONE_PLUS_ULP = 1 + 2 ** -52;
const TWO_1000 = 2 ** 1000;
const TWO_M53 = 2 ** -53;
const TWO_M54 = 2 ** -54;
const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const TWO_64 = 18446744073709551616;
const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitting constant

/**
 * Dekker's TwoProduct: the exact error a·b − p of p = RN(a·b), for operands small enough to split (|a|, |b| below
 * about 2^996) and a product whose error is not subnormal. One number back, so nothing is allocated.
 */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

const MAX_S = 3.4028234663852886e38;
const MIN_NORMAL_S = 2 ** -126;
const TWO_128 = 2 ** 128;
const TWO_M128 = 2 ** -128;
const MIN_SUB_S = 2 ** -149;

const CANON_S = 0x7fc00000;

// Scratch words shared by the bit-level helpers (little-endian host).
const SCR = new ArrayBuffer(8);
const F64 = new Float64Array(SCR);
const U32 = new Uint32Array(SCR);
const I32 = new Int32Array(SCR);
const F32 = new Float32Array(SCR, 0, 1);

// ---------------------------------------------------------------------------------------------
// Register access

/** A single-precision operand's bits: the low word if NaN-boxed, else the canonical NaN. */
function bitsS(s: FpRegs, i: number): number {
  const w = s.fw;
  return w[2 * i + 1] === -1 ? w[2 * i]! : CANON_S;
}

/** A single-precision operand as a double (exact). */
function readS(s: FpRegs, i: number): number {
  const w = s.fw;
  I32[0] = w[2 * i + 1] === -1 ? w[2 * i]! : CANON_S;
  return F32[0]!;
}

/** Writes a (non-NaN) single-precision value, NaN-boxed. */
function writeS(s: FpRegs, rd: number, v: number): void {
  F32[0] = v;
  const w = s.fw;
  w[2 * rd] = I32[0]!;
  w[2 * rd + 1] = -1;
}

function writeBitsS(s: FpRegs, rd: number, bits: number): void {
  const w = s.fw;
  w[2 * rd] = bits;
  w[2 * rd + 1] = -1;
}

function writeNaNS(s: FpRegs, rd: number): void {
  const w = s.fw;
  w[2 * rd] = CANON_S;
  w[2 * rd + 1] = -1;
}

function writeNaND(s: FpRegs, rd: number): void {
  const w = s.fw;
  w[2 * rd] = 0;
  w[2 * rd + 1] = 0x7ff80000;
}

function writeRounded(s: FpRegs, rd: number, r: Rounded): void {
  const w = s.fw;
  w[2 * rd] = Number(r.bits & 0xffffffffn);
  w[2 * rd + 1] = Number(r.bits >> 32n);
  s.fflags |= r.flags;
}

function isSNaNS(b: number): boolean {
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}

function isSNaND(s: FpRegs, i: number): boolean {
  const hi = s.fw[2 * i + 1]!;
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x0007ffff) | s.fw[2 * i]!) !== 0;
}

/** Writes a 32-bit integer result sign-extended to 64 bits (skipped for x0). */
function setX32(s: FpRegs, rd: number, v: number): void {
  if (rd !== 0) {
    const x = s.x;
    x[2 * rd] = v;
    x[2 * rd + 1] = v >> 31;
  }
}

function setX64(s: FpRegs, rd: number, hi: number, lo: number): void {
  if (rd !== 0) {
    const x = s.x;
    x[2 * rd] = lo;
    x[2 * rd + 1] = hi;
  }
}

// ---------------------------------------------------------------------------------------------
// Double rounding helpers

/** The double next to x (finite) towards +∞ (up) or −∞. */
function stepD(x: number, up: boolean): number {
  if (x === 0) return up ? 5e-324 : -5e-324;
  F64[0] = x;
  let lo = U32[0]!;
  let hi = U32[1]!;
  if (x > 0 === up) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) >>> 0;
  }
  U32[0] = lo;
  U32[1] = hi;
  return F64[0]!;
}

/**
 * r = RNE(v) is a normal double and e = v − r exactly (nonzero, |e| ≤ ½ulp): the result of v in
 * mode rm. Sets OF when a step up from the largest finite double reaches ∞.
 */
function adjustD(s: FpRegs, r: number, e: number, rm: number): number {
  const up = e > 0;
  let y = r;
  switch (rm) {
    case RTZ:
      if (up !== r > 0) y = stepD(r, up);
      break;
    case RDN:
      if (!up) y = stepD(r, false);
      break;
    case RUP:
      if (up) y = stepD(r, true);
      break;
    case RMM:
      if (up === r > 0) {
        const n = stepD(r, up);
        if (n - r === 2 * e) y = n; // an exact tie that RNE broke towards zero
      }
      break;
  }
  if (y === Infinity || y === -Infinity) s.fflags |= OF;
  return y;
}

/** As adjustD for a directed mode (RTZ, RDN, RUP) when only the direction of v from r is known. */
function adjustDirD(s: FpRegs, r: number, up: boolean, rm: number): number {
  let y = r;
  if (rm === RTZ ? up !== r > 0 : rm === RDN ? !up : up) y = stepD(r, up);
  if (y === Infinity || y === -Infinity) s.fflags |= OF;
  return y;
}

// ---------------------------------------------------------------------------------------------
// Single rounding helpers

/** The single next to y (a single-precision value) towards +∞ (up) or −∞. */
function stepS(y: number, up: boolean): number {
  if (y === 0) return up ? MIN_SUB_S : -MIN_SUB_S;
  F32[0] = y;
  I32[0] = I32[0]! + (y > 0 === up ? 1 : -1);
  return F32[0]!;
}

/**
 * Rounds x to single in mode rm, given y = fround(x) (its RNE rounding). x is the exact value or
 * its round-to-odd double (ix = inexact), |x| < 2^128. Returns ±∞ exactly when the result overflows.
 */
function roundSFrom(x: number, y: number, ix: boolean, rm: number): number {
  if (rm === RNE) return y;
  if (y === Infinity || y === -Infinity) {
    // MAX + ½ulp ≤ |x| < 2^128: away from zero overflows, towards zero gives MAX_S
    if (rm === RMM || (rm === RDN ? y < 0 : rm === RUP ? y > 0 : false)) return y;
    return y > 0 ? MAX_S : -MAX_S;
  }
  switch (rm) {
    case RTZ:
      return Math.abs(y) > Math.abs(x) ? stepS(y, y < 0) : y;
    case RDN:
      return y > x ? stepS(y, false) : y;
    case RUP:
      return y < x ? stepS(y, true) : y;
    default: {
      // RMM: differs from RNE only on an exact tie broken towards zero
      if (!ix && Math.abs(y) < Math.abs(x)) {
        const n = stepS(y, x > 0);
        if (n - y === 2 * (x - y)) return n;
      }
      return y;
    }
  }
}

/**
 * Writes the single-precision rounding of v = r + ε to f[rd], where r is a finite double and e
 * gives ε's sign (e = 0: v = r exactly; otherwise 0 < |ε| < ½ulp(r) with ε of e's sign, or e is
 * the exact error v − r). Raises NX, UF, OF.
 */
function roundS(s: FpRegs, rd: number, r: number, e: number, rm: number): void {
  let x = r;
  const ix = e !== 0;
  if (ix) {
    // round to odd at 53 bits, so that one more rounding to 24 bits is correct in any mode
    F64[0] = r;
    if ((U32[0]! & 1) === 0) x = stepD(r, e > 0);
  }
  const ax = Math.abs(x);
  if (ax >= TWO_128) {
    s.fflags |= OF | NX;
    const toInf = rm === RNE || rm === RMM || (rm === RDN ? x < 0 : rm === RUP ? x > 0 : false);
    writeS(s, rd, toInf ? (x > 0 ? Infinity : -Infinity) : x > 0 ? MAX_S : -MAX_S);
    return;
  }
  const y0 = Math.fround(x);
  if (y0 === x && !ix) {
    writeS(s, rd, x); // exact, subnormal included
    return;
  }
  const y = roundSFrom(x, y0, ix, rm);
  let fl = NX;
  if (y === Infinity || y === -Infinity) fl |= OF;
  else if (ax < MIN_NORMAL_S) {
    // tiny after rounding? Round again with the exponent range moved up out of the way.
    const xs = x * 18446744073709551616; // 2^64, exact
    if (Math.abs(roundSFrom(xs, Math.fround(xs), ix, rm)) < MIN_NORMAL_S * 18446744073709551616) fl |= UF;
  }
  s.fflags |= fl;
  writeS(s, rd, y);
}

// ---------------------------------------------------------------------------------------------
// Single precision arithmetic

function addS(s: FpRegs, rd: number, rs1: number, rs2: number, rm: number, sub: boolean): void {
  const a = readS(s, rs1);
  const b = sub ? -readS(s, rs2) : readS(s, rs2);
  const r = a + b;
  if (rm === RNE) {
    const y = Math.fround(r);
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) {
      if (y !== r) s.fflags |= NX;
      else {
        const z = r - a;
        if (a - (r - z) + (b - z) !== 0) s.fflags |= NX;
      }
      writeS(s, rd, y);
      return;
    }
  }
  if (r !== r) {
    // a NaN operand, or ∞ − ∞
    if (isSNaNS(bitsS(s, rs1)) || isSNaNS(bitsS(s, rs2)) || (a === -b && a - a !== 0)) s.fflags |= NV;
    writeNaNS(s, rd);
    return;
  }
  if (r === Infinity || r === -Infinity) {
    writeS(s, rd, r); // an infinite operand: sums of finite singles do not overflow a double
    return;
  }
  const z = r - a;
  const e = a - (r - z) + (b - z);
  if (r === 0 && e === 0) writeS(s, rd, rm === RDN ? -(-a + -b) : r);
  else roundS(s, rd, r, e, rm);
}

/*
 * RNE with NX already raised (see fadd_d): the single rounding of the double sum (double rounding is innocuous for
 * + and −, and a product of singles is exact in double) is the result when it is normal and finite.
 */

export function fadd_s(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  if (rm === RNE && (s.fflags & NX) !== 0) {
    const y = Math.fround(readS(s, rs1) + readS(s, rs2));
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) return writeS(s, rd, y);
  }
  addS(s, rd, rs1, rs2, rm, false);
}

export function fsub_s(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  if (rm === RNE && (s.fflags & NX) !== 0) {
    const y = Math.fround(readS(s, rs1) - readS(s, rs2));
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) return writeS(s, rd, y);
  }
  addS(s, rd, rs1, rs2, rm, true);
}

export function fmul_s(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  if (rm === RNE && (s.fflags & NX) !== 0) {
    const y = Math.fround(readS(s, rs1) * readS(s, rs2));
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) return writeS(s, rd, y);
  }
  mulS(s, rd, rs1, rs2, rm);
}

function mulS(s: FpRegs, rd: number, rs1: number, rs2: number, rm: number): void {
  const a = readS(s, rs1);
  const b = readS(s, rs2);
  const r = a * b; // exact: 48 significant bits, exponent ≥ −298
  if (rm === RNE) {
    const y = Math.fround(r);
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) {
      if (y !== r) s.fflags |= NX;
      writeS(s, rd, y);
      return;
    }
  }
  if (r !== r) {
    if (isSNaNS(bitsS(s, rs1)) || isSNaNS(bitsS(s, rs2)) || (a === a && b === b)) s.fflags |= NV; // or ∞ · 0
    writeNaNS(s, rd);
  } else if (r === 0 || r === Infinity || r === -Infinity) writeS(s, rd, r);
  else roundS(s, rd, r, 0, rm);
}

export function fdiv_s(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  const a = readS(s, rs1);
  const b = readS(s, rs2);
  const q = a / b;
  if (rm === RNE) {
    const y = Math.fround(q);
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) {
      if (y !== q || y * b !== a) s.fflags |= NX; // y·b is exact
      writeS(s, rd, y);
      return;
    }
  }
  if (q !== q) {
    // NaN operand, 0/0 or ∞/∞
    if (isSNaNS(bitsS(s, rs1)) || isSNaNS(bitsS(s, rs2)) || (a === a && b === b)) s.fflags |= NV;
    writeNaNS(s, rd);
  } else if (q === 0 || q === Infinity || q === -Infinity) {
    if (b === 0 && a - a === 0) s.fflags |= DZ; // finite nonzero / 0
    writeS(s, rd, q);
  } else {
    // sign of the remainder a − q·b (exact via TwoProduct) gives the side of a/b from q
    const p = q * b;
    const rem = a - p - productError(q, b, p);
    roundS(s, rd, q, rem === 0 ? 0 : rem > 0 === b > 0 ? 1 : -1, rm);
  }
}

export function fsqrt_s(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  const a = readS(s, rs1);
  const q = Math.sqrt(a);
  if (rm === RNE) {
    const y = Math.fround(q);
    if (y > MIN_NORMAL_S && y <= MAX_S) {
      if (y !== q || y * y !== a) s.fflags |= NX;
      writeS(s, rd, y);
      return;
    }
  }
  if (q !== q) {
    // NaN operand or a negative number
    if (isSNaNS(bitsS(s, rs1)) || a === a) s.fflags |= NV;
    writeNaNS(s, rd);
  } else if (q === 0 || q === Infinity) writeS(s, rd, q === 0 ? a : q);
  else roundS(s, rd, q, sqrtRemSign(a, q), rm);
}

/** Sign of a − q² (q = RN(√a), a normal double ≥ 2^-960, ≤ 2^1000), exactly. */
function sqrtRemSign(a: number, q: number): number {
  const t = SPLIT * q;
  const qh = t - (t - q);
  const ql = q - qh;
  const p = q * q;
  const pl = qh * qh - p + 2 * qh * ql + ql * ql;
  const rem = a - p - pl;
  return rem > 0 ? 1 : rem < 0 ? -1 : 0;
}

/** a·b + c in single precision (operands already negated as the instruction says). */
function fmaS(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number, negProd: boolean, negC: boolean): void {
  const a = negProd ? -readS(s, rs1) : readS(s, rs1);
  const b = readS(s, rs2);
  const c = negC ? -readS(s, rs3) : readS(s, rs3);
  const p = a * b; // exact
  const r = p + c;
  const z = r - p;
  const e = p - (r - z) + (c - z); // a·b + c = r + e exactly
  if (rm === RNE && e === 0) {
    const y = Math.fround(r);
    const ay = Math.abs(y);
    if (ay > MIN_NORMAL_S && ay <= MAX_S) {
      if (y !== r) s.fflags |= NX;
      writeS(s, rd, y);
      return;
    }
  }
  if (r !== r) {
    // NaN operand, ∞·0, or ∞ − ∞. RISC-V raises NV for ∞·0 + qNaN too.
    if (
      isSNaNS(bitsS(s, rs1)) ||
      isSNaNS(bitsS(s, rs2)) ||
      isSNaNS(bitsS(s, rs3)) ||
      (a === a && b === b && (p !== p || c === c))
    )
      s.fflags |= NV;
    writeNaNS(s, rd);
  } else if (r === Infinity || r === -Infinity) writeS(s, rd, r);
  else if (r === 0 && e === 0) writeS(s, rd, rm === RDN ? -(-p + -c) : r);
  else roundS(s, rd, r, e, rm);
}

export function fmadd_s(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  fmaS(s, rd, rs1, rs2, rs3, rm, false, false);
}
export function fmsub_s(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  fmaS(s, rd, rs1, rs2, rs3, rm, false, true);
}
export function fnmsub_s(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  fmaS(s, rd, rs1, rs2, rs3, rm, true, false);
}
export function fnmadd_s(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  fmaS(s, rd, rs1, rs2, rs3, rm, true, true);
}

// ---------------------------------------------------------------------------------------------
// Double precision arithmetic

function addD(s: FpRegs, rd: number, rs1: number, rs2: number, rm: number, sub: boolean): void {
  const f = s.f;
  const a = f[rs1]!;
  const b = sub ? -f[rs2]! : f[rs2]!;
  const r = a + b;
  if (Math.abs(r) <= MAX_D) {
    const z = r - a;
    const e = a - (r - z) + (b - z); // TwoSum: a + b = r + e
    if (e === 0) {
      f[rd] = r === 0 && rm === RDN ? -(-a + -b) : r;
      return;
    }
    if (e - e === 0) {
      s.fflags |= NX;
      f[rd] = rm === RNE ? r : adjustD(s, r, e, rm);
      return;
    }
  }
  if (r !== r) {
    if (isSNaND(s, rs1) || isSNaND(s, rs2) || (a === -b && a - a !== 0)) s.fflags |= NV;
    writeNaND(s, rd);
  } else if (a - a !== 0 || b - b !== 0) f[rd] = r; // an infinite operand
  else writeRounded(s, rd, exactAdd(a, b, rm)); // overflow (rare)
}

/*
 * RNE with NX already raised (flags accrue, and FP code raises NX almost at once): a finite sum, a normal finite
 * product or quotient (not next to the subnormal range) and the root of a positive finite double raise nothing new,
 * so V8's result is the whole answer and the error-free transformation that only decided NX is not needed. The
 * exported functions are that test alone, small enough for V8 to inline; the wasm tier computes the same natively (wasm/block-wasm.ts).
 */

export function fadd_d(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  const f = s.f;
  const r = f[rs1]! + f[rs2]!;
  if (rm === RNE && (s.fflags & NX) !== 0 && Math.abs(r) <= MAX_D) f[rd] = r;
  else addD(s, rd, rs1, rs2, rm, false);
}

export function fsub_d(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  const f = s.f;
  const r = f[rs1]! - f[rs2]!;
  if (rm === RNE && (s.fflags & NX) !== 0 && Math.abs(r) <= MAX_D) f[rd] = r;
  else addD(s, rd, rs1, rs2, rm, true);
}

export function fmul_d(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  const f = s.f;
  const r = f[rs1]! * f[rs2]!;
  const ar = Math.abs(r);
  if (rm === RNE && (s.fflags & NX) !== 0 && ar >= TWO_M1021 && ar <= MAX_D) f[rd] = r;
  else mulD(s, rd, rs1, rs2, rm);
}

function mulD(s: FpRegs, rd: number, rs1: number, rs2: number, rm: number): void {
  const f = s.f;
  const a = f[rs1]!;
  const b = f[rs2]!;
  const r = a * b;
  const ar = Math.abs(r);
  if (ar >= TWO_M960 && ar <= MAX_D) {
    const e = productError(a, b, r); // a·b = r + e
    if (e === 0) {
      f[rd] = r;
      return;
    }
    if (e - e === 0) {
      s.fflags |= NX;
      f[rd] = rm === RNE ? r : adjustD(s, r, e, rm);
      return;
    }
  }
  mulDSlow(s, rd, rs1, rs2, a, b, r, rm);
}

function mulDSlow(s: FpRegs, rd: number, rs1: number, rs2: number, a: number, b: number, r: number, rm: number): void {
  const f = s.f;
  const ar = Math.abs(r);
  if (r !== r) {
    if (isSNaND(s, rs1) || isSNaND(s, rs2) || (a === a && b === b)) s.fflags |= NV; // or ∞ · 0
    writeNaND(s, rd);
  } else if (a === 0 || b === 0 || a - a !== 0 || b - b !== 0) f[rd] = r; // exact zero or ∞
  else if (ar >= TWO_M1021 && ar < TWO_M960) {
    // a small normal result: the same with a scaled up by 2^128 (exact), so that the error is normal
    const x = a * TWO_128;
    const y = r * TWO_128;
    const e = productError(x, b, y);
    if (e - e !== 0) writeRounded(s, rd, exactMul(a, b, rm)); // x too large to split
    else if (e === 0) f[rd] = r;
    else {
      s.fflags |= NX;
      f[rd] = rm === RNE ? r : adjustD(s, y, e, rm) * TWO_M128; // stays normal: exact
    }
  } else writeRounded(s, rd, exactMul(a, b, rm)); // subnormal or overflowing result, huge operand (rare)
}

export function fdiv_d(s: FpRegs, rd: number, rs1: number, rs2: number, _rs3: number, rm: number): void {
  const f = s.f;
  const q = f[rs1]! / f[rs2]!;
  const aq = Math.abs(q);
  if (rm === RNE && (s.fflags & NX) !== 0 && aq >= TWO_M1021 && aq <= MAX_D) f[rd] = q;
  else divD(s, rd, rs1, rs2, rm);
}

function divD(s: FpRegs, rd: number, rs1: number, rs2: number, rm: number): void {
  const f = s.f;
  const a = f[rs1]!;
  const b = f[rs2]!;
  const q = a / b;
  const aq = Math.abs(q);
  if (aq >= TWO_M1021 && aq <= MAX_D) {
    // remainder a − q·b, exact through TwoProduct(q, b); its sign gives the side of a/b. A tiny
    // dividend is scaled up by 2^128 with q (exact) so that the product's error stays normal.
    let x = a;
    let y = q;
    if (Math.abs(a) < TWO_M960) {
      x = a * TWO_128;
      y = q * TWO_128; // may overflow: then rem is NaN and BigInt takes over
    }
    const p = y * b;
    const rem = x - p - productError(y, b, p);
    if (rem === 0) {
      f[rd] = q;
      return;
    }
    if (rem - rem === 0) {
      s.fflags |= NX;
      // a quotient is never exactly halfway between two doubles here, so RMM = RNE
      f[rd] = rm === RNE || rm === RMM ? q : adjustDirD(s, q, rem > 0 === b > 0, rm);
      return;
    }
  }
  if (q !== q) {
    if (isSNaND(s, rs1) || isSNaND(s, rs2) || (a === a && b === b)) s.fflags |= NV; // or 0/0, ∞/∞
    writeNaND(s, rd);
  } else if (a === 0 || a - a !== 0 || b - b !== 0) f[rd] = q; // 0/x, ∞/x, x/∞: exact
  else if (b === 0) {
    s.fflags |= DZ;
    f[rd] = q;
  } else writeRounded(s, rd, exactDiv(a, b, rm)); // tiny or huge quotient (rare)
}

export function fsqrt_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  const f = s.f;
  const a = f[rs1]!;
  if (rm === RNE && (s.fflags & NX) !== 0 && a > 0 && a <= MAX_D) f[rd] = Math.sqrt(a);
  else sqrtD(s, rd, rs1, rm);
}

function sqrtD(s: FpRegs, rd: number, rs1: number, rm: number): void {
  const f = s.f;
  const a = f[rs1]!;
  if (a > 0 && a <= MAX_D) {
    // scale tiny and huge operands by an even power of two; √ never lands near the limits
    let x = a;
    let sc = 1;
    if (a < TWO_M960) {
      x = a * 324518553658426726783156020576256; // 2^108
      sc = TWO_M54;
    } else if (a > TWO_1000) {
      x = a * 3.0814879110195774e-33; // 2^-108
      sc = 18014398509481984; // 2^54
    }
    const q = Math.sqrt(x);
    const d = sqrtRemSign(x, q);
    let y = q;
    if (d !== 0) {
      s.fflags |= NX;
      if (rm !== RNE && rm !== RMM) y = adjustDirD(s, q, d > 0, rm); // √ is never a tie
    }
    f[rd] = y * sc;
    return;
  }
  if (a !== a) {
    if (isSNaND(s, rs1)) s.fflags |= NV;
    writeNaND(s, rd);
  } else if (a === 0 || a === Infinity) f[rd] = a;
  else {
    s.fflags |= NV; // negative
    writeNaND(s, rd);
  }
}

/** a·b + c in double precision (operands already negated as the instruction says). */
function fmaD(s: FpRegs, rd: number, a: number, b: number, c: number, rm: number, rs1: number, rs2: number, rs3: number): void {
  const p = a * b;
  const ap = Math.abs(p);
  if (ap >= TWO_M960 && ap <= MAX_D) {
    const pl = productError(a, b, p); // a·b = p + pl
    const th = c + p;
    let z = th - c;
    const tl = c - (th - z) + (p - z); // c + p = th + tl
    const mh = tl + pl;
    z = mh - tl;
    const ml = tl - (mh - z) + (pl - z); // tl + pl = mh + ml
    const r = th + mh;
    z = r - th;
    const e = th - (r - z) + (mh - z); // th + mh = r + e; so a·b + c = r + e + ml
    const ar = Math.abs(r);
    if (ar >= TWO_M1021 && ar <= MAX_D) {
      const fe = e + ml; // same sign as e + ml, zero only if it is
      if (fe === 0) {
        s.f[rd] = r;
        return;
      }
      if (r + fe * ONE_PLUS_ULP === r && ar >= TWO_M960) {
        // |fe| (even slightly enlarged) is below half an ulp of r, or a tie that rounds back to r:
        // either way |e + ml| < ½ulp(r), so r is the correctly rounded result and fe gives the
        // side of the exact one (never a tie). (With r ≥ 2^-960, ½ulp(r) is normal, and a
        // subnormal fe, which ONE_PLUS_ULP may not enlarge, is far below it.)
        s.fflags |= NX;
        s.f[rd] = rm === RNE || rm === RMM ? r : adjustDirD(s, r, fe > 0, rm);
        return;
      }
      if (fe - fe === 0) {
        const y = fmaNearHalf(s, r, e, ml, fe, rm);
        if (y === y) {
          s.f[rd] = y;
          return;
        }
      }
    } else if (r === 0 && e === 0 && ml === 0) {
      s.f[rd] = rm === RDN ? -0 : 0; // exact cancellation of a nonzero product
      return;
    }
  }
  fmaDSlow(s, rd, a, b, c, p, rm, rs1, rs2, rs3);
}

/**
 * The FMA's exact result is v = r + t, t = e + ml, fe = RN(t), where r ≥ 2^-1021 is a normal
 * double and |fe| is not obviously below half an ulp of r. Rounds v exactly without BigInt when
 * |t| < one ulp (v lies between r and its neighbour n towards fe); otherwise returns NaN and
 * raises nothing, and the caller falls back to BigInt.
 */
function fmaNearHalf(s: FpRegs, r: number, e: number, ml: number, fe: number, rm: number): number {
  // h = half the gap between r and its neighbour towards fe
  F64[0] = r;
  const mantZero = (U32[1]! & 0xfffff) === 0 && U32[0] === 0;
  const odd = (U32[0]! & 1) === 1;
  U32[1] = U32[1]! & 0x7ff00000;
  U32[0] = 0;
  let h = F64[0]! * TWO_M53;
  if (mantZero && fe > 0 !== r > 0) h *= 0.5;
  const afe = Math.abs(fe);
  if (!(afe < 2 * h)) return NaN; // |t| ≥ one ulp: let BigInt do it (not seen in practice)
  s.fflags |= NX;
  if (afe < h) return rm === RNE || rm === RMM ? r : adjustDirD(s, r, fe > 0, rm);
  const z = fe - e;
  const g = e - (fe - z) + (ml - z); // t = fe + g exactly
  const n = stepD(r, fe > 0);
  let y: number;
  if (rm === RDN) y = Math.min(r, n);
  else if (rm === RUP) y = Math.max(r, n);
  else if (rm === RTZ) y = Math.abs(r) < Math.abs(n) ? r : n;
  else if (afe === h && g === 0) y = rm === RMM ? (Math.abs(r) < Math.abs(n) ? n : r) : odd ? n : r; // a tie
  else y = afe > h || g > 0 === fe > 0 ? n : r;
  if (y === Infinity || y === -Infinity) s.fflags |= OF;
  return y;
}

function fmaDSlow(
  s: FpRegs,
  rd: number,
  a: number,
  b: number,
  c: number,
  p: number,
  rm: number,
  rs1: number,
  rs2: number,
  rs3: number,
): void {
  const f = s.f;
  const infA = a === Infinity || a === -Infinity;
  const infB = b === Infinity || b === -Infinity;
  if (a !== a || b !== b || c !== c) {
    // RISC-V raises NV for ∞·0 even when the addend is a quiet NaN
    if (isSNaND(s, rs1) || isSNaND(s, rs2) || isSNaND(s, rs3) || (a === a && b === b && p !== p)) s.fflags |= NV;
    writeNaND(s, rd);
    return;
  }
  if (p !== p) {
    s.fflags |= NV; // ∞ · 0
    writeNaND(s, rd);
    return;
  }
  if (infA || infB) {
    if (c === -p) {
      s.fflags |= NV; // ∞ − ∞
      writeNaND(s, rd);
    } else f[rd] = p;
    return;
  }
  if (c === Infinity || c === -Infinity) {
    f[rd] = c;
    return;
  }
  if (a === 0 || b === 0) {
    // exact zero product (p is correctly signed)
    f[rd] = c !== 0 ? c : rm === RDN ? -(-p + -c) : p + c;
    return;
  }
  if (Math.abs(p) < TWO_M960 && Math.abs(c) >= TWO_M900) {
    // a tiny product only nudges c: it is below a quarter ulp of c, so c is the RNE result
    s.fflags |= NX;
    f[rd] = rm === RNE || rm === RMM ? c : adjustDirD(s, c, a > 0 === b > 0, rm);
    return;
  }
  writeRounded(s, rd, exactFma(a, b, c, rm)); // tiny or huge results, ties (rare)
}

export function fmadd_d(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  const f = s.f;
  fmaD(s, rd, f[rs1]!, f[rs2]!, f[rs3]!, rm, rs1, rs2, rs3);
}
export function fmsub_d(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  const f = s.f;
  fmaD(s, rd, f[rs1]!, f[rs2]!, -f[rs3]!, rm, rs1, rs2, rs3);
}
export function fnmsub_d(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  const f = s.f;
  fmaD(s, rd, -f[rs1]!, f[rs2]!, f[rs3]!, rm, rs1, rs2, rs3);
}
export function fnmadd_d(s: FpRegs, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void {
  const f = s.f;
  fmaD(s, rd, -f[rs1]!, f[rs2]!, -f[rs3]!, rm, rs1, rs2, rs3);
}

// ---------------------------------------------------------------------------------------------
// Sign injection, min/max, compares, classify, moves

export function fsgnj_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  writeBitsS(s, rd, (bitsS(s, rs1) & 0x7fffffff) | (bitsS(s, rs2) & 0x80000000));
}
export function fsgnjn_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  writeBitsS(s, rd, (bitsS(s, rs1) & 0x7fffffff) | (~bitsS(s, rs2) & 0x80000000));
}
export function fsgnjx_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  writeBitsS(s, rd, bitsS(s, rs1) ^ (bitsS(s, rs2) & 0x80000000));
}
export function fsgnj_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const w = s.fw;
  const lo = w[2 * rs1]!;
  const hi = (w[2 * rs1 + 1]! & 0x7fffffff) | (w[2 * rs2 + 1]! & 0x80000000);
  w[2 * rd] = lo;
  w[2 * rd + 1] = hi;
}
export function fsgnjn_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const w = s.fw;
  const lo = w[2 * rs1]!;
  const hi = (w[2 * rs1 + 1]! & 0x7fffffff) | (~w[2 * rs2 + 1]! & 0x80000000);
  w[2 * rd] = lo;
  w[2 * rd + 1] = hi;
}
export function fsgnjx_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const w = s.fw;
  const lo = w[2 * rs1]!;
  const hi = w[2 * rs1 + 1]! ^ (w[2 * rs2 + 1]! & 0x80000000);
  w[2 * rd] = lo;
  w[2 * rd + 1] = hi;
}

/**
 * minimumNumber/maximumNumber (RISC-V 2019+): a NaN operand yields the other one, two NaNs the
 * canonical NaN, −0 < +0; signaling NaNs raise NV. Returns the chosen operand index (1 or 2), or 0
 * for the canonical NaN.
 */
function minMaxPick(a: number, b: number, sa: boolean, sb: boolean, s: FpRegs, max: boolean): number {
  if (a !== a || b !== b) {
    if (sa || sb) s.fflags |= NV;
    return a === a ? 1 : b === b ? 2 : 0;
  }
  if (a === b) {
    // equal, or zeros of either sign: min prefers −0, max +0
    const aNeg = a === 0 && 1 / a < 0;
    return aNeg === max ? 2 : 1;
  }
  return a < b !== max ? 1 : 2;
}

export function fmin_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const ba = bitsS(s, rs1);
  const bb = bitsS(s, rs2);
  const k = minMaxPick(readS(s, rs1), readS(s, rs2), isSNaNS(ba), isSNaNS(bb), s, false);
  writeBitsS(s, rd, k === 1 ? ba : k === 2 ? bb : CANON_S);
}
export function fmax_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const ba = bitsS(s, rs1);
  const bb = bitsS(s, rs2);
  const k = minMaxPick(readS(s, rs1), readS(s, rs2), isSNaNS(ba), isSNaNS(bb), s, true);
  writeBitsS(s, rd, k === 1 ? ba : k === 2 ? bb : CANON_S);
}
function minMaxD(s: FpRegs, rd: number, rs1: number, rs2: number, max: boolean): void {
  const f = s.f;
  const a = f[rs1]!;
  const b = f[rs2]!;
  const k = minMaxPick(a, b, a !== a && isSNaND(s, rs1), b !== b && isSNaND(s, rs2), s, max);
  if (k === 0) writeNaND(s, rd);
  else f[rd] = k === 1 ? a : b;
}
export function fmin_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  minMaxD(s, rd, rs1, rs2, false);
}
export function fmax_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  minMaxD(s, rd, rs1, rs2, true);
}

// FEQ is quiet (NV only for signaling NaNs); FLT and FLE are signaling (NV for any NaN).
export function feq_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = readS(s, rs1);
  const b = readS(s, rs2);
  if (a !== a || b !== b) {
    if (isSNaNS(bitsS(s, rs1)) || isSNaNS(bitsS(s, rs2))) s.fflags |= NV;
    setX32(s, rd, 0);
  } else setX32(s, rd, a === b ? 1 : 0);
}
export function flt_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = readS(s, rs1);
  const b = readS(s, rs2);
  if (a !== a || b !== b) s.fflags |= NV;
  setX32(s, rd, a < b ? 1 : 0);
}
export function fle_s(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = readS(s, rs1);
  const b = readS(s, rs2);
  if (a !== a || b !== b) s.fflags |= NV;
  setX32(s, rd, a <= b ? 1 : 0);
}
export function feq_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = s.f[rs1]!;
  const b = s.f[rs2]!;
  if (a !== a || b !== b) {
    if (isSNaND(s, rs1) || isSNaND(s, rs2)) s.fflags |= NV;
    setX32(s, rd, 0);
  } else setX32(s, rd, a === b ? 1 : 0);
}
export function flt_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = s.f[rs1]!;
  const b = s.f[rs2]!;
  if (a !== a || b !== b) s.fflags |= NV;
  setX32(s, rd, a < b ? 1 : 0);
}
export function fle_d(s: FpRegs, rd: number, rs1: number, rs2: number): void {
  const a = s.f[rs1]!;
  const b = s.f[rs2]!;
  if (a !== a || b !== b) s.fflags |= NV;
  setX32(s, rd, a <= b ? 1 : 0);
}

/** FCLASS mask from sign, "exponent all ones", "exponent zero", "fraction zero", quiet bit. */
function classMask(neg: boolean, expMax: boolean, expZero: boolean, fracZero: boolean, quiet: boolean): number {
  if (expMax) return fracZero ? (neg ? 1 << 0 : 1 << 7) : quiet ? 1 << 9 : 1 << 8;
  if (expZero) return fracZero ? (neg ? 1 << 3 : 1 << 4) : neg ? 1 << 2 : 1 << 5;
  return neg ? 1 << 1 : 1 << 6;
}
export function fclass_s(s: FpRegs, rd: number, rs1: number): void {
  const b = bitsS(s, rs1);
  const exp = b & 0x7f800000;
  setX32(s, rd, classMask(b < 0, exp === 0x7f800000, exp === 0, (b & 0x7fffff) === 0, (b & 0x400000) !== 0));
}
export function fclass_d(s: FpRegs, rd: number, rs1: number): void {
  const hi = s.fw[2 * rs1 + 1]!;
  const lo = s.fw[2 * rs1]!;
  const exp = hi & 0x7ff00000;
  setX32(s, rd, classMask(hi < 0, exp === 0x7ff00000, exp === 0, ((hi & 0xfffff) | lo) === 0, (hi & 0x80000) !== 0));
}

/** FMV.X.W: the low 32 bits, sign-extended, whatever the NaN-boxing. */
export function fmv_x_w(s: FpRegs, rd: number, rs1: number): void {
  setX32(s, rd, s.fw[2 * rs1]!);
}
export function fmv_w_x(s: FpRegs, rd: number, rs1: number): void {
  writeBitsS(s, rd, s.x[2 * rs1]!);
}
export function fmv_x_d(s: FpRegs, rd: number, rs1: number): void {
  setX64(s, rd, s.fw[2 * rs1 + 1]!, s.fw[2 * rs1]!);
}
export function fmv_d_x(s: FpRegs, rd: number, rs1: number): void {
  const w = s.fw;
  w[2 * rd] = s.x[2 * rs1]!;
  w[2 * rd + 1] = s.x[2 * rs1 + 1]!;
}

// ---------------------------------------------------------------------------------------------
// Conversions between the two formats

export function fcvt_s_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  const v = s.f[rs1]!;
  const y = Math.fround(v);
  const ay = Math.abs(y);
  if (rm === RNE && ay > MIN_NORMAL_S && ay <= MAX_S) {
    if (y !== v) s.fflags |= NX;
    writeS(s, rd, y);
  } else if (v !== v) {
    if (isSNaND(s, rs1)) s.fflags |= NV;
    writeNaNS(s, rd);
  } else if (v === 0 || v === Infinity || v === -Infinity) writeS(s, rd, v);
  else roundS(s, rd, v, 0, rm);
}

export function fcvt_d_s(s: FpRegs, rd: number, rs1: number): void {
  const v = readS(s, rs1);
  if (v === v) s.f[rd] = v;
  else {
    if (isSNaNS(bitsS(s, rs1))) s.fflags |= NV;
    writeNaND(s, rd);
  }
}

// ---------------------------------------------------------------------------------------------
// Floating point to integer

/** v rounded to an integral double in mode rm (±∞ and NaN pass through). */
function roundInt(v: number, rm: number): number {
  switch (rm) {
    case RNE: {
      const r = Math.round(v); // ties up
      return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case RTZ:
      return Math.trunc(v);
    case RDN:
      return Math.floor(v);
    case RUP:
      return Math.ceil(v);
    default: {
      const r = Math.round(v);
      return v < 0 && r - v === 0.5 ? r - 1 : r;
    }
  }
}

function toW(s: FpRegs, rd: number, v: number, rm: number): void {
  const n = roundInt(v, rm);
  if (n >= -2147483648 && n <= 2147483647) {
    if (n !== v) s.fflags |= NX;
    setX32(s, rd, n);
  } else {
    s.fflags |= NV; // NaN is "too large"
    setX32(s, rd, n < 0 ? -2147483648 : 2147483647);
  }
}

function toWU(s: FpRegs, rd: number, v: number, rm: number): void {
  const n = roundInt(v, rm);
  if (n >= 0 && n <= 4294967295) {
    if (n !== v) s.fflags |= NX;
    setX32(s, rd, n | 0); // bit 31 is sign-extended
  } else {
    s.fflags |= NV;
    setX32(s, rd, n < 0 ? 0 : -1);
  }
}

function toL(s: FpRegs, rd: number, v: number, rm: number): void {
  const n = roundInt(v, rm);
  if (n >= -TWO_63 && n < TWO_63) {
    if (n !== v) s.fflags |= NX;
    const hi = Math.floor(n / TWO_32);
    setX64(s, rd, hi | 0, (n - hi * TWO_32) | 0);
  } else {
    s.fflags |= NV;
    if (n < 0) setX64(s, rd, -2147483648, 0);
    else setX64(s, rd, 2147483647, -1);
  }
}

function toLU(s: FpRegs, rd: number, v: number, rm: number): void {
  const n = roundInt(v, rm);
  if (n >= 0 && n < TWO_64) {
    if (n !== v) s.fflags |= NX;
    const hi = Math.floor(n / TWO_32);
    setX64(s, rd, hi | 0, (n - hi * TWO_32) | 0);
  } else {
    s.fflags |= NV;
    if (n < 0) setX64(s, rd, 0, 0);
    else setX64(s, rd, -1, -1);
  }
}

export function fcvt_w_s(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toW(s, rd, readS(s, rs1), rm);
}
export function fcvt_wu_s(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toWU(s, rd, readS(s, rs1), rm);
}
export function fcvt_l_s(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toL(s, rd, readS(s, rs1), rm);
}
export function fcvt_lu_s(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toLU(s, rd, readS(s, rs1), rm);
}
export function fcvt_w_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toW(s, rd, s.f[rs1]!, rm);
}
export function fcvt_wu_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toWU(s, rd, s.f[rs1]!, rm);
}
export function fcvt_l_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toL(s, rd, s.f[rs1]!, rm);
}
export function fcvt_lu_d(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  toLU(s, rd, s.f[rs1]!, rm);
}

// ---------------------------------------------------------------------------------------------
// Integer to floating point

/** An integer value (exact double) to single. */
function intToS(s: FpRegs, rd: number, v: number, rm: number): void {
  if (rm === RNE) {
    const y = Math.fround(v);
    if (y !== v) s.fflags |= NX;
    writeS(s, rd, y);
  } else roundS(s, rd, v, 0, rm);
}

/** hi·2^32 + lo (hi an integer, |hi| < 2^32; lo in [0, 2^32)) to single. */
function int64ToS(s: FpRegs, rd: number, hi: number, lo: number, rm: number): void {
  const h = hi * TWO_32;
  const r = h + lo;
  if (hi >= -2097152 && hi < 2097152) intToS(s, rd, r, rm); // |value| < 2^53: r is exact
  else roundS(s, rd, r, lo - (r - h), rm); // Fast2Sum error (|h| ≥ lo)
}

/** hi·2^32 + lo to double. */
function int64ToD(s: FpRegs, rd: number, hi: number, lo: number, rm: number): void {
  const h = hi * TWO_32;
  const r = h + lo;
  if (hi >= -2097152 && hi < 2097152) {
    s.f[rd] = r; // exact
    return;
  }
  const e = lo - (r - h);
  if (e !== 0) {
    s.fflags |= NX;
    s.f[rd] = rm === RNE ? r : adjustD(s, r, e, rm);
  } else s.f[rd] = r;
}

export function fcvt_s_w(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  intToS(s, rd, s.x[2 * rs1]!, rm);
}
export function fcvt_s_wu(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  intToS(s, rd, s.x[2 * rs1]! >>> 0, rm);
}
export function fcvt_s_l(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  int64ToS(s, rd, s.x[2 * rs1 + 1]!, s.x[2 * rs1]! >>> 0, rm);
}
export function fcvt_s_lu(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  int64ToS(s, rd, s.x[2 * rs1 + 1]! >>> 0, s.x[2 * rs1]! >>> 0, rm);
}
export function fcvt_d_w(s: FpRegs, rd: number, rs1: number): void {
  s.f[rd] = s.x[2 * rs1]!;
}
export function fcvt_d_wu(s: FpRegs, rd: number, rs1: number): void {
  s.f[rd] = s.x[2 * rs1]! >>> 0;
}
export function fcvt_d_l(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  int64ToD(s, rd, s.x[2 * rs1 + 1]!, s.x[2 * rs1]! >>> 0, rm);
}
export function fcvt_d_lu(s: FpRegs, rd: number, rs1: number, _rs2: number, _rs3: number, rm: number): void {
  int64ToD(s, rd, s.x[2 * rs1 + 1]! >>> 0, s.x[2 * rs1]! >>> 0, rm);
}

/** Every instruction by name (the names of the functions above). */
export const FPU_OPS: Readonly<Record<string, FpOp>> = {
  fadd_s,
  fsub_s,
  fmul_s,
  fdiv_s,
  fsqrt_s,
  fmin_s,
  fmax_s,
  fmadd_s,
  fmsub_s,
  fnmsub_s,
  fnmadd_s,
  fsgnj_s,
  fsgnjn_s,
  fsgnjx_s,
  feq_s,
  flt_s,
  fle_s,
  fclass_s,
  fcvt_w_s,
  fcvt_wu_s,
  fcvt_l_s,
  fcvt_lu_s,
  fcvt_s_w,
  fcvt_s_wu,
  fcvt_s_l,
  fcvt_s_lu,
  fmv_x_w,
  fmv_w_x,
  fadd_d,
  fsub_d,
  fmul_d,
  fdiv_d,
  fsqrt_d,
  fmin_d,
  fmax_d,
  fmadd_d,
  fmsub_d,
  fnmsub_d,
  fnmadd_d,
  fsgnj_d,
  fsgnjn_d,
  fsgnjx_d,
  feq_d,
  flt_d,
  fle_d,
  fclass_d,
  fcvt_w_d,
  fcvt_wu_d,
  fcvt_l_d,
  fcvt_lu_d,
  fcvt_d_w,
  fcvt_d_wu,
  fcvt_d_l,
  fcvt_d_lu,
  fmv_x_d,
  fmv_d_x,
  fcvt_s_d,
  fcvt_d_s,
};
