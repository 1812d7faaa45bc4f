/**
 * The wasm tier: floating point (FP loads and stores; the native fast paths of fadd/fsub/fmul/fdiv, taken only with
 * RNE and NX already set for results in range, of fsqrt.d, and of comparisons without NaNs; fpu.ts for the rest),
 * and its driver's chaining of blocks. Each program runs interpreted and as wasm blocks, with the same registers,
 * flags, memory and instruction count; and the wasm run must have compiled its block.
 */
import { describe, expect, it } from 'vitest';
import type { Hart } from '../../../src/vcpu/riscv/hart.js';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import type { WasmRun } from '../../../src/vcpu/riscv/wasm/wasm-tier.js';
import { asm, X } from './asm.js';
import { RAM_BASE, tierHart, type TierHart } from './tier-hart.js';

const RAM = RAM_BASE;
const DATA = 0x600; // below 0x800: an addi immediate

// FP encodings (RV64FD): loads/stores I/S-type, arithmetic R-type with rm in funct3.
const iType = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const sType = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const fop = (funct7: number) => (rd: number, rs1: number, rs2: number, rm: number): number =>
  ((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
const fp = {
  flw: (rd: number, rs1: number, imm: number) => iType(imm, rs1, 2, rd, 0x07),
  fld: (rd: number, rs1: number, imm: number) => iType(imm, rs1, 3, rd, 0x07),
  fsw: (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 2, 0x27),
  fsd: (rs2: number, rs1: number, imm: number) => sType(imm, rs2, rs1, 3, 0x27),
  faddS: fop(0x00), fsubS: fop(0x04), fmulS: fop(0x08),
  faddD: fop(0x01), fsubD: fop(0x05), fmulD: fop(0x09), fdivD: fop(0x0d), fdivS: fop(0x0c),
  fsqrtD: (rd: number, rs1: number, rm: number) => fop(0x2d)(rd, rs1, 0, rm),
  // Comparisons: funct3 2 feq, 1 flt, 0 fle; rd an integer register.
  feqD: (rd: number, rs1: number, rs2: number) => fop(0x51)(rd, rs1, rs2, 2),
  fltD: (rd: number, rs1: number, rs2: number) => fop(0x51)(rd, rs1, rs2, 1),
  fleD: (rd: number, rs1: number, rs2: number) => fop(0x51)(rd, rs1, rs2, 0),
  feqS: (rd: number, rs1: number, rs2: number) => fop(0x50)(rd, rs1, rs2, 2),
  fltS: (rd: number, rs1: number, rs2: number) => fop(0x50)(rd, rs1, rs2, 1),
  fleS: (rd: number, rs1: number, rs2: number) => fop(0x50)(rd, rs1, rs2, 0),
};
const DYN = 7;
const jal = (rd: number, imm: number): number =>
  ((((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3ff) << 21) | (((imm >> 11) & 1) << 20) | (((imm >> 12) & 0xff) << 12) | (rd << 7) | 0x6f) >>> 0;
const bne = (rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;

type Tier = 'interpreted' | 'wasm';

function run(words: number[], tier: Tier, data: Uint8Array): TierHart {
  const r = tierHart(words, tier === 'wasm');
  r.bus.write(RAM + DATA, data);
  expect(r.hart.run(10_000)).toBe(Exit.Wfi);
  return r;
}

/** What the tiers must agree on. */
function state(r: TierHart): string {
  const h = r.hart;
  return JSON.stringify({
    f: [...h.fw], x: [...h.x], fflags: h.fflags, fs: h.fs, icount: h.icount, pc: h.pcHex(),
    data: [...r.bus.bytes.subarray(DATA, DATA + 128)],
  });
}

function data(doubles: number[], singles: number[]): Uint8Array {
  const out = new Uint8Array(128);
  const view = new DataView(out.buffer);
  doubles.forEach((d, i) => view.setFloat64(8 * i, d, true));
  singles.forEach((s, i) => view.setFloat32(64 + 4 * i, s, true));
  return out;
}

/** FS on; NX set first if `nx`; a1 = the data; then one block of FP work (`body`), then wfi. */
function program(nx: boolean, body: number[]): number[] {
  return [
    asm.lui(X.t0, 6), asm.csrrs(0, 0x100, X.t0), // sstatus.FS = dirty
    asm.addi(X.t0, 0, nx ? 1 : 0), asm.csrrs(0, 0x001, X.t0), // fflags |= NX
    asm.lui(X.a1, (RAM + DATA) >>> 12), asm.addi(X.a1, X.a1, DATA & 0xfff), asm.slli(X.a1, X.a1, 32), asm.srli(X.a1, X.a1, 32),
    ...body, asm.wfi(),
  ];
}

const ARITHMETIC = [
  fp.fld(1, X.a1, 0), fp.fld(2, X.a1, 8), fp.fld(3, X.a1, 16), fp.fld(4, X.a1, 24),
  fp.faddD(5, 1, 2, 0), fp.fsubD(6, 1, 2, DYN), fp.fmulD(7, 1, 2, 0),
  fp.faddD(8, 3, 3, 0), // overflows: fpu.ts
  fp.fmulD(9, 4, 1, 0), // a subnormal product: fpu.ts
  fp.fsubD(10, 4, 4, 0), // exactly 0
  fp.fdivD(11, 1, 2, DYN), // no wasm fast path
  fp.faddD(12, 1, 2, 1), // RTZ: fpu.ts
  fp.flw(13, X.a1, 64), fp.flw(14, X.a1, 68), fp.flw(15, X.a1, 72),
  fp.faddS(16, 13, 14, 0), fp.fmulS(17, 13, 14, DYN), fp.fsubS(18, 13, 14, 0),
  fp.fmulS(19, 15, 15, 0), // overflows in single: fpu.ts
  fp.fsd(5, X.a1, 32), fp.fsd(7, X.a1, 40), fp.fsw(16, X.a1, 76), fp.fsw(17, X.a1, 80),
];

describe('the wasm tier: floating point', () => {
  for (const nx of [true, false]) {
    it(`fadd/fsub/fmul/fdiv, doubles and singles, ${nx ? 'with NX already set (the fast paths)' : 'with NX clear'}`, () => {
      const words = program(nx, ARITHMETIC);
      const values = data([1.1, 2.7, 1.5e308, 3e-300], [1.1, 2.7, 3e38]);
      const interpreted = run(words, 'interpreted', values);
      const wasm = run(words, 'wasm', values);
      expect(wasm.code.compiled).toBeGreaterThan(0);
      expect(state(wasm)).toBe(state(interpreted));
      // The results themselves, against the host's IEEE arithmetic.
      expect(interpreted.hart.f[5]).toBe(1.1 + 2.7);
      expect(interpreted.hart.f[7]).toBe(1.1 * 2.7);
      expect(interpreted.hart.f[8]).toBe(Infinity);
      expect(interpreted.hart.fflags & 0x5).toBe(0x5); // OF, NX
    });
  }

  for (const nx of [true, false]) {
    it(`comparisons, fdiv and fsqrt.d, ordinary operands and NaNs, zeros, infinities, ${nx ? 'NX set' : 'NX clear'}`, () => {
      // Doubles: 0 1.5, 8 -2.25, 16 qNaN, 24 sNaN, 32 +0, 40 -0, 48 +inf, 56 a subnormal. Singles: 64 1.5, 68 -2.25,
      // 72 qNaN, 76 sNaN.
      const values = data([1.5, -2.25, NaN, 0, 0, -0, Infinity, 5e-324], [1.5, -2.25, NaN, 0]);
      const view = new DataView(values.buffer);
      view.setUint32(24 + 4, 0x7ff40000, true); // a signaling NaN double
      view.setUint32(76, 0x7fa00000, true); // a signaling NaN single
      const d = (r: number, at: number): number => fp.fld(r, X.a1, at);
      const body = [
        d(1, 0), d(2, 8), d(3, 16), d(4, 24), d(5, 32), d(6, 40), d(7, 48), d(8, 56),
        fp.flw(9, X.a1, 64), fp.flw(10, X.a1, 68), fp.flw(11, X.a1, 72), fp.flw(12, X.a1, 76),
        fp.fltD(X.a2, 1, 2), fp.fleD(X.a3, 2, 1), fp.feqD(X.a4, 5, 6), fp.fleD(X.a5, 7, 7),
        fp.feqD(X.t0, 1, 3), // quiet NaN: feq raises nothing
        fp.feqD(X.t1, 1, 4), // signaling NaN: NV
        fp.fltD(X.t2, 3, 1), // flt of a quiet NaN: NV
        fp.fltS(20, 9, 10), fp.fleS(21, 10, 9), fp.feqS(22, 9, 9), fp.feqS(23, 9, 11), fp.fleS(24, 12, 9),
        fp.fleS(25, 1, 9), // f1 holds a double: not NaN-boxed, reads as the canonical NaN
        fp.fdivD(19, 1, 2, 0), fp.fdivD(20, 2, 5, 0), // ÷ 0: DZ
        fp.fdivD(21, 5, 5, 0), fp.fdivD(22, 8, 1, 0), fp.fdivD(23, 1, 7, DYN), fp.fdivS(24, 9, 10, 0),
        fp.fsqrtD(25, 1, 0), fp.fsqrtD(26, 2, 0), fp.fsqrtD(27, 6, 0), fp.fsqrtD(28, 7, DYN), fp.fsqrtD(29, 8, 0),
        fp.fsqrtD(30, 1, 1), // RTZ: fpu.ts
        fp.fsd(19, X.a1, 0), fp.fsd(25, X.a1, 8),
      ];
      const words = program(nx, body);
      const interpreted = run(words, 'interpreted', values);
      const wasm = run(words, 'wasm', values);
      expect(wasm.code.compiled).toBeGreaterThan(0);
      expect(state(wasm)).toBe(state(interpreted));
      const h = interpreted.hart;
      expect([X.a2, X.a3, X.a4, X.a5, X.t0, X.t1, X.t2].map((r) => h.x[2 * r])).toEqual([0, 1, 1, 1, 0, 0, 0]);
      expect([20, 21, 22, 23, 24, 25].map((r) => h.x[2 * r])).toEqual([0, 1, 1, 0, 0, 0]);
      expect(h.f[19]).toBe(1.5 / -2.25);
      expect(h.f[20]).toBe(-Infinity);
      expect(h.f[25]).toBe(Math.sqrt(1.5));
      expect(h.fflags & 0x18).toBe(0x18); // NV, DZ
    });
  }

  for (const [where, bAt] of [['the same page', 36], ['the next page', 0x1000]] as const) {
    it(`blocks chained inside the driver, B in ${where}: an exit in a later block counts the earlier blocks`, () => {
      // A: ld t1, 0(a3); a3 += a4; jal B.  B: a2 -= 1; bne a2, 0, A.  The third load leaves RAM: an MMIO exit.
      const setup = [
        asm.lui(X.a3, (RAM + DATA) >>> 12), asm.addi(X.a3, X.a3, DATA & 0xfff), asm.slli(X.a3, X.a3, 32), asm.srli(X.a3, X.a3, 32),
        asm.lui(X.a4, 0x80), asm.addi(X.a2, 0, 5), // a4 = 512 KiB: the third load is past the 1 MiB of RAM
      ];
      const a = [asm.ld(X.t1, X.a3, 0), asm.add(X.a3, X.a3, X.a4), jal(0, bAt - 32)];
      const b = [asm.addi(X.a2, X.a2, -1), bne(X.a2, 0, 20 - bAt), asm.wfi()];
      let calls = 0;
      const tiers = [false, true].map((wasm) => {
        const { hart, bus, code } = tierHart([...setup, ...a], wasm);
        bus.write(RAM + bAt, new Uint8Array(new Uint32Array(b).buffer));
        const tier = code.wasm;
        if (tier !== undefined) {
          // Count the calls from JavaScript into the driver.
          const run = tier.run;
          Object.defineProperty(tier, 'run', { value: (...args: Parameters<WasmRun>): number => { calls++; return run(...args); } });
        }
        expect(hart.run(1000)).toBe(Exit.Mmio);
        return hart;
      });
      const [interpreted, wasm] = tiers as [Hart, Hart];
      expect(interpreted.pcHex()).toBe((RAM + 24).toString(16).padStart(16, '0'));
      expect(interpreted.icount).toBe(6 + 2 * 5);
      expect(wasm.pcHex()).toBe(interpreted.pcHex());
      expect(wasm.icount).toBe(interpreted.icount);
      expect([...wasm.x]).toEqual([...interpreted.x]);
      // Entered from JavaScript once each: the first block (the set-up, then A), B, and A on its own; every later
      // pass chained inside the driver.
      expect(calls).toBe(3);
    });
  }

  it('a single that is not NaN-boxed reads as the canonical NaN (no fast path)', () => {
    const words = program(true, [fp.fld(1, X.a1, 0), fp.faddS(2, 1, 1, 0), fp.fsd(2, X.a1, 8)]);
    const values = data([1.25], []);
    const interpreted = run(words, 'interpreted', values);
    expect(state(run(words, 'wasm', values))).toBe(state(interpreted));
    expect(interpreted.hart.fw[5]).toBe(-1);
    expect(interpreted.hart.fw[4]).toBe(0x7fc00000);
  });

  it('a full tier drops every block and starts again, and the program runs on as the interpreter runs it', () => {
    // A loop over a chain of small blocks (each ends at its jal): more blocks than the tier may hold.
    const chain = Array.from({ length: 12 }, (_v, i) => [asm.addi(X.a0, X.a0, i + 1), jal(0, 4)]).flat();
    const words = [asm.addi(X.a2, 0, 20), ...chain, asm.addi(X.a2, X.a2, -1), bne(X.a2, 0, -4 * (chain.length + 1)), asm.wfi()];
    const results = [3, undefined].map((capacity) => {
      const { hart, code } = tierHart(words, true, capacity);
      expect(hart.run(100_000)).toBe(Exit.Wfi);
      return { a0: hart.x[2 * X.a0], icount: hart.icount, compiled: code.compiled };
    });
    expect(results[0]!.a0).toBe(20 * 78);
    expect(results[0]!.a0).toBe(results[1]!.a0);
    expect(results[0]!.icount).toBe(results[1]!.icount);
    // With room for 3 functions the 14 blocks were compiled again and again.
    expect(results[0]!.compiled).toBeGreaterThan(results[1]!.compiled);
  });

  it('an FP instruction with FS off traps in the wasm block where the interpreter traps', () => {
    const words = [
      asm.lui(X.a1, (RAM + DATA) >>> 12), asm.addi(X.a1, X.a1, DATA & 0xfff), asm.slli(X.a1, X.a1, 32), asm.srli(X.a1, X.a1, 32),
      asm.addi(X.a0, 0, 5), fp.fld(1, X.a1, 0), asm.addi(X.a0, 0, 6), asm.wfi(),
    ];
    const tiers = [false, true].map((wasm) => {
      const { hart, bus } = tierHart(words, wasm);
      hart.stvecLo = (RAM + 0x400) | 0; // a wfi there
      bus.write(RAM + 0x400, new Uint8Array(new Uint32Array([asm.wfi()]).buffer));
      expect(hart.run(1000)).toBe(Exit.Wfi);
      return hart;
    });
    for (const h of tiers) {
      expect(h.scauseLo).toBe(2); // illegal instruction
      expect(h.sepcLo >>> 0).toBe((RAM + 20) >>> 0);
      expect(h.x[2 * X.a0]).toBe(5);
    }
    expect(tiers[1]!.icount).toBe(tiers[0]!.icount);
  });
});
