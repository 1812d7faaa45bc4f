/**
 * Every instruction the decoder can produce has an interpreter handler, and each one the wasm tier takes compiles:
 * no guest bit pattern can make either throw. Compressed space is covered exhaustively, 32-bit space over every
 * opcode/funct3/funct7/rs2 combination.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/vcpu/riscv/decode.js';
import { WasmTier } from '../../../src/vcpu/riscv/wasm/wasm-tier.js';
import { wasmSupports } from '../../../src/vcpu/riscv/wasm/block-wasm.js';
import { decodedFields, decodeWord, Flow, flowOf } from '../../../src/vcpu/riscv/interpret.js';
import { Field } from '../../../src/vcpu/riscv/operands.js';

describe('decoder and translator cover the same instruction set', () => {
  const samples = new Map<string, number>();
  for (let w = 0; w < 0x10000; w++) {
    if ((w & 3) === 3) continue;
    const op = decode(w).op;
    if (!samples.has(op)) samples.set(op, w);
  }
  for (let opcode = 3; opcode < 128; opcode += 4) {
    for (let f3 = 0; f3 < 8; f3++) {
      for (let f7 = 0; f7 < 128; f7++) {
        for (const rs2 of [0, 1, 2, 3, 5, 31]) {
          for (const rd of [0, 1]) {
            const w = ((f7 << 25) | (rs2 << 20) | (7 << 15) | (f3 << 12) | (rd << 7) | opcode) | 0;
            const op = decode(w).op;
            if (!samples.has(op)) samples.set(op, w);
          }
        }
      }
    }
  }
  // The system instructions have fixed encodings the sweep above does not hit.
  for (const w of [0x00000073, 0x00100073, 0x10200073, 0x10500073, 0x12000073]) samples.set(decode(w).op, w);

  it('decodes the whole RV64GC set', () => {
    const ops = [...samples.keys()];
    // RV64I 52 + M 13 + A 22 + F 30 + D 32 + Zicsr 6 + sret/wfi/sfence.vma 3 + 'illegal' = 160 (C expands into these).
    expect(ops.length).toBe(160);
    for (const op of ['ecall', 'sfence.vma', 'fmadd_d', 'fcvt_lu_s', 'amomaxu.d', 'sc.w', 'csrrci', 'remuw', 'fence.i']) {
      expect(ops).toContain(op);
    }
  });

  it('interprets one instance of every decoded operation, and compiles each the wasm tier takes', () => {
    const tier = new WasmTier(new WebAssembly.Memory({ initial: 1, maximum: 1 }));
    let compiled = 0;
    for (const [op, raw] of samples) {
      expect(() => decodeWord(raw), op).not.toThrow();
      const ins = decode(raw);
      if (!wasmSupports(ins)) continue;
      expect(() => tier.compile([{ insns: [ins], offsets: [0] }]), op).not.toThrow();
      compiled++;
    }
    // All but the CSR writes, ecall, ebreak, sret, wfi, sfence.vma, fence.i and 'illegal'.
    expect(compiled).toBe(160 - 13);
  });

  it('the wasm tier takes every instruction but those that end a block as a system instruction (translate.ts relies on it)', () => {
    for (const [op, raw] of samples) {
      if (op === 'illegal') continue;
      const flow = flowOf(decodedFields()[decodeWord(raw) + Field.Packed]!);
      expect(wasmSupports(decode(raw)), op).toBe(flow !== Flow.End);
    }
  });
});
