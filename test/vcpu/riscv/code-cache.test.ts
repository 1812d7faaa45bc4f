/**
 * The code cache over code that rewrites its own page: every store there drops the page's blocks, so the loop is
 * decoded again on each pass, in either tier. The result must not change, and the block table must reuse the ids of
 * dropped blocks (it would otherwise grow by a block each pass).
 */
import { describe, expect, it } from 'vitest';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import { asm, X } from './asm.js';
import { tierHart } from './tier-hart.js';

const bne = (rs1: number, rs2: number, imm: number): number =>
  ((((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) |
    (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63) >>> 0;

const PASSES = 2000;
const program = [
  asm.addi(X.t2, X.zero, 1),
  asm.slli(X.t2, X.t2, 31), // t2 = RAM_BASE
  asm.addi(X.t2, X.t2, 64), // a word of this page past the code
  asm.addi(X.a0, X.zero, PASSES),
  asm.addi(X.t0, X.t0, 1), // loop:
  asm.sw(X.zero, X.t2, 0), // a store to the code's own page
  bne(X.t0, X.a0, -8),
  asm.wfi(),
];

describe('code cache: a page rewritten while it runs', () => {
  for (const wasm of [false, true]) {
    it(`decodes the loop again each pass and reuses the dropped blocks' ids (${wasm ? 'wasm tier' : 'interpreter'})`, () => {
      const { hart, code } = tierHart(program, wasm);
      expect(hart.run(100_000)).toBe(Exit.Wfi);
      expect(hart.x[2 * X.t0]).toBe(PASSES);
      expect(hart.icount).toBe(5 + 3 * PASSES); // the wfi retires too
      // Decoded again after each store (the first pass decodes the set-up block and the loop).
      expect(code.decoded).toBeGreaterThanOrEqual(PASSES);
      expect(code.blockTableSize).toBeLessThan(8);
    });
  }
});
