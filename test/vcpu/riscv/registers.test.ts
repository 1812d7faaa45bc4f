/**
 * wasm blocks keep registers in locals (wasm/block-wasm.ts): a hart call inside a block must see the registers the
 * block wrote before it, and the block must see what the call wrote. Each program here runs as wasm blocks (from
 * their first run) and interpreted, with the same result and instruction count.
 */
import { describe, expect, it } from 'vitest';
import type { RamBus } from '../../../src/aspace/ram-bus.js';
import type { Hart } from '../../../src/vcpu/riscv/hart.js';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import { asm, X } from './asm.js';
import { RAM_BASE, tierHart } from './tier-hart.js';

const RAM = RAM_BASE;

function run(words: number[], wasm: boolean, setup: (h: Hart, bus: RamBus) => void = () => {}): Hart {
  const { hart, bus } = tierHart(words, wasm);
  setup(hart, bus);
  expect(hart.run(1000)).toBe(Exit.Wfi);
  return hart;
}

/** Both tiers: wasm at once, and interpreted. */
function bothTiers(words: number[], setup?: (h: Hart, bus: RamBus) => void): Hart[] {
  return [run(words, true, setup), run(words, false, setup)];
}

const reg = (h: Hart, i: number): bigint => (BigInt(h.x[2 * i + 1]!) << 32n) | BigInt(h.x[2 * i]! >>> 0);

/** RAM + offset (offset & 4095 < 2048) into rd, zero-extended. */
const la = (rd: number, offset: number): number[] =>
  [asm.lui(rd, (RAM + offset) >>> 12), asm.addi(rd, rd, offset & 4095), asm.slli(rd, rd, 32), asm.srli(rd, rd, 32)];

describe('registers in locals around hart calls', () => {
  it('an AMO reads registers the block wrote and its result is seen by the rest of the block', () => {
    const words = [
      ...la(X.a1, 0x700), asm.addi(X.a2, 0, 5),
      asm.amoaddW(X.a0, X.a2, X.a1), asm.addi(X.a3, X.a0, 1), asm.lw(X.a4, X.a1, 0), asm.wfi(),
    ];
    for (const h of bothTiers(words, (_h, bus) => bus.write(RAM + 0x700, new Uint8Array([10, 0, 0, 0])))) {
      expect(reg(h, X.a0)).toBe(10n);
      expect(reg(h, X.a3)).toBe(11n);
      expect(reg(h, X.a4)).toBe(15n);
      expect(h.icount).toBe(9);
    }
  });

  it('a CSR write reads the register the block wrote just before it', () => {
    const words = [asm.addi(X.t0, 0, 0x123), asm.csrrw(0, 0x140, X.t0), asm.csrrs(X.a0, 0x140, 0), asm.wfi()];
    for (const h of bothTiers(words)) {
      expect(reg(h, X.a0)).toBe(0x123n);
      expect(h.icount).toBe(4);
    }
  });

  it('a load through the slow path (a TLB miss) is seen by the rest of the block, and so are earlier writes', () => {
    const words = [
      asm.addi(X.a0, 0, 7), ...la(X.a1, 0x1008), asm.ld(X.a2, X.a1, 0), asm.add(X.a3, X.a2, X.a0), asm.wfi(),
    ];
    // In a page of its own: the code's page is in the TLB already.
    const value = new Uint8Array(new BigUint64Array([0x1122334455667788n]).buffer);
    for (const h of bothTiers(words, (_h, bus) => bus.write(RAM + 0x1008, value))) {
      expect(reg(h, X.a2)).toBe(0x1122334455667788n);
      expect(reg(h, X.a3)).toBe(0x112233445566778fn);
      expect(reg(h, X.a0)).toBe(7n);
    }
  });

  it('mul and shifts by a register agree with 64-bit arithmetic in both tiers', () => {
    const words = [
      asm.mul(X.a2, X.a0, X.a1), asm.sll(X.a3, X.a0, X.a1), asm.srl(X.a4, X.a0, X.a1), asm.sra(X.a5, X.a0, X.a1),
      asm.mul(X.a0, X.a0, X.a0), asm.wfi(),
    ];
    const M = (1n << 64n) - 1n;
    const signed = (v: bigint): bigint => BigInt.asIntN(64, v);
    let seed = 0x2545f4914f6cdd1dn;
    const next = (): bigint => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & M);
    const values = [0n, 1n, M, 1n << 63n, 0xffffffffn, 0x100000000n, ...Array.from({ length: 40 }, next)];
    for (const a of values) {
      for (const b of [values[(Number(a & 31n)) % values.length]!, a >> 3n, 31n, 32n, 33n, 63n, 64n]) {
        const setup = (h: Hart): void => {
          h.x[20] = Number(a & 0xffffffffn) | 0; h.x[21] = Number(a >> 32n) | 0;
          h.x[22] = Number(b & 0xffffffffn) | 0; h.x[23] = Number((b >> 32n) & 0xffffffffn) | 0;
        };
        const s = b & 63n;
        for (const h of bothTiers(words, setup)) {
          expect(reg(h, X.a2), `${a} * ${b}`).toBe(signed((a * b) & M));
          expect(reg(h, X.a3), `${a} << ${s}`).toBe(signed((a << s) & M));
          expect(reg(h, X.a4), `${a} >>> ${s}`).toBe(signed(a >> s));
          expect(reg(h, X.a5), `${a} >> ${s}`).toBe(signed(a) >> s);
          expect(reg(h, X.a0), `${a} squared`).toBe(signed((a * a) & M));
        }
      }
    }
  });

  it('mulhu to x0 leaves x0 zero for the instructions after it (an interpreted CSR write reads it)', () => {
    const mulhu = (rd: number, rs1: number, rs2: number): number => ((1 << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x33) >>> 0;
    const words = [asm.addi(X.a0, 0, -1), mulhu(0, X.a0, X.a0), asm.csrrw(0, 0x140, 0), asm.csrrs(X.a1, 0x140, 0), asm.wfi()];
    for (const h of bothTiers(words, (hart) => { hart.sscratchLo = 5; })) {
      expect(reg(h, X.a1)).toBe(0n);
      expect(reg(h, 0)).toBe(0n);
    }
  });
});
