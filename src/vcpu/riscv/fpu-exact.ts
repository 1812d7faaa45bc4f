/**
 * Exact IEEE 754 arithmetic on BigInt significands: the rare-path fallback of fpu.ts.
 *
 * fpu.ts computes with native doubles and error-free transformations. Where those are not exact or
 * not cheap — double results that are subnormal or that overflow, product error terms below the
 * subnormal range, ties inside the double FMA's intermediate sums — it hands the finite operands to
 * the functions here, which compute the exact result as sign · m · 2^e (m a BigInt, plus a sticky
 * bit for quotients and square roots) and round it once. They allocate and are slow; the common
 * paths never reach them. Singles never need them (a double holds every single-precision
 * intermediate exactly or to odd), but roundPack is generic so tests can use it for both formats.
 */

/** A binary interchange format: p significand bits (with the hidden bit), exponent range, width. */
export interface Format {
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  readonly ebits: number;
}

export const BINARY64: Format = { p: 53, emin: -1022, emax: 1023, ebits: 11 };
export const BINARY32: Format = { p: 24, emin: -126, emax: 127, ebits: 8 };

// fflags bits and rounding modes (as in fpu.ts)
const NX = 1;
const UF = 2;
const OF = 4;
const RTZ = 1;
const RDN = 2;
const RUP = 3;
const RMM = 4;

/** A finite value (-1)^neg · m · 2^e. */
export interface Exact {
  neg: boolean;
  m: bigint;
  e: number;
}

const SCR = new Float64Array(1);
const SCR_U32 = new Uint32Array(SCR.buffer);

/** Decomposes a finite double exactly. */
export function decompose(x: number): Exact {
  SCR[0] = x;
  const lo = SCR_U32[0]!;
  const hi = SCR_U32[1]!;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const neg = hi >>> 31 === 1;
  return exp === 0 ? { neg, m: frac, e: -1074 } : { neg, m: frac | (1n << 52n), e: exp - 1075 };
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** Result of a rounding: the encoding and the fflags it raises. */
export interface Rounded {
  bits: bigint;
  flags: number;
}

/**
 * Rounds (-1)^neg · (m + sticky·ε) · 2^e to the format in mode rm, with RISC-V's rules: tininess
 * detected after rounding, underflow only when also inexact, overflow to ∞ or the largest finite
 * number depending on the mode. An exact zero (m = 0, no sticky) keeps the sign given.
 */
export function roundPack(neg: boolean, m: bigint, e: number, sticky: boolean, fmt: Format, rm: number): Rounded {
  const { p, emin, emax, ebits } = fmt;
  const signBit = neg ? 1n << BigInt(p - 1 + ebits) : 0n;
  if (m === 0n && !sticky) return { bits: signBit, flags: 0 };
  if (sticky) {
    // fold the sticky bit into an extra low bit below enough guard bits
    m = (m << BigInt(p + 2)) | 1n;
    e -= p + 2;
  }
  const n = bitLength(m);
  const E = e + n - 1; // exponent of the leading bit
  let qe = Math.max(E - (p - 1), emin - (p - 1)); // exponent of the result's last place
  const shift = qe - e;
  let sig: bigint;
  let inexact = false;
  if (shift <= 0) {
    sig = m << BigInt(-shift);
  } else {
    const rem = m & ((1n << BigInt(shift)) - 1n);
    sig = m >> BigInt(shift);
    inexact = rem !== 0n;
    if (roundsUp(rm, neg, sig, rem, 1n << BigInt(shift - 1), inexact)) sig += 1n;
    if (sig === 1n << BigInt(p)) {
      sig >>= 1n;
      qe += 1;
    }
  }
  let flags = inexact ? NX : 0;
  if (E < emin && inexact) {
    // tininess after rounding: round to p bits with an unbounded exponent range
    let tiny = true;
    const su = n - p;
    if (su > 0) {
      const rem = m & ((1n << BigInt(su)) - 1n);
      const s = (m >> BigInt(su)) + (roundsUp(rm, neg, m >> BigInt(su), rem, 1n << BigInt(su - 1), rem !== 0n) ? 1n : 0n);
      if (s === 1n << BigInt(p) && E + 1 >= emin) tiny = false;
    }
    if (tiny) flags |= UF;
  }
  const bias = emax;
  if (qe + p - 1 > emax) {
    flags |= OF | NX;
    const toInf = rm === RTZ ? false : rm === RDN ? neg : rm === RUP ? !neg : true;
    const maxBits = toInf
      ? BigInt((1 << ebits) - 1) << BigInt(p - 1)
      : (BigInt((1 << ebits) - 2) << BigInt(p - 1)) | ((1n << BigInt(p - 1)) - 1n);
    return { bits: signBit | maxBits, flags };
  }
  const hidden = 1n << BigInt(p - 1);
  const bexp = sig >= hidden ? BigInt(qe + p - 1 + bias) : 0n;
  return { bits: signBit | (bexp << BigInt(p - 1)) | (sig & (hidden - 1n)), flags };
}

function roundsUp(rm: number, neg: boolean, sig: bigint, rem: bigint, half: bigint, inexact: boolean): boolean {
  switch (rm) {
    case RTZ:
      return false;
    case RDN:
      return inexact && neg;
    case RUP:
      return inexact && !neg;
    case RMM:
      return rem >= half;
    default:
      return rem > half || (rem === half && (sig & 1n) === 1n);
  }
}

/** Sum of two exact values, rounded; an exact zero sum is +0 (−0 in RDN) unless both are −0. */
function sumRound(x: Exact, y: Exact, fmt: Format, rm: number): Rounded {
  const e = Math.min(x.e, y.e);
  const mx = x.m << BigInt(x.e - e);
  const my = y.m << BigInt(y.e - e);
  const sum = (x.neg ? -mx : mx) + (y.neg ? -my : my);
  if (sum === 0n) {
    const neg = x.m === 0n && y.m === 0n && x.neg === y.neg ? x.neg : rm === RDN;
    return roundPack(neg, 0n, 0, false, fmt, rm);
  }
  return roundPack(sum < 0n, sum < 0n ? -sum : sum, e, false, fmt, rm);
}

/** a + b for finite doubles, rounded to the format. */
export function exactAdd(a: number, b: number, rm: number, fmt: Format = BINARY64): Rounded {
  return sumRound(decompose(a), decompose(b), fmt, rm);
}

/** a · b for finite doubles. */
export function exactMul(a: number, b: number, rm: number, fmt: Format = BINARY64): Rounded {
  const x = decompose(a);
  const y = decompose(b);
  return roundPack(x.neg !== y.neg, x.m * y.m, x.e + y.e, false, fmt, rm);
}

/** a / b for finite doubles, b ≠ 0. */
export function exactDiv(a: number, b: number, rm: number, fmt: Format = BINARY64): Rounded {
  const x = decompose(a);
  const y = decompose(b);
  const k = 2 * fmt.p + 64;
  const num = x.m << BigInt(k);
  const q = num / y.m;
  return roundPack(x.neg !== y.neg, q, x.e - y.e - k, q * y.m !== num, fmt, rm);
}

/** √a for a finite double a ≥ 0. */
export function exactSqrt(a: number, rm: number, fmt: Format = BINARY64): Rounded {
  const x = decompose(a);
  if (x.m === 0n) return roundPack(x.neg, 0n, 0, false, fmt, rm);
  let m = x.m;
  let e = x.e;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const k = 2 * fmt.p + 64; // even shift
  m <<= BigInt(k);
  e -= k;
  const r = isqrt(m);
  return roundPack(false, r, e / 2, r * r !== m, fmt, rm);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** a · b + c for finite doubles, with one rounding. */
export function exactFma(a: number, b: number, c: number, rm: number, fmt: Format = BINARY64): Rounded {
  const x = decompose(a);
  const y = decompose(b);
  return sumRound({ neg: x.neg !== y.neg, m: x.m * y.m, e: x.e + y.e }, decompose(c), fmt, rm);
}
