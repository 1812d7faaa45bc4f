/**
 * The wasm tier against the interpreter on random integer code: programs of random RV64I/M instructions (ALU and
 * mulh* with edge-case operands, W forms, division by zero and overflow, loads and stores of every size, aligned
 * and not, forward branches) run interpreted and as wasm blocks from their first run; registers, memory and the
 * retired count must be the same. Seeded, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import { Rng } from '../../../src/fuzz/prng.js';
import { asm } from './asm.js';
import { RAM_BASE, tierHart, type TierHart } from './tier-hart.js';

const RAM = RAM_BASE;
const DATA = 0x8000;
/** x31 holds the data address and is never written. */
const BASE = 31;


const rType = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const iType = (imm: number, rs1: number, f3: number, rd: number, op: number): number =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const sType = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0;
const bType = (imm: number, rs2: number, rs1: number, f3: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;

/** [funct7, funct3] of the R-type operations (opcode 0x33), and of their W forms (0x3b). */
const R64 = [[0, 0], [0x20, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0x20, 5], [0, 6], [0, 7], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7]];
const R32 = [[0, 0], [0x20, 0], [0, 1], [0, 5], [0x20, 5], [1, 0], [1, 4], [1, 5], [1, 6], [1, 7]];
const I64 = [0, 2, 3, 4, 6, 7];

function randomProgram(next: () => number, length: number): number[] {
  const reg = (): number => 1 + (next() % 15);
  const words: number[] = [];
  for (let k = 0; k < length; k++) {
    const left = length - k - 1;
    const pick = next() % 12;
    if (pick < 4) {
      const [f7, f3] = (pick < 3 ? R64 : R32)[next() % (pick < 3 ? R64.length : R32.length)]!;
      words.push(rType(f7!, reg(), reg(), f3!, reg(), pick < 3 ? 0x33 : 0x3b));
    } else if (pick < 6) {
      const imm = (next() % 4096) - 2048;
      if (next() % 3 === 0) {
        // Shifts by an immediate: slli/srli/srai (6-bit), or their W forms (5-bit).
        const w = next() % 2 === 1, sh = next() % (w ? 32 : 64), f3 = next() % 2 === 0 ? 1 : 5;
        const arith = f3 === 5 && next() % 2 === 0 ? 0x400 : 0;
        words.push(iType(arith | sh, reg(), f3, reg(), w ? 0x1b : 0x13));
      } else if (next() % 4 === 0) words.push(iType(imm, reg(), 0, reg(), 0x1b)); // addiw
      else words.push(iType(imm, reg(), I64[next() % I64.length]!, reg(), 0x13));
    } else if (pick === 6) {
      words.push(((next() & 0xfffff000) | (reg() << 7) | (next() % 2 === 0 ? 0x37 : 0x17)) >>> 0); // lui, auipc
    } else if (pick < 9) {
      // Loads, the offset mostly aligned to the access.
      const f3 = [0, 1, 2, 3, 4, 5, 6][next() % 7]!;
      const size = 1 << (f3 & 3);
      const off = (next() % 256) * 8 + (next() % 8 === 0 ? next() % size : 0);
      words.push(iType(off, BASE, f3, reg(), 0x03));
    } else if (pick < 11) {
      const f3 = next() % 4, size = 1 << f3;
      const off = (next() % 256) * 8 + (next() % 8 === 0 ? next() % size : 0);
      words.push(sType(off, reg(), BASE, f3));
    } else if (left >= 2) {
      // A forward branch over 1..2 instructions.
      const over = 1 + (next() % Math.min(2, left));
      words.push(bType(4 * (over + 1), reg(), reg(), [0, 1, 4, 5, 6, 7][next() % 6]!));
    } else {
      words.push(iType(1, reg(), 0, reg(), 0x13));
    }
  }
  words.push(asm.wfi());
  return words;
}

/**
 * div, divu, rem, remu of INT64_MIN by -1 and by zero, and their W forms of INT32_MIN by -1 and by zero, into x8..x15
 * (x1 = INT64_MIN, x2 = -1, x3 = INT32_MIN sign-extended, set in `regs`).
 */
function divisionCases(regs: Int32Array): number[] {
  regs.set([0, -0x80000000, -1, -1, -0x80000000, -1], 2);
  const words: number[] = [];
  let rd = 8;
  for (const f3 of [4, 5, 6, 7]) {
    words.push(rType(1, 2, 1, f3, rd++, 0x33), rType(1, 2, 3, f3, rd++, 0x3b));
    words.push(rType(1, 0, 1, f3, 16 + (f3 & 3), 0x33), rType(1, 0, 3, f3, 20 + (f3 & 3), 0x3b));
  }
  return words;
}

const EDGES: [number, number][] = [[0, 0], [-1, -1], [0, -0x80000000], [-0x80000000, -1], [0x7fffffff, 0], [1, 0], [-1, 0x7fffffff], [2, 0]];

function run(words: number[], regs: Int32Array, data: Uint8Array, wasm: boolean): TierHart {
  const { hart, bus, code } = tierHart(words, wasm);
  bus.write(RAM + DATA, data);
  hart.x.set(regs);
  hart.x[2 * BASE] = (RAM + DATA) | 0;
  hart.x[2 * BASE + 1] = 0;
  expect(hart.run(10_000)).toBe(Exit.Wfi);
  return { hart, bus, code };
}

describe('the wasm tier against the interpreter on random integer code', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: 150 programs of 48 instructions`, () => {
      const rng = new Rng(seed);
      const next = (): number => rng.u32();
      let compiled = 0;
      for (let p = 0; p < 150; p++) {
        const regs = new Int32Array(64);
        for (let i = 2; i < 64; i += 2) {
          const edge = next() % 3 === 0 ? EDGES[next() % EDGES.length]! : [next() | 0, next() | 0];
          regs[i] = edge[0]!;
          regs[i + 1] = edge[1]!;
        }
        // Every fourth program starts with the division cases by zero and of signed overflow, both widths.
        const divisions = p % 4 === 0 ? divisionCases(regs) : [];
        const words = [...divisions, ...randomProgram(next, 48 - divisions.length)];
        const data = new Uint8Array(2048 + 8);
        for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
        const a = run(words, regs, data, false);
        const b = run(words, regs, data, true);
        compiled += b.code.compiled;
        const what = `seed ${seed} program ${p}: ${words.map((w) => w.toString(16)).join(' ')}`;
        expect([...b.hart.x], what).toEqual([...a.hart.x]);
        expect(b.hart.icount, what).toBe(a.hart.icount);
        expect(b.hart.pcHex(), what).toBe(a.hart.pcHex());
        expect(Buffer.from(b.bus.bytes.subarray(DATA, DATA + data.length)).equals(Buffer.from(a.bus.bytes.subarray(DATA, DATA + data.length))), what).toBe(true);
      }
      expect(compiled).toBeGreaterThan(150);
    });
  }
});
