import { describe, expect, it } from 'vitest';
import { FPU_OPS, type FpRegs } from '../../../src/vcpu/riscv/fpu.js';
import { fuzz, fuzzConversions } from './fpu-vectors/fuzz.js';
import { getF, getX, hex64, loadVectors, makeRegs, setF, setX } from './fpu-vectors/vectors.js';

const RM_NAMES = ['rne', 'rtz', 'rdn', 'rup', 'rmm'];
const sections = loadVectors();

describe('fpu: QEMU vectors', () => {
  it('cover every operation', () => {
    expect(new Set(sections.map((s) => s.op))).toEqual(new Set(Object.keys(FPU_OPS)));
    expect(sections.reduce((n, s) => n + s.vectors.length * (s.rounds ? 5 : 1), 0)).toBeGreaterThan(100_000);
  });
  // Each vector also runs with NX already set (flags accrue, and the common RNE paths take a shortcut then): the
  // result must be the same and the flags those of the vector plus NX.
  for (const sec of sections) for (const before of [0, 1]) {
    it(`${sec.op}${before ? ' (NX already set)' : ''}`, () => {
      const op = FPU_OPS[sec.op]!;
      const s = makeRegs();
      const failures: string[] = [];
      let failed = 0;
      const rd = 5;
      for (const v of sec.vectors) {
        for (let rm = 0; rm < v.results.length; rm++) {
          sec.src.forEach((k, i) => (k === 'X' ? setX(s, i + 1, v.inputs[i]!) : setF(s, i + 1, v.inputs[i]!)));
          setF(s, rd, 0x5555555555555555n);
          setX(s, rd, 0x5555555555555555n);
          s.fflags = before;
          op(s, rd, 1, 2, 3, rm);
          const got = sec.dst === 'X' ? getX(s, rd) : getF(s, rd);
          const want = v.results[rm]!;
          if (got !== want.bits || s.fflags !== (want.flags | before)) {
            failed++;
            if (failures.length < 12)
              failures.push(
                `line ${v.line} ${RM_NAMES[rm]} in=[${v.inputs.map(hex64).join(' ')}] ` +
                  `got ${hex64(got)}/${s.fflags.toString(16)} want ${hex64(want.bits)}/${want.flags.toString(16)}`,
              );
          }
        }
      }
      expect(failures, `${failed} mismatches`).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Targeted cases. Values are register images (bigint); singles are NaN-boxed with S().

const RNE = 0;
const RTZ = 1;
const RDN = 2;
const RUP = 3;
const RMM = 4;
const NX = 1;
const UF = 2;
const OF = 4;
const DZ = 8;
const NV = 16;

const S = (bits: number): bigint => 0xffffffff00000000n | BigInt(bits >>> 0);
const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const D = (v: number): bigint => {
  F64[0] = v;
  return U64[0]!;
};
const ONE = D(1);
const CANON_D = 0x7ff8000000000000n;
const CANON_S = S(0x7fc00000);

/** Runs op with f1..f3 (or x1 for integer sources) = inputs, rd = 5; returns the result bits and flags. */
function run(op: string, inputs: bigint[], rm = RNE, intSrc = false, intDst = false): [bigint, number] {
  const s = makeRegs();
  inputs.forEach((v, i) => (intSrc ? setX(s, i + 1, v) : setF(s, i + 1, v)));
  FPU_OPS[op]!(s, 5, 1, 2, 3, rm);
  return [intDst ? getX(s, 5) : getF(s, 5), s.fflags];
}
const runX = (op: string, inputs: bigint[], rm = RNE): [bigint, number] => run(op, inputs, rm, false, true);
const runFromX = (op: string, inputs: bigint[], rm = RNE): [bigint, number] => run(op, inputs, rm, true, false);

describe('fpu: NaNs', () => {
  it('writes canonical NaN bits, never the host NaN', () => {
    // x86 produces 0xfff8000000000000 for inf - inf; RISC-V wants the positive canonical NaN
    expect(run('fsub_d', [D(Infinity), D(Infinity)])).toEqual([CANON_D, NV]);
    expect(run('fadd_d', [0xfff8000000000123n, ONE])).toEqual([CANON_D, 0]); // quiet: no flag, payload dropped
    expect(run('fsqrt_s', [S(0xbf800000)])).toEqual([CANON_S, NV]);
    expect(run('fcvt_d_s', [S(0xff800001)])).toEqual([CANON_D, NV]); // sNaN -> canonical, not quieted
  });
  it('reads an improperly NaN-boxed single as the canonical NaN', () => {
    expect(run('fadd_s', [0x000000003f800000n, S(0x3f800000)])).toEqual([CANON_S, 0]);
    expect(run('fsgnjn_s', [0x3f800000n, S(0x3f800000)])).toEqual([S(0xffc00000), 0]);
    expect(runX('fclass_s', [0xfffffffe3f800000n])).toEqual([0x200n, 0]);
    // FMV.X.W ignores the boxing and sign-extends bit 31
    expect(runX('fmv_x_w', [0x12345678bf800000n])).toEqual([0xffffffffbf800000n, 0]);
  });
  it('raises NV for signaling NaNs, and for 0 * inf + qNaN in FMA', () => {
    expect(run('fmadd_d', [D(0), D(Infinity), CANON_D])).toEqual([CANON_D, NV]);
    expect(run('fmadd_s', [S(0x7f800000), S(0), CANON_S])).toEqual([CANON_S, NV]);
    expect(run('fmadd_d', [CANON_D, D(0), D(Infinity)])).toEqual([CANON_D, 0]); // NaN operand: no ∞·0 check
    expect(runX('feq_d', [CANON_D, ONE])).toEqual([0n, 0]); // quiet compare
    expect(runX('feq_d', [0x7ff0000000000001n, ONE])).toEqual([0n, NV]);
    expect(runX('fle_d', [CANON_D, ONE])).toEqual([0n, NV]); // signaling compare
  });
  it('fmin/fmax: minimumNumber semantics', () => {
    expect(run('fmin_d', [CANON_D, D(-3)])).toEqual([D(-3), 0]);
    expect(run('fmax_d', [0x7ff0000000000001n, D(-3)])).toEqual([D(-3), NV]);
    expect(run('fmax_s', [S(0x7fc00000), S(0x7f800001)])).toEqual([CANON_S, NV]);
    expect(run('fmin_d', [D(0), D(-0)])).toEqual([D(-0), 0]);
    expect(run('fmax_d', [D(-0), D(0)])).toEqual([D(0), 0]);
    expect(run('fmin_s', [S(0), S(0x80000000)])).toEqual([S(0x80000000), 0]);
  });
});

describe('fpu: rounding and flags', () => {
  it('steps one ulp for directed modes, across a binade', () => {
    expect(run('fadd_d', [ONE, D(-(2 ** -60))], RDN)).toEqual([0x3fefffffffffffffn, NX]);
    expect(run('fadd_d', [ONE, D(-(2 ** -60))], RTZ)).toEqual([0x3fefffffffffffffn, NX]);
    expect(run('fadd_d', [ONE, D(-(2 ** -60))], RUP)).toEqual([ONE, NX]);
    expect(run('fadd_d', [ONE, D(2 ** -53)], RMM)).toEqual([0x3ff0000000000001n, NX]); // tie: away
    expect(run('fadd_d', [ONE, D(2 ** -53)], RNE)).toEqual([ONE, NX]); // tie: even
    expect(run('fsub_d', [D(3), D(3)], RDN)).toEqual([D(-0), 0]); // x - x = -0 only in RDN
  });
  it('overflows to ∞ or the largest finite number by mode', () => {
    const max = D(Number.MAX_VALUE);
    expect(run('fmul_d', [max, D(2)], RNE)).toEqual([D(Infinity), OF | NX]);
    expect(run('fmul_d', [max, D(2)], RTZ)).toEqual([max, OF | NX]);
    expect(run('fmul_d', [max, D(-2)], RUP)).toEqual([D(-Number.MAX_VALUE), OF | NX]);
    expect(run('fadd_d', [max, max], RDN)).toEqual([max, OF | NX]); // BigInt fallback
    expect(run('fadd_d', [max, D(1)], RUP)).toEqual([D(Infinity), OF | NX]); // step from MAX
    // single: MAX + ½ulp rounds to ∞ in RNE but only to MAX (no OF) in RTZ
    expect(run('fcvt_s_d', [0x47effffff0000000n], RNE)).toEqual([S(0x7f800000), OF | NX]);
    expect(run('fcvt_s_d', [0x47effffff0000000n], RTZ)).toEqual([S(0x7f7fffff), NX]);
  });
  it('detects tininess after rounding', () => {
    // (1 - 2^-53) · 2^-1022 = 2^-1022 - 2^-1075 has 53 bits: tiny, though it rounds to 2^-1022
    expect(run('fmul_d', [0x3fefffffffffffffn, 0x0010000000000000n])).toEqual([0x0010000000000000n, UF | NX]);
    // 2^-1022 - 2^-1076 rounds to 2^-1022 at 53 bits too: not tiny, only inexact
    expect(run('fmul_d', [0x0010000002000000n, 0x3feffffffc000000n])).toEqual([0x0010000000000000n, NX]);
    expect(run('fmul_d', [0x0010000002000000n, 0x3feffffffc000000n], RTZ)).toEqual([0x000fffffffffffffn, UF | NX]);
    expect(run('fcvt_s_d', [0x380fffffe0000000n])).toEqual([S(0x00800000), UF | NX]);
    expect(run('fcvt_s_d', [0x380ffffff0000000n])).toEqual([S(0x00800000), NX]);
    expect(run('fmul_s', [S(0x3f7fffff), S(0x00800000)], RTZ)).toEqual([S(0x007fffff), UF | NX]);
    // exact subnormal results raise nothing
    expect(run('fmul_d', [0x0010000000000000n, D(0.5)])).toEqual([0x0008000000000000n, 0]);
    expect(run('fmul_d', [1n, D(0.5)], RUP)).toEqual([1n, UF | NX]);
  });
  it('raises DZ only for a finite nonzero dividend', () => {
    expect(run('fdiv_d', [D(-1), D(0)])).toEqual([D(-Infinity), DZ]);
    expect(run('fdiv_s', [S(0x7f800000), S(0)])).toEqual([S(0x7f800000), 0]);
    expect(run('fdiv_d', [D(0), D(0)])).toEqual([CANON_D, NV]);
  });
  it('accrues flags into fflags', () => {
    const s: FpRegs = makeRegs();
    s.fflags = DZ;
    setF(s, 1, ONE);
    setF(s, 2, D(3));
    FPU_OPS.fdiv_d!(s, 3, 1, 2, 0, RNE);
    expect(s.fflags).toBe(DZ | NX);
  });
});

describe('fpu: fused multiply-add', () => {
  it('rounds once', () => {
    // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104, which a rounded product would lose
    expect(run('fmadd_d', [0x3ff0000000000001n, 0x3feffffffffffffen, D(-1)])).toEqual([D(-(2 ** -104)), 0]);
    expect(run('fmadd_s', [S(0x3f800001), S(0x3f7ffffe), S(0xbf800000)])).toEqual([S(0xa8800000), 0]);
  });
  it('breaks ties and near-ties in the intermediate sums exactly', () => {
    // 2^-53 · 1 + 1: an exact tie
    expect(run('fmadd_d', [D(2 ** -53), ONE, ONE], RNE)).toEqual([ONE, NX]);
    expect(run('fmadd_d', [D(2 ** -53), ONE, ONE], RMM)).toEqual([0x3ff0000000000001n, NX]);
    expect(run('fmadd_d', [D(2 ** -53), ONE, ONE], RDN)).toEqual([ONE, NX]);
    // just above the tie (2^-53 + 2^-105)
    expect(run('fmadd_d', [0x3ca0000000000001n, ONE, ONE], RNE)).toEqual([0x3ff0000000000001n, NX]);
    // just below the tie (a product 2^-53 - 2^-159 from (1 - 2^-53)·2^-53... as (1-2^-53)(2^-53))
    expect(run('fmadd_d', [0x3fefffffffffffffn, D(2 ** -53), ONE], RNE)).toEqual([ONE, NX]);
    expect(run('fmadd_d', [0x3fefffffffffffffn, D(2 ** -53), ONE], RMM)).toEqual([ONE, NX]);
  });
  it('single: rounds to odd in double before rounding to single', () => {
    // -(2^-24)(1 + 2^-23)(1 - 2^-23) + (1 + 2^-23) = 1 + 2^-24 + 2^-70: just above a single tie. Rounding
    // to nearest double first would land on the tie and then on the even neighbour, 1.0.
    expect(run('fmadd_s', [S(0xb3800001), S(0x3f7ffffe), S(0x3f800001)])).toEqual([S(0x3f800001), NX]);
  });
  it('exact zero results take their sign from the rounding mode', () => {
    expect(run('fmadd_d', [D(2), D(0.5), D(-1)], RNE)).toEqual([D(0), 0]);
    expect(run('fmadd_d', [D(2), D(0.5), D(-1)], RDN)).toEqual([D(-0), 0]);
    expect(run('fnmadd_d', [D(0), ONE, D(0)])).toEqual([D(-0), 0]); // -(0·1) - 0
  });
  it('rare paths: tiny products, subnormal and overflowing results', () => {
    expect(run('fmadd_d', [1n, 1n, ONE], RUP)).toEqual([0x3ff0000000000001n, NX]); // 2^-2148 + 1
    expect(run('fmadd_d', [1n, 0x8000000000000001n, ONE], RTZ)).toEqual([0x3fefffffffffffffn, NX]);
    expect(run('fmadd_d', [0x0010000000000000n, D(0.5), 1n])).toEqual([0x0008000000000001n, 0]);
    expect(run('fmadd_d', [D(Number.MAX_VALUE), D(2), D(0)], RTZ)).toEqual([D(Number.MAX_VALUE), OF | NX]);
  });
});

describe('fpu: integer conversions', () => {
  it('saturates and flags NV (not NX) out of range', () => {
    expect(runX('fcvt_w_d', [D(2147483647.5)], RNE)).toEqual([0x7fffffffn, NV]);
    expect(runX('fcvt_w_d', [D(2147483647.5)], RTZ)).toEqual([0x7fffffffn, NX]);
    expect(runX('fcvt_w_d', [CANON_D])).toEqual([0x7fffffffn, NV]);
    expect(runX('fcvt_wu_d', [D(-0.5)], RTZ)).toEqual([0n, NX]); // rounds to 0: representable
    expect(runX('fcvt_wu_d', [D(-0.5)], RDN)).toEqual([0n, NV]);
    expect(runX('fcvt_l_d', [D(2 ** 63)])).toEqual([0x7fffffffffffffffn, NV]);
    expect(runX('fcvt_l_d', [D(-(2 ** 63))])).toEqual([0x8000000000000000n, 0]);
    expect(runX('fcvt_lu_d', [D(2 ** 64 - 2048)])).toEqual([0xfffffffffffff800n, 0]);
    expect(runX('fcvt_lu_s', [CANON_S])).toEqual([0xffffffffffffffffn, NV]);
  });
  it('sign-extends 32-bit results, FCVT.WU included', () => {
    expect(runX('fcvt_wu_d', [D(3e9)])).toEqual([0xffffffffb2d05e00n, 0]);
    expect(runX('fcvt_w_s', [S(0xcf000000)])).toEqual([0xffffffff80000000n, 0]);
  });
  it('rounds 64-bit integers that do not fit in 53 or 24 bits', () => {
    const max = 0x7fffffffffffffffn;
    expect(runFromX('fcvt_d_l', [max], RNE)).toEqual([D(2 ** 63), NX]);
    expect(runFromX('fcvt_d_l', [max], RTZ)).toEqual([0x43dfffffffffffffn, NX]);
    expect(runFromX('fcvt_d_l', [max], RDN)).toEqual([0x43dfffffffffffffn, NX]);
    expect(runFromX('fcvt_d_l', [max], RUP)).toEqual([D(2 ** 63), NX]);
    expect(runFromX('fcvt_d_l', [max], RMM)).toEqual([D(2 ** 63), NX]);
    expect(runFromX('fcvt_d_l', [0x20000000000001n], RMM)).toEqual([0x4340000000000001n, NX]); // tie
    expect(runFromX('fcvt_d_lu', [0xffffffffffffffffn], RTZ)).toEqual([0x43efffffffffffffn, NX]);
    expect(runFromX('fcvt_s_lu', [0xffffffffffffffffn], RNE)).toEqual([S(0x5f800000), NX]);
    expect(runFromX('fcvt_s_lu', [0xffffffffffffffffn], RDN)).toEqual([S(0x5f7fffff), NX]);
    // -(2^63 - 2^39 - 2^38 - 1): one beyond a single tie; its nearest double is the tie itself
    expect(runFromX('fcvt_s_l', [0x800000bfffffffffn], RNE)).toEqual([S(0xdeffffff), NX]);
    expect(runFromX('fcvt_s_w', [0x1234567800000005n])).toEqual([S(0x40a00000), 0]); // upper half ignored
  });
});

describe('fpu: register file conventions', () => {
  it('never writes x0 but still raises flags', () => {
    const s = makeRegs();
    setF(s, 1, CANON_D);
    FPU_OPS.fcvt_w_d!(s, 0, 1, 0, 0, RNE);
    FPU_OPS.fle_d!(s, 0, 1, 1, 0, RNE);
    FPU_OPS.fmv_x_d!(s, 0, 1, 0, 0, RNE);
    expect([s.x[0], s.x[1], s.fflags]).toEqual([0, 0, NV]);
  });
  it('allows rd to be a source', () => {
    const s = makeRegs();
    setF(s, 1, D(1.5));
    FPU_OPS.fmadd_d!(s, 1, 1, 1, 1, RNE); // 1.5 · 1.5 + 1.5
    expect(getF(s, 1)).toBe(D(3.75));
    setF(s, 2, S(0x3fc00000));
    FPU_OPS.fsgnjn_s!(s, 2, 2, 2, 0, RNE);
    expect(getF(s, 2)).toBe(S(0xbfc00000));
  });
  it('moves bits unchanged', () => {
    expect(runX('fmv_x_d', [0x7ff0000000000001n])).toEqual([0x7ff0000000000001n, 0]);
    expect(runFromX('fmv_d_x', [0xfff4000000000abcn])).toEqual([0xfff4000000000abcn, 0]);
    expect(runFromX('fmv_w_x', [0x12345678ff800001n])).toEqual([S(0xff800001), 0]);
  });
});

describe('fpu: randomised against the exact BigInt model', () => {
  it('arithmetic, both precisions, every rounding mode', () => {
    const { cases, failures } = fuzz(1500, 20240611);
    expect(cases).toBeGreaterThan(100_000);
    expect(failures).toEqual([]);
  });
  it('conversions', () => {
    const { failures } = fuzzConversions(1500, 7);
    expect(failures).toEqual([]);
  });
});
