/**
 * Randomised differential check of fpu.ts against the exact BigInt model in fpu-exact.ts (whose
 * rounding is itself checked against the QEMU vectors by fpu.test.ts). Finite operands only:
 * NaN, ∞ and the other special cases are the QEMU vectors' job.
 *
 * fpu.test.ts runs a few thousand cases per op; for a long run:
 *   npx tsx test/vcpu/riscv/fpu-vectors/fuzz.ts [cases-per-op-and-mode] [seed]
 */
import {
  BINARY32,
  BINARY64,
  decompose,
  exactAdd,
  exactDiv,
  exactFma,
  exactMul,
  exactSqrt,
  type Format,
  roundPack,
  type Rounded,
} from '../../../../src/vcpu/riscv/fpu-exact.js';
import { FPU_OPS, type FpRegs } from '../../../../src/vcpu/riscv/fpu.js';
import { getF, getX, makeRegs, setF, setX } from './vectors.js';

/** xorshift64* on BigInt: slow but simple and reproducible */
export class Rng {
  private s: bigint;
  constructor(seed: number) {
    this.s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
    this.s &= (1n << 64n) - 1n;
  }
  next64(): bigint {
    let x = this.s;
    x ^= x >> 12n;
    x ^= (x << 25n) & ((1n << 64n) - 1n);
    x ^= x >> 27n;
    this.s = x;
    return (x * 0x2545f4914f6cdd1dn) & ((1n << 64n) - 1n);
  }
  int(n: number): number {
    return Number((this.next64() >> 11n) % BigInt(n));
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function mant(r: Rng, mbits: number): bigint {
  const all = (1n << BigInt(mbits)) - 1n;
  switch (r.int(8)) {
    case 0: {
      let v = 0n;
      for (let k = r.int(4); k > 0; k--) v |= 1n << BigInt(r.int(mbits));
      return v;
    }
    case 1:
      return all & ~((1n << BigInt(mbits - r.range(1, 10))) - 1n) & r.next64();
    case 2:
      return all ^ (1n << BigInt(r.int(mbits))) ^ BigInt(r.int(4));
    case 3:
      return all ^ BigInt(r.int(16));
    default:
      return r.next64() & all;
  }
}

/** A finite value of the format with a biased exponent near `bexp`, as a JS number. */
function value(r: Rng, fmt: Format, bexp: number): number {
  const mbits = fmt.p - 1;
  const emaxb = (1 << fmt.ebits) - 2;
  const e = Math.max(0, Math.min(emaxb, bexp));
  const bits = (BigInt(r.int(2)) << BigInt(fmt.ebits + mbits)) | (BigInt(e) << BigInt(mbits)) | mant(r, mbits);
  if (fmt === BINARY64) {
    U64[0] = bits;
    return F64[0]!;
  }
  U32[0] = Number(bits);
  return F32[0]!;
}

function anyExp(r: Rng, fmt: Format): number {
  const bias = fmt.emax;
  const c = r.int(10);
  if (c < 5) return bias + r.range(-40, 40);
  if (c < 7) return r.range(0, 4);
  if (c < 8) return 2 * bias - r.range(0, 3);
  return r.range(0, 2 * bias);
}

type Gen = (r: Rng, fmt: Format) => number[];

const genAdd: Gen = (r, fmt) => {
  const ea = anyExp(r, fmt);
  const a = value(r, fmt, ea);
  const c = r.int(4);
  const b =
    c === 0 ? value(r, fmt, anyExp(r, fmt)) : c === 1 ? -a * (1 + (r.int(3) - 1) * 2 ** -(fmt.p - 1)) : value(r, fmt, ea + r.range(-fmt.p - 4, fmt.p + 4));
  return [a, fmt === BINARY32 ? Math.fround(b) : b];
};

/** operands whose product (or quotient, div = true) lands near a chosen exponent */
function mulPair(r: Rng, fmt: Format, div: boolean): number[] {
  const bias = fmt.emax;
  const c = r.int(10);
  const t =
    c < 3 ? bias + r.range(-30, 30) : c < 6 ? r.range(-fmt.p - 2, 3) : c < 8 ? r.range(1, 80) : 2 * bias - r.range(-1, 3);
  const ea = r.int(4) === 0 ? r.range(1, 80) : r.range(1, 2 * bias);
  const eb = div ? ea - t + bias : t - ea + bias;
  return [value(r, fmt, ea), value(r, fmt, eb)];
}

const genMul: Gen = (r, fmt) => mulPair(r, fmt, false);
const genDiv: Gen = (r, fmt) => mulPair(r, fmt, true);
const genSqrt: Gen = (r, fmt) => [Math.abs(value(r, fmt, anyExp(r, fmt)))];

const genFma: Gen = (r, fmt) => {
  const [a, b] = r.int(3) === 0 ? [value(r, fmt, anyExp(r, fmt)), value(r, fmt, anyExp(r, fmt))] : mulPair(r, fmt, false);
  const p = a! * b!;
  F64[0] = Math.abs(p);
  const ep = p === 0 ? fmt.emax : Number((U64[0]! >> 52n) & 0x7ffn) - 1023 + fmt.emax; // product exponent in fmt's bias
  const k = r.int(10);
  let c: number;
  if (k < 4) c = value(r, fmt, ep + r.range(-2 * fmt.p - 8, 2 * fmt.p + 8));
  else if (k < 7) {
    // cancel most of the product: −p rounded to the format, nudged by a few ulps
    c = fmt === BINARY64 ? -p : Math.fround(-p);
    if (c !== 0 && Number.isFinite(c)) {
      const n = r.range(-3, 3);
      if (fmt === BINARY64) {
        F64[0] = c;
        U64[0] = U64[0]! + BigInt(n);
        c = F64[0]!;
      } else {
        F32[0] = c;
        U32[0] = U32[0]! + n;
        c = F32[0]!;
      }
    }
  } else if (k < 8) c = value(r, fmt, r.range(0, 3));
  else c = value(r, fmt, anyExp(r, fmt));
  return [a!, b!, c];
};

interface Case {
  name: string;
  gen: Gen;
  ref: (v: number[], rm: number, fmt: Format) => Rounded | undefined;
}

const CASES: Case[] = [
  { name: 'fadd', gen: genAdd, ref: ([a, b], rm, f) => exactAdd(a!, b!, rm, f) },
  { name: 'fsub', gen: genAdd, ref: ([a, b], rm, f) => exactAdd(a!, -b!, rm, f) },
  { name: 'fmul', gen: genMul, ref: ([a, b], rm, f) => exactMul(a!, b!, rm, f) },
  { name: 'fdiv', gen: genDiv, ref: ([a, b], rm, f) => (b === 0 ? undefined : exactDiv(a!, b!, rm, f)) },
  { name: 'fsqrt', gen: genSqrt, ref: ([a], rm, f) => exactSqrt(a!, rm, f) },
  { name: 'fmadd', gen: genFma, ref: ([a, b, c], rm, f) => exactFma(a!, b!, c!, rm, f) },
  { name: 'fmsub', gen: genFma, ref: ([a, b, c], rm, f) => exactFma(a!, b!, -c!, rm, f) },
  { name: 'fnmsub', gen: genFma, ref: ([a, b, c], rm, f) => exactFma(-a!, b!, c!, rm, f) },
  { name: 'fnmadd', gen: genFma, ref: ([a, b, c], rm, f) => exactFma(-a!, b!, -c!, rm, f) },
];

function bitsOf(v: number, fmt: Format): bigint {
  if (fmt === BINARY64) {
    F64[0] = v;
    return U64[0]!;
  }
  F32[0] = v;
  return BigInt(U32[0]!) | 0xffffffff00000000n;
}

export interface FuzzFailure {
  op: string;
  rm: number;
  inputs: string[];
  got: string;
  want: string;
}

/** Runs n random cases per op, precision and rounding mode; returns the first failures. */
export function fuzz(n: number, seed: number, maxFailures = 10): { cases: number; failures: FuzzFailure[] } {
  const r = new Rng(seed);
  const s: FpRegs = makeRegs();
  const failures: FuzzFailure[] = [];
  let cases = 0;
  for (const c of CASES) {
    for (const [suffix, fmt] of [
      ['_s', BINARY32],
      ['_d', BINARY64],
    ] as const) {
      const op = FPU_OPS[c.name + suffix]!;
      for (let i = 0; i < n; i++) {
        const v = c.gen(r, fmt);
        if (!v.every(Number.isFinite)) continue;
        for (let rm = 0; rm < 5; rm++) {
          const want = c.ref(v, rm, fmt);
          if (!want) continue;
          v.forEach((x, k) => setF(s, k + 1, bitsOf(x, fmt)));
          s.fflags = 0;
          op(s, 5, 1, 2, 3, rm);
          cases++;
          const wantBits = fmt === BINARY64 ? want.bits : want.bits | 0xffffffff00000000n;
          const got = getF(s, 5);
          if (got !== wantBits || s.fflags !== want.flags) {
            if (failures.length < maxFailures)
              failures.push({
                op: c.name + suffix,
                rm,
                inputs: v.map((x) => bitsOf(x, fmt).toString(16)),
                got: `${got.toString(16)}/${s.fflags}`,
                want: `${wantBits.toString(16)}/${want.flags}`,
              });
          }
        }
      }
    }
  }
  return { cases, failures };
}

// ---------------------------------------------------------------------------------------------
// Conversions, against BigInt models

function roundIntRef(v: number, rm: number): { n: bigint; inexact: boolean } {
  const x = decompose(v);
  if (x.e >= 0) return { n: (x.neg ? -1n : 1n) * (x.m << BigInt(x.e)), inexact: false };
  const sh = BigInt(-x.e);
  const q = x.m >> sh;
  const rem = x.m - (q << sh);
  const half = 1n << (sh - 1n);
  let up: boolean;
  switch (rm) {
    case 0:
      up = rem > half || (rem === half && (q & 1n) === 1n);
      break;
    case 1:
      up = false;
      break;
    case 2:
      up = rem !== 0n && x.neg;
      break;
    case 3:
      up = rem !== 0n && !x.neg;
      break;
    default:
      up = rem >= half;
  }
  const mag = q + (up ? 1n : 0n);
  return { n: x.neg ? -mag : mag, inexact: rem !== 0n };
}

const INT_TYPES = {
  w: { min: -(1n << 31n), max: (1n << 31n) - 1n, width: 32 },
  wu: { min: 0n, max: (1n << 32n) - 1n, width: 32 },
  l: { min: -(1n << 63n), max: (1n << 63n) - 1n, width: 64 },
  lu: { min: 0n, max: (1n << 64n) - 1n, width: 64 },
} as const;

function toIntRef(v: number, rm: number, t: keyof typeof INT_TYPES): Rounded {
  const { min, max, width } = INT_TYPES[t];
  let n: bigint;
  let flags: number;
  if (v !== v) {
    n = max;
    flags = 16;
  } else {
    const r = roundIntRef(v, rm);
    if (r.n < min || r.n > max) {
      n = r.n < min ? min : max;
      flags = 16;
    } else {
      n = r.n;
      flags = r.inexact ? 1 : 0;
    }
  }
  // 32-bit results are sign-extended from bit 31
  const bits = width === 32 ? BigInt.asUintN(64, BigInt.asIntN(32, n)) : BigInt.asUintN(64, n);
  return { bits, flags };
}

function intValue(r: Rng): bigint {
  let v = r.next64();
  switch (r.int(4)) {
    case 0:
      v >>= BigInt(r.int(64));
      break;
    case 1: {
      const hi = r.range(1, 63);
      const lo = r.range(0, hi);
      v = (1n << BigInt(hi)) | (1n << BigInt(lo)) | (r.int(2) ? 1n << BigInt(r.range(0, lo)) : 0n);
      break;
    }
    case 2: {
      const p = r.int(2) ? 24 : 53;
      const hi = r.range(p, 63);
      v = (v | (1n << 63n)) >> BigInt(63 - hi);
      v &= ~((1n << BigInt(hi - p)) - 1n);
      v |= 1n << BigInt(hi - p);
      v = BigInt.asUintN(64, v + BigInt(r.range(-1, 1)));
      break;
    }
  }
  return r.int(2) ? BigInt.asUintN(64, -v) : v;
}

/** Conversions: n random cases per op and rounding mode. */
export function fuzzConversions(n: number, seed: number, maxFailures = 10): { cases: number; failures: FuzzFailure[] } {
  const r = new Rng(seed);
  const s: FpRegs = makeRegs();
  const failures: FuzzFailure[] = [];
  let cases = 0;
  const check = (op: string, rm: number, inputs: bigint[], got: bigint, want: Rounded): void => {
    cases++;
    if (got !== want.bits || s.fflags !== want.flags) {
      if (failures.length < maxFailures)
        failures.push({
          op,
          rm,
          inputs: inputs.map((x) => x.toString(16)),
          got: `${got.toString(16)}/${s.fflags}`,
          want: `${want.bits.toString(16)}/${want.flags}`,
        });
    }
  };
  for (let i = 0; i < n; i++) {
    for (const [suffix, fmt] of [
      ['s', BINARY32],
      ['d', BINARY64],
    ] as const) {
      // float -> integer: exponents around the integer ranges, ties
      let v = value(r, fmt, fmt.emax + r.range(-3, 66));
      if (r.int(4) === 0) v = Math.trunc(v) + (r.int(2) ? 0.5 : -0.5);
      if (suffix === 's') v = Math.fround(v);
      if (!Number.isFinite(v)) continue;
      const fbits = bitsOf(v, fmt);
      for (const t of ['w', 'wu', 'l', 'lu'] as const) {
        const op = `fcvt_${t}_${suffix}`;
        for (let rm = 0; rm < 5; rm++) {
          setF(s, 1, fbits);
          s.fflags = 0;
          FPU_OPS[op]!(s, 5, 1, 0, 0, rm);
          check(op, rm, [fbits], getX(s, 5), toIntRef(v, rm, t));
        }
      }
      // integer -> float
      const iv = intValue(r);
      for (const t of ['w', 'wu', 'l', 'lu'] as const) {
        const op = `fcvt_${suffix}_${t}`;
        const val =
          t === 'w' ? BigInt.asIntN(32, iv) : t === 'wu' ? BigInt.asUintN(32, iv) : t === 'l' ? BigInt.asIntN(64, iv) : iv;
        for (let rm = 0; rm < 5; rm++) {
          const want = roundPack(val < 0n, val < 0n ? -val : val, 0, false, fmt, rm);
          setX(s, 1, iv);
          s.fflags = 0;
          FPU_OPS[op]!(s, 5, 1, 0, 0, rm);
          check(op, rm, [iv], getF(s, 5), { bits: suffix === 's' ? want.bits | 0xffffffff00000000n : want.bits, flags: want.flags });
        }
      }
    }
    // double -> single
    const d = value(r, BINARY64, 1023 + r.range(-160, 132));
    const dbits = bitsOf(d, BINARY64);
    for (let rm = 0; rm < 5; rm++) {
      const x = decompose(d);
      const want = roundPack(x.neg, x.m, x.e, false, BINARY32, rm);
      setF(s, 1, dbits);
      s.fflags = 0;
      FPU_OPS.fcvt_s_d!(s, 5, 1, 0, 0, rm);
      check('fcvt_s_d', rm, [dbits], getF(s, 5), { bits: want.bits | 0xffffffff00000000n, flags: want.flags });
    }
  }
  return { cases, failures };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ''))) {
  const n = Number(process.argv[2] ?? 20000);
  const seed = Number(process.argv[3] ?? 1);
  const t0 = Date.now();
  const a = fuzz(n, seed, 40);
  const b = fuzzConversions(n, seed, 40);
  const cases = a.cases + b.cases;
  const failures = [...a.failures, ...b.failures];
  console.log(`${cases} cases, ${failures.length} failures shown, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(JSON.stringify(f));
  if (failures.length) process.exitCode = 1;
}
