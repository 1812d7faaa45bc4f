/**
 * Micro-benchmark of the hot FPU paths (src/vcpu/riscv/fpu.ts): ns per call in RNE on ordinary
 * operands (mostly inexact results, as in real FP code). `npm run build && npx tsx bench/fpu.ts`
 */
// The shipped build (tsc's output) is what is measured.
import { fmv_x_d, FPU_OPS, type FpOp, type FpRegs } from '../dist/vcpu/riscv/fpu.js';

/** Shaped like the hart: an object with the register views and fflags. */
class Regs implements FpRegs {
  readonly x = new Int32Array(64);
  readonly f: Float64Array;
  readonly fw: Int32Array;
  fflags = 0;
  constructor() {
    const buf = new ArrayBuffer(256);
    this.f = new Float64Array(buf);
    this.fw = new Int32Array(buf);
  }
}

const OPS = ['fadd_d', 'fmul_d', 'fmadd_d', 'fdiv_d', 'fadd_s', 'fcvt_w_d'];

function setup(single: boolean): Regs {
  const s = new Regs();
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 1; i < 31; i++) {
    // ordinary values: ±[1, 2) · 2^[-20, 20] with full significands, some of them short
    let v = (1 + rnd() + rnd() * 2 ** -32) * 2 ** Math.floor(rnd() * 41 - 20) * (rnd() < 0.5 ? -1 : 1);
    if (i % 5 === 0) v = Math.round(v * 8) / 8;
    if (single) {
      s.f[i] = 0;
      const f32 = new Float32Array([v]);
      s.fw[2 * i] = new Int32Array(f32.buffer)[0]!;
      s.fw[2 * i + 1] = -1;
    } else s.f[i] = v;
  }
  return s;
}

function time(op: FpOp, s: Regs, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const k = i % 29;
    op(s, 31, k + 1, k + 2, ((k + 5) % 29) + 1, 0);
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

export function runFpuBench(log: (s: string) => void): void {
  const n = 5_000_000;
  // the call itself, for scale: a no-op-like instruction
  const base = setup(false);
  time(fmv_x_d, base, n);
  const results: string[] = [`call overhead (fmv_x_d) ${time(fmv_x_d, base, n).toFixed(1)} ns`];
  for (const name of OPS) {
    const s = setup(name.endsWith('_s'));
    const op = FPU_OPS[name]!;
    time(op, s, n); // warm up
    let best = Infinity;
    for (let rep = 0; rep < 3; rep++) best = Math.min(best, time(op, s, n));
    results.push(`${name} ${best.toFixed(1)} ns`);
  }
  log(`fpu (RNE, ordinary operands, ns/op): ${results.join(', ')}`);
}

if (process.argv[1]?.endsWith('fpu.ts')) runFpuBench((s) => console.log(s));
