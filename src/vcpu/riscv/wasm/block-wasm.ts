/**
 * The wasm tier's translator: a block as a WebAssembly function:
 *
 *   b(area, pl, ph, max, tb, base) → instructions retired
 *
 * where `area` is the byte offset of the hart's area in the guest memory (hart-area.ts: registers and TLBs), (ph:pl)
 * the virtual pc of the block's first instruction, `max` the budget, `tb` the TLB bank of the current mode and `base`
 * the instructions retired by the blocks the tier's driver ran before this one in the same call, not yet counted in
 * the hart's icount (the slow paths add them to what they synchronise). It leaves the exact state the interpreter
 * would leave after the same instructions: registers written back, pc in the area's pc slot (read by the caller when
 * it returns non-zero), and on a slow path that trapped or exited, 0 with pc and icount as that path left them.
 * Loads and stores check the hart's TLB inline and call the hart's slow path (imports `ld`, `st`) on a miss, a
 * misaligned access or MMIO, exactly where the interpreter's handlers do.
 *
 * Registers live in i64 locals (native 64-bit arithmetic: no word pairs), loaded on entry and written back on the
 * way out. A block that branches back to its own start loops inside the function while the budget allows. CSR writes
 * and system instructions are not translated (wasmSupports): a block is compiled up to the first of them.
 */
import { decode, type Insn } from '../decode.js';
import * as fpu from '../fpu.js';
import { Kind } from '../kinds.js';
import { TLB_MASK } from '../tlb.js';
import { AMO_OP, CSR_FUNCT3, FP_INT_DEST, FP_INT_SOURCE, isCsrRead } from '../codegen.js';
import { ROUNDED } from '../operands.js';
import {
  AREA_FFLAGS, AREA_FREGS, AREA_FRM, AREA_FS, AREA_PC, AREA_REGS, AREA_RTLB, AREA_WTLB, TLB_BASE, TLB_TAG_HI,
} from '../hart-area.js';
import { encodeModule, FunctionBody, Op, ValType, type FunctionType } from './encoder.js';

const I32 = ValType.I32, I64 = ValType.I64;
export const BLOCK_TYPE: FunctionType = { params: [I32, I32, I32, I32, I32, I32], results: [I32] };

/**
 * The imports a block calls, in index order: the hart's load and store slow paths, its FENCE, an FP operation of
 * fpu.ts (by its index in FP_OPS), the illegal-instruction trap of an FP instruction with FS off or an invalid
 * dynamic rounding mode, the hart's AMOs and LR/SC, its CSR reads, and alu.ts's mulh, mulhsu and mulhu.
 */
export const enum Import { Load = 0, Store = 1, Fence = 2, Fp = 3, FpIllegal = 4, Amo = 5, CsrRead = 6, MulHigh = 7 }
export const IMPORTS: readonly { name: string; type: FunctionType }[] = [
  // ld(aLo, aHi, kind, rd, len, pcLo, pcHi, retired) → 1 done, 0 trapped or exited
  { name: 'ld', type: { params: [I32, I32, I32, I32, I32, I32, I32, I32], results: [I32] } },
  // st(aLo, aHi, kind, vLo, vHi, len, pcLo, pcHi, retired) → 1 done, 0 trapped or exited
  { name: 'st', type: { params: [I32, I32, I32, I32, I32, I32, I32, I32, I32], results: [I32] } },
  // fence(): parallel mode's FENCE (a host barrier, and posted MMIO stores done)
  { name: 'fence', type: { params: [], results: [] } },
  // fp(index, rd, rs1, rs2, rs3, rm): FP_OPS[index] on the hart
  { name: 'fp', type: { params: [I32, I32, I32, I32, I32, I32], results: [] } },
  // fpIllegal(raw, pcLo, pcHi, retired)
  { name: 'fpIllegal', type: { params: [I32, I32, I32, I32], results: [] } },
  // amo(op, size, rd, rs1, rs2, pcLo, pcHi, retired) → 1 done, 0 trapped (registers in the area)
  { name: 'amo', type: { params: [I32, I32, I32, I32, I32, I32, I32, I32], results: [I32] } },
  // csrRead(raw, funct3, rd, csr, pcLo, pcHi, retired) → 1 done, 0 trapped
  { name: 'csrRead', type: { params: [I32, I32, I32, I32, I32, I32, I32], results: [I32] } },
  // mulHigh(which: MUL_HIGH index, rd, rs1, rs2) (registers in the area)
  { name: 'mulHigh', type: { params: [I32, I32, I32, I32], results: [] } },
];

/** The high-product operations, by the index the `mulHigh` import takes (alu.ts computes them). */
export const MUL_HIGH: readonly string[] = ['mulh', 'mulhsu', 'mulhu'];

/** The FP operations of fpu.ts (one per instruction), by the index the `fp` import takes. */
export const FP_OPS: readonly string[] = Object.keys(fpu).filter((k) => typeof (fpu as Record<string, unknown>)[k] === 'function').sort();
const FP_INDEX = new Map(FP_OPS.map((op, i) => [op, i]));
/** FP loads and stores: NaN-boxed singles (4 bytes) or doubles. */
const FP_MEMORY: Record<string, { size: number; store: boolean }> = {
  flw: { size: 4, store: false }, fld: { size: 8, store: false }, fsw: { size: 4, store: true }, fsd: { size: 8, store: true },
};
/**
 * The FP operations computed in wasm when the rounding mode is RNE and NX is already set (else fpu.ts computes
 * them): the result is then the native one, and only a result out of the range below can raise a flag. The same
 * fast paths as fpu.ts's own: the smallest magnitude is 0 for + and − (an exact result raises nothing), else the
 * smallest normal (2^-1021 for a double product: fpu.ts's bound), the largest the largest finite.
 */
const FP_FAST: Record<string, { double: boolean; op: Op; min: number }> = {
  fadd_d: { double: true, op: Op.F64Add, min: 0 }, fsub_d: { double: true, op: Op.F64Sub, min: 0 },
  fmul_d: { double: true, op: Op.F64Mul, min: 2 ** -1021 }, fdiv_d: { double: true, op: Op.F64Div, min: 2 ** -1021 },
  fadd_s: { double: false, op: Op.F32Add, min: 2 ** -126 }, fsub_s: { double: false, op: Op.F32Sub, min: 2 ** -126 },
  fmul_s: { double: false, op: Op.F32Mul, min: 2 ** -126 }, fdiv_s: { double: false, op: Op.F32Div, min: 2 ** -126 },
};
/**
 * Comparisons computed in wasm when neither operand is a NaN (and singles are NaN-boxed): they raise no flag then,
 * and the native comparison is the result. fpu.ts decides the rest (flags for NaNs).
 */
const FP_COMPARE: Record<string, { double: boolean; op: Op }> = {
  feq_d: { double: true, op: Op.F64Eq }, flt_d: { double: true, op: Op.F64Lt }, fle_d: { double: true, op: Op.F64Le },
  feq_s: { double: false, op: Op.F32Eq }, flt_s: { double: false, op: Op.F32Lt }, fle_s: { double: false, op: Op.F32Le },
};
const MAX_D = 1.7976931348623157e308;
const MAX_S = 3.4028234663852886e38;
/** fflags.NX */
const NX = 1;

// Parameters.
const AREA = 0, PL = 1, PH = 2, MAX = 3, TB = 4, BASE = 5;

const LOADS: Record<string, { kind: number; op: Op; align: number }> = {
  lb: { kind: 1, op: Op.I64Load8S, align: 0 },
  lbu: { kind: 1 | Kind.Unsigned, op: Op.I64Load8U, align: 0 },
  lh: { kind: 2, op: Op.I64Load16S, align: 1 },
  lhu: { kind: 2 | Kind.Unsigned, op: Op.I64Load16U, align: 1 },
  lw: { kind: 4, op: Op.I64Load32S, align: 2 },
  lwu: { kind: 4 | Kind.Unsigned, op: Op.I64Load32U, align: 2 },
  ld: { kind: 8, op: Op.I64Load, align: 3 },
};
const STORES: Record<string, { kind: number; op: Op; align: number }> = {
  sb: { kind: 1, op: Op.I64Store8, align: 0 },
  sh: { kind: 2, op: Op.I64Store16, align: 1 },
  sw: { kind: 4, op: Op.I64Store32, align: 2 },
  sd: { kind: 8, op: Op.I64Store, align: 3 },
};
/** Register-immediate and register-register operations that are one i64 operator. */
const ALU_IMM: Record<string, Op> = { addi: Op.I64Add, xori: Op.I64Xor, ori: Op.I64Or, andi: Op.I64And };
const ALU: Record<string, Op> = {
  add: Op.I64Add, sub: Op.I64Sub, xor: Op.I64Xor, or: Op.I64Or, and: Op.I64And, mul: Op.I64Mul,
  sll: Op.I64Shl, srl: Op.I64ShrU, sra: Op.I64ShrS, // wasm takes the shift amount mod 64, as RISC-V does
};
const SHIFT_IMM: Record<string, Op> = { slli: Op.I64Shl, srli: Op.I64ShrU, srai: Op.I64ShrS };
/** 32-bit operations: on the low words, the result sign-extended. */
const ALU_W: Record<string, Op> = {
  addw: Op.I32Add, subw: Op.I32Sub, mulw: Op.I32Mul, sllw: Op.I32Shl, srlw: Op.I32ShrU, sraw: Op.I32ShrS,
};
const SHIFT_IMM_W: Record<string, Op> = { slliw: Op.I32Shl, srliw: Op.I32ShrU, sraiw: Op.I32ShrS };
const BRANCH: Record<string, Op> = {
  beq: Op.I64Eq, bne: Op.I64Ne, blt: Op.I64LtS, bge: Op.I64GeS, bltu: Op.I64LtU, bgeu: Op.I64GeU,
};
const DIVIDE = new Set(['div', 'divu', 'rem', 'remu', 'divw', 'divuw', 'remw', 'remuw']);
const OTHER = new Set(['lui', 'auipc', 'slti', 'sltiu', 'slt', 'sltu', 'jal', 'jalr', 'fence']);

/** Whether the wasm tier translates `ins` (else a block is compiled up to it, and it is interpreted). */
export function wasmSupports(ins: Insn): boolean {
  const op = ins.op;
  return LOADS[op] !== undefined || STORES[op] !== undefined || ALU_IMM[op] !== undefined || ALU[op] !== undefined ||
    SHIFT_IMM[op] !== undefined || ALU_W[op] !== undefined || SHIFT_IMM_W[op] !== undefined || op === 'addiw' ||
    BRANCH[op] !== undefined || DIVIDE.has(op) || OTHER.has(op) || FP_MEMORY[op] !== undefined || FP_INDEX.has(op) ||
    amoOf(op) !== undefined || isCsrRead(ins) || MUL_HIGH.includes(op);
}

/** The kinds.ts Amo of an AMO or LR/SC (`amoadd.w`, `lr.d`...), else undefined. */
function amoOf(op: string): number | undefined {
  const dot = op.indexOf('.');
  return dot > 0 ? AMO_OP[op.slice(0, dot)] : undefined;
}

/** Which registers an instruction reads (rs1, rs2) and writes (rd). */
function reads(ins: Insn): number[] {
  const op = ins.op;
  if (FP_MEMORY[op] !== undefined) return [ins.rs1];
  if (FP_INDEX.has(op)) return FP_INT_SOURCE.test(op) ? [ins.rs1] : [];
  if (op === 'lui' || op === 'auipc' || op === 'jal' || op === 'fence' || op.startsWith('csr')) return [];
  if (LOADS[op] !== undefined || ALU_IMM[op] !== undefined || SHIFT_IMM[op] !== undefined || SHIFT_IMM_W[op] !== undefined ||
    op === 'addiw' || op === 'slti' || op === 'sltiu' || op === 'jalr') return [ins.rs1];
  return [ins.rs1, ins.rs2];
}
function writes(ins: Insn): boolean {
  const op = ins.op;
  if (ins.rd === 0 || FP_MEMORY[op] !== undefined) return false;
  if (FP_INDEX.has(op)) return FP_INT_DEST.test(op);
  return STORES[op] === undefined && BRANCH[op] === undefined && op !== 'fence';
}

/** A block's instructions (each one the tier translates: wasmSupports) at byte offsets from its start. */
export interface BlockCode {
  readonly insns: readonly Insn[];
  readonly offsets: readonly number[];
}

/**
 * The code of blocks given as the raw words of their instructions one after another (`words`), `counts[k]` of them
 * for block k.
 */
export function blockCodes(words: Int32Array, counts: Int32Array): BlockCode[] {
  const blocks: BlockCode[] = [];
  let at = 0;
  for (const count of counts) {
    const insns: Insn[] = [];
    const offsets: number[] = [];
    let offset = 0;
    for (let k = 0; k < count; k++) {
      const ins = decode(words[at++]!);
      insns.push(ins);
      offsets.push(offset);
      offset += ins.len;
    }
    blocks.push({ insns, offsets });
  }
  return blocks;
}

/**
 * The bytes of one module holding `blocks` as functions `b0`, `b1`... over a memory of `pages` pages (`shared`: a
 * shared one); `threads`: other threads use it too. A module costs about half a millisecond of its own, a function in
 * it ~15 µs: so blocks are compiled in batches.
 */
export function batchModule(blocks: readonly BlockCode[], pages: number, shared: boolean, threads: boolean): Uint8Array {
  const functions = blocks.map((b, k) => ({ name: `b${k}`, type: BLOCK_TYPE, body: wasmBlockBody(b.insns, b.offsets, threads) }));
  return encodeModule({ memory: { pages, shared }, functions: IMPORTS }, functions);
}

/**
 * The body of a block's function: `insns` (each one the tier translates: wasmSupports) at byte `offsets` from the
 * block start. `threads`: other threads use the guest memory too (parallel mode).
 */
export function wasmBlockBody(insns: readonly Insn[], offsets: readonly number[], threads: boolean): FunctionBody {
  return new BlockBuilder(insns, offsets, threads).build();
}

class BlockBuilder {
  private readonly f = new FunctionBody(6);
  /** The local of each register the block uses (0 where it does not). */
  private readonly reg = new Array<number>(32).fill(0);
  private readonly used: number[] = [];
  private readonly written: number[] = [];
  private readonly pc0: number;
  private readonly n: number;
  private readonly z: number;
  private readonly a: number;
  private readonly e: number;
  /** area + 4 * tb: where the entries of the TLB bank in use start, from a TLB array's offset (set on entry). */
  private readonly bank: number;
  private readonly t: number;
  /** What the function returns (instructions retired), set by each exit. */
  private readonly ret: number;
  private readonly loops: boolean;
  /** It has loads or stores, which check the TLB inline. */
  private readonly accessesMemory: boolean;
  /** Open blocks, loops and ifs: 1 is the block every exit leaves (for `br`). */
  private depth = 0;
  private loopDepth = -1;
  /** What the block knows of the FP state so far, as codegen.ts's FpKnown: FS on, FS dirty, frm valid. */
  private fpEnabled = false;
  private fpDirty = false;
  private frmValid = false;
  private readonly fr: number;

  constructor(private readonly insns: readonly Insn[], private readonly offsets: readonly number[], private readonly threads: boolean) {
    const f = this.f;
    for (const ins of insns) {
      for (const i of reads(ins)) this.use(i);
      if (writes(ins)) {
        this.use(ins.rd);
        if (!this.written.includes(ins.rd)) this.written.push(ins.rd);
      }
    }
    this.pc0 = f.local(I64);
    this.n = f.local(I32);
    this.z = f.local(I32);
    this.a = f.local(I64);
    this.e = f.local(I32);
    this.bank = f.local(I32);
    this.t = f.local(I64);
    this.ret = f.local(I32);
    this.fr = f.local(ValType.F64);
    this.loops = insns.some((ins, k) => (BRANCH[ins.op] !== undefined || ins.op === 'jal') && offsets[k]! + ins.imm === 0);
    this.accessesMemory = insns.some((ins) => LOADS[ins.op] !== undefined || STORES[ins.op] !== undefined || FP_MEMORY[ins.op] !== undefined);
  }

  private use(i: number): void {
    if (i === 0 || this.reg[i] !== 0) return;
    this.reg[i] = this.f.local(I64);
    this.used.push(i);
  }

  build(): FunctionBody {
    const f = this.f;
    // pc0 = ph:pl
    f.get(PH).op(Op.I64ExtendI32U).i64(32).op(Op.I64Shl).get(PL).op(Op.I64ExtendI32U).op(Op.I64Or).set(this.pc0);
    if (this.accessesMemory) f.get(TB).i32(2).op(Op.I32Shl).get(AREA).op(Op.I32Add).set(this.bank);
    for (const i of this.used) f.get(AREA).mem(Op.I64Load, 3, AREA_REGS + 8 * i).set(this.reg[i]!);
    // Every exit sets the pc (in t) and `ret`, and branches out of this block to the one epilogue.
    f.begin(Op.Block);
    this.depth = 1;
    if (this.loops) {
      f.begin(Op.Loop);
      this.loopDepth = ++this.depth;
    }
    const count = this.insns.length;
    for (let k = 0; k < count; k++) this.instruction(k);
    const last = this.insns[count - 1]!;
    if (last.op !== 'jal' && last.op !== 'jalr') this.exitTo(this.offsets[count - 1]! + last.len, count);
    if (this.loops) { f.op(Op.End); this.depth--; }
    f.op(Op.End);
    // The epilogue: registers back, pc out (not read when a slow path failed: it set pc itself), the count.
    this.writeBack();
    f.get(AREA).get(this.t).mem(Op.I64Store, 3, AREA_PC);
    f.get(this.ret);
    return f;
  }

  // ---- values

  /** Push register i (x0 reads as 0). */
  private get(i: number): void {
    if (i === 0) this.f.i64(0);
    else this.f.get(this.reg[i]!);
  }

  /** Pop the value on the stack into register i (dropped for x0). */
  private put(i: number): void {
    if (i === 0) this.f.op(Op.Drop);
    else this.f.set(this.reg[i]!);
  }

  /** Push "j instructions retired" (plus the completed iterations of a self-loop). */
  private retired(j: number): void {
    this.f.i32(j);
    if (this.loops) this.f.get(this.n).op(Op.I32Add);
  }

  /** Push the instructions retired before instruction k, counting the driver's earlier blocks: for a slow path. */
  private retiredBefore(k: number): void {
    this.retired(k);
    this.f.get(BASE).op(Op.I32Add);
  }

  /** Push the low word of the pc at byte offset o of the block. */
  private pcLo(o: number): void {
    this.f.get(PL);
    if (o !== 0) this.f.i32(o).op(Op.I32Add);
  }

  // ---- leaving

  private writeBack(): void {
    for (const i of this.written) this.f.get(AREA).get(this.reg[i]!).mem(Op.I64Store, 3, AREA_REGS + 8 * i);
  }

  /** Leave with pc = block pc + `to`, `j` instructions retired in this pass. */
  private exitTo(to: number, j: number): void {
    this.f.get(this.pc0).i64(to).op(Op.I64Add).set(this.t);
    this.exitWithPcInT(j);
  }

  /** Leave with pc already in `t`. */
  private exitWithPcInT(j: number): void {
    this.retired(j);
    this.f.set(this.ret).br(Op.Br, this.depth - 1);
  }

  /**
   * A slow path trapped or exited: it set pc and counted what retired; the function returns 0. (`ret` is 0 until an
   * exit sets it, and every exit leaves at once.)
   */
  private fail(): void {
    this.f.br(Op.Br, this.depth - 1);
  }

  /** Control goes to block offset `to` after instruction k: round the self-loop again, or leave. */
  private goTo(to: number, k: number): void {
    const f = this.f;
    if (this.loops && to === 0) {
      // n += k + 1; leave if another pass may not fit the budget or a store went the slow way (it may have written code).
      f.get(this.n).i32(k + 1).op(Op.I32Add).tee(this.n);
      f.i32(this.insns.length).op(Op.I32Add).get(MAX).op(Op.I32GtS).get(this.z).op(Op.I32Or);
      f.begin(Op.If); this.depth++;
      this.exitTo(0, 0);
      f.op(Op.End); this.depth--;
      f.br(Op.Br, this.depth - this.loopDepth);
      return;
    }
    this.exitTo(to, k + 1);
  }

  // ---- instructions

  private instruction(k: number): void {
    const f = this.f;
    const ins = this.insns[k]!;
    const o = this.offsets[k]!;
    const op = ins.op;
    const { rd, rs1, rs2, imm } = ins;
    const load = LOADS[op], store = STORES[op];
    const fpMemory = FP_MEMORY[op];
    if (fpMemory !== undefined) { this.fpMemory(ins, o, k, fpMemory.size, fpMemory.store); return; }
    if (FP_INDEX.has(op)) { this.fpOperation(ins, o, k); return; }
    if (amoOf(op) !== undefined || isCsrRead(ins) || MUL_HIGH.includes(op)) { this.hartCall(ins, o, k); return; }
    if (load !== undefined) { this.load(ins, o, k, load); return; }
    if (store !== undefined) { this.store(ins, o, k, store); return; }
    let alu: Op | undefined;
    if ((alu = ALU_IMM[op]) !== undefined) { if (rd !== 0) { this.get(rs1); f.i64(imm).op(alu); this.put(rd); } return; }
    if ((alu = ALU[op]) !== undefined) { if (rd !== 0) { this.get(rs1); this.get(rs2); f.op(alu); this.put(rd); } return; }
    if ((alu = SHIFT_IMM[op]) !== undefined) { if (rd !== 0) { this.get(rs1); f.i64(imm & 63).op(alu); this.put(rd); } return; }
    if ((alu = ALU_W[op]) !== undefined) {
      if (rd !== 0) { this.get(rs1); f.op(Op.I32WrapI64); this.get(rs2); f.op(Op.I32WrapI64).op(alu).op(Op.I64ExtendI32S); this.put(rd); }
      return;
    }
    if ((alu = SHIFT_IMM_W[op]) !== undefined) {
      if (rd !== 0) { this.get(rs1); f.op(Op.I32WrapI64).i32(imm & 31).op(alu).op(Op.I64ExtendI32S); this.put(rd); }
      return;
    }
    if ((alu = BRANCH[op]) !== undefined) {
      this.get(rs1); this.get(rs2); f.op(alu);
      f.begin(Op.If); this.depth++;
      this.goTo(o + imm, k);
      f.op(Op.End); this.depth--;
      return;
    }
    if (DIVIDE.has(op)) { if (rd !== 0) this.divide(ins); return; }
    switch (op) {
      case 'addiw':
        if (rd !== 0) { this.get(rs1); f.op(Op.I32WrapI64).i32(imm).op(Op.I32Add).op(Op.I64ExtendI32S); this.put(rd); }
        return;
      case 'lui': if (rd !== 0) { f.i64(imm); this.put(rd); } return;
      case 'auipc': if (rd !== 0) { f.get(this.pc0).i64(o).op(Op.I64Add).i64(imm).op(Op.I64Add); this.put(rd); } return;
      case 'slti': case 'sltiu':
        if (rd !== 0) { this.get(rs1); f.i64(imm).op(op === 'slti' ? Op.I64LtS : Op.I64LtU).op(Op.I64ExtendI32U); this.put(rd); }
        return;
      case 'slt': case 'sltu':
        if (rd !== 0) { this.get(rs1); this.get(rs2); f.op(op === 'slt' ? Op.I64LtS : Op.I64LtU).op(Op.I64ExtendI32U); this.put(rd); }
        return;
      case 'fence':
        // One thread: program order is memory order. Other threads: the hart's FENCE (a host barrier; posted MMIO).
        if (this.threads) f.call(Import.Fence);
        return;
      case 'jal':
        if (rd !== 0) { f.get(this.pc0).i64(o + ins.len).op(Op.I64Add); this.put(rd); }
        this.goTo(o + imm, k);
        return;
      case 'jalr':
        // The target first: rd may be rs1.
        this.get(rs1); f.i64(imm).op(Op.I64Add).i64(-2).op(Op.I64And).set(this.t);
        if (rd !== 0) { f.get(this.pc0).i64(o + ins.len).op(Op.I64Add); this.put(rd); }
        this.exitWithPcInT(k + 1);
        return;
    }
    throw new Error(`wasm tier: no translation for ${op}`);
  }

  /** div, divu, rem, remu and their W forms, with RISC-V's results for a zero divisor and signed overflow. */
  private divide(ins: Insn): void {
    const f = this.f;
    const op = ins.op;
    const word = op.endsWith('w');
    const signed = op === 'div' || op === 'rem' || op === 'divw' || op === 'remw';
    const rem = op.startsWith('rem');
    const t = this.t;
    // Operands into a (dividend) and t (divisor), as i64 (W forms: the low words, extended as the operation reads them).
    const operand = (r: number): void => {
      this.get(r);
      if (word) f.op(Op.I32WrapI64).op(signed ? Op.I64ExtendI32S : Op.I64ExtendI32U);
    };
    operand(ins.rs1); f.set(this.a);
    operand(ins.rs2); f.set(t);
    f.get(t).op(Op.I64Eqz);
    f.begin(Op.If); this.depth++;
    // Divide by zero: the quotient is all ones, the remainder the dividend.
    if (rem) f.get(this.a); else f.i64(-1);
    f.set(t);
    f.op(Op.Else);
    if (signed) {
      // The one overflow, MIN / -1 (of the operation's width): quotient MIN, remainder 0.
      f.get(t).i64(-1).op(Op.I64Eq);
      if (word) f.get(this.a).i64(-0x80000000).op(Op.I64Eq);
      else f.get(this.a).i64(0, -0x80000000).op(Op.I64Eq);
      f.op(Op.I32And);
      f.begin(Op.If); this.depth++;
      if (rem) f.i64(0); else f.get(this.a);
      f.set(t);
      f.op(Op.Else);
      f.get(this.a).get(t).op(rem ? Op.I64RemS : Op.I64DivS).set(t);
      f.op(Op.End); this.depth--;
    } else {
      if (word) {
        // Unsigned 32-bit: the operands are zero-extended, so the 64-bit operation gives the 32-bit result.
        f.get(this.a).get(t).op(rem ? Op.I64RemU : Op.I64DivU).set(t);
      } else {
        f.get(this.a).get(t).op(rem ? Op.I64RemU : Op.I64DivU).set(t);
      }
    }
    f.op(Op.End); this.depth--;
    f.get(t);
    if (word) f.op(Op.I32WrapI64).op(Op.I64ExtendI32S);
    this.put(ins.rd);
  }

  /** Effective address rs1 + imm into `a`; the TLB entry's byte offset in the area (+ bank) into `e`. */
  private address(ins: Insn): void {
    const f = this.f;
    this.get(ins.rs1);
    if (ins.imm !== 0) f.i64(ins.imm).op(Op.I64Add);
    f.set(this.a);
    // e = area + 4 * (((aLo >>> 12) & TLB_MASK) + tb) = ((aLo >>> 10) & (TLB_MASK << 2)) + bank
    f.get(this.a).op(Op.I32WrapI64).i32(10).op(Op.I32ShrU).i32(TLB_MASK << 2).op(Op.I32And).get(this.bank).op(Op.I32Add).set(this.e);
  }

  /** Push "the TLB at `tlb` maps `a` for an access of `size` bytes, naturally aligned". */
  private tlbHit(tlb: number, size: number): void {
    const f = this.f;
    f.get(this.e).mem(Op.I32Load, 2, tlb).get(this.a).op(Op.I32WrapI64).i32(-4096 | (size - 1)).op(Op.I32And).op(Op.I32Eq);
    f.get(this.e).mem(Op.I32Load, 2, tlb + TLB_TAG_HI).get(this.a).i64(32).op(Op.I64ShrU).op(Op.I32WrapI64).op(Op.I32Eq);
    f.op(Op.I32And);
  }

  /**
   * Call the hart's load or store slow path for address `a` of instruction k (at byte o), its other arguments pushed
   * by `args`, with pc and the retired count for it to synchronise; leave the block if it trapped or exited.
   */
  private slowPath(imp: Import.Load | Import.Store, o: number, k: number, args: () => void): void {
    this.f.get(this.a).op(Op.I32WrapI64).get(this.a).i64(32).op(Op.I64ShrU).op(Op.I32WrapI64);
    args();
    this.callOrLeave(imp, o, k);
  }

  /**
   * Call a hart import whose arguments are pushed, adding pc and the retired count of instruction k (at byte o) for
   * it to synchronise; leave the block if it returns 0 (it trapped or exited).
   */
  private callOrLeave(imp: Import, o: number, k: number): void {
    const f = this.f;
    this.pcLo(o); f.get(PH); this.retiredBefore(k);
    // Leave (returning 0, see `fail`) if it returned 0.
    f.call(imp).op(Op.I32Eqz).br(Op.BrIf, this.depth - 1);
  }

  /** Push the backing offset of `a` (after a hit in the TLB at `tlb`). */
  private backing(tlb: number): void {
    this.f.get(this.e).mem(Op.I32Load, 2, tlb + TLB_BASE).get(this.a).op(Op.I32WrapI64).op(Op.I32Add);
  }

  private load(ins: Insn, o: number, k: number, l: { kind: number; op: Op; align: number }): void {
    const f = this.f;
    const size = l.kind & Kind.SizeMask;
    this.address(ins);
    this.tlbHit(AREA_RTLB, size);
    f.begin(Op.If); this.depth++;
    if (ins.rd !== 0) { this.backing(AREA_RTLB); f.mem(l.op, l.align, 0); this.put(ins.rd); }
    f.op(Op.Else);
    // The hart's slow path: it writes rd itself when it succeeds.
    this.slowPath(Import.Load, o, k, () => { f.i32(l.kind).i32(ins.rd).i32(ins.len); });
    if (ins.rd !== 0) f.get(AREA).mem(Op.I64Load, 3, AREA_REGS + 8 * ins.rd).set(this.reg[ins.rd]!);
    f.op(Op.End); this.depth--;
  }

  /**
   * An AMO or LR/SC (the hart's, with its reservation and, in parallel mode, host atomics), a CSR read or a high
   * product, called in the hart with the registers it reads written back first and the one it writes read again.
   */
  private hartCall(ins: Insn, o: number, k: number): void {
    const f = this.f;
    const op = ins.op;
    for (const i of reads(ins)) if (i !== 0) f.get(AREA).get(this.reg[i]!).mem(Op.I64Store, 3, AREA_REGS + 8 * i);
    const amo = amoOf(op);
    if (amo === undefined && !isCsrRead(ins)) {
      // alu.ts writes rd even when it is x0, whose area words every other tier reads as 0.
      if (ins.rd !== 0) f.i32(MUL_HIGH.indexOf(op)).i32(ins.rd).i32(ins.rs1).i32(ins.rs2).call(Import.MulHigh);
    } else {
      if (amo !== undefined) f.i32(amo).i32(op.endsWith('.d') ? 8 : 4).i32(ins.rd).i32(ins.rs1).i32(ins.rs2);
      else f.i32(ins.raw).i32(CSR_FUNCT3[op]!).i32(ins.rd).i32(ins.csr);
      this.callOrLeave(amo !== undefined ? Import.Amo : Import.CsrRead, o, k);
    }
    if (ins.rd !== 0) f.get(AREA).mem(Op.I64Load, 3, AREA_REGS + 8 * ins.rd).set(this.reg[ins.rd]!);
  }

  // ---- floating point (registers stay in the area; fpu.ts computes what the fast paths leave)

  /**
   * The FS test of the block's first FP instruction, and the frm test of its first with a dynamic rounding mode: an
   * illegal-instruction trap if either fails (codegen.ts's guard, at the same instructions).
   */
  private fpGuard(ins: Insn, o: number, k: number, dynamic: boolean): void {
    const f = this.f;
    const fs = !this.fpEnabled, frm = dynamic && !this.frmValid;
    this.fpEnabled = true;
    if (dynamic) this.frmValid = true;
    if (!fs && !frm) return;
    if (fs) f.get(AREA).mem(Op.I32Load, 2, AREA_FS).op(Op.I32Eqz);
    if (frm) f.get(AREA).mem(Op.I32Load, 2, AREA_FRM).i32(4).op(Op.I32GtS);
    if (fs && frm) f.op(Op.I32Or);
    f.begin(Op.If); this.depth++;
    f.i32(ins.raw); this.pcLo(o); f.get(PH); this.retiredBefore(k);
    f.call(Import.FpIllegal);
    this.fail();
    f.op(Op.End); this.depth--;
  }

  /** FS becomes dirty at the block's first FP instruction that writes FP state (after it, as codegen.ts does). */
  private fpDirtied(): void {
    if (this.fpDirty) return;
    this.fpDirty = true;
    this.f.get(AREA).i32(3).mem(Op.I32Store, 2, AREA_FS);
  }

  /** flw, fld, fsw, fsd: the integer loads' and stores' TLB check and slow paths, FP register words in the area. */
  private fpMemory(ins: Insn, o: number, k: number, size: number, store: boolean): void {
    const f = this.f;
    this.fpGuard(ins, o, k, false);
    const kind = size | Kind.Float;
    const reg = AREA_FREGS + 8 * (store ? ins.rs2 : ins.rd);
    const wasClean = !this.fpDirty;
    this.address(ins);
    this.tlbHit(store ? AREA_WTLB : AREA_RTLB, size);
    f.begin(Op.If); this.depth++;
    if (store) {
      this.backing(AREA_WTLB);
      if (size === 8) f.get(AREA).mem(Op.I64Load, 3, reg).mem(Op.I64Store, 3, 0);
      else f.get(AREA).mem(Op.I32Load, 2, reg).mem(Op.I32Store, 2, 0);
    } else {
      f.get(AREA); this.backing(AREA_RTLB);
      if (size === 8) f.mem(Op.I64Load, 3, 0).mem(Op.I64Store, 3, reg);
      else f.mem(Op.I32Load, 2, 0).mem(Op.I32Store, 2, reg).get(AREA).i32(-1).mem(Op.I32Store, 2, reg + 4); // NaN-boxed
      // (the slow path sets FS dirty itself)
      if (wasClean) f.get(AREA).i32(3).mem(Op.I32Store, 2, AREA_FS);
    }
    f.op(Op.Else);
    this.slowPath(store ? Import.Store : Import.Load, o, k, () => {
      f.i32(kind);
      if (store) f.get(AREA).mem(Op.I32Load, 2, reg).get(AREA).mem(Op.I32Load, 2, reg + 4);
      else f.i32(ins.rd);
      f.i32(ins.len);
    });
    if (store) f.i32(1).set(this.z);
    f.op(Op.End); this.depth--;
    if (!store) this.fpDirty = true;
  }

  /** An FP operation: fpu.ts's function for it, after a native fast path where FP_FAST has one. */
  private fpOperation(ins: Insn, o: number, k: number): void {
    const f = this.f;
    const op = ins.op;
    const rounded = ROUNDED.test(op);
    const dynamic = rounded && ins.rm === 7;
    this.fpGuard(ins, o, k, dynamic);
    const call = (): void => {
      if (FP_INT_SOURCE.test(op) && ins.rs1 !== 0) f.get(AREA).get(this.reg[ins.rs1]!).mem(Op.I64Store, 3, AREA_REGS + 8 * ins.rs1);
      f.i32(FP_INDEX.get(op)!).i32(ins.rd).i32(ins.rs1).i32(ins.rs2).i32(ins.rs3);
      if (dynamic) f.get(AREA).mem(Op.I32Load, 2, AREA_FRM);
      else f.i32(rounded ? ins.rm : 0);
      f.call(Import.Fp);
      if (FP_INT_DEST.test(op) && ins.rd !== 0) f.get(AREA).mem(Op.I64Load, 3, AREA_REGS + 8 * ins.rd).set(this.reg[ins.rd]!);
    };
    const fast = FP_FAST[op], compare = FP_COMPARE[op];
    if (compare !== undefined) {
      this.fpCompare(ins, compare.double, compare.op, call);
    } else if (op === 'fsqrt_d' && (dynamic || ins.rm === 0)) {
      this.fpSqrt(ins, dynamic, call);
    } else if (fast === undefined || (!dynamic && ins.rm !== 0)) {
      call();
    } else {
      const s1 = AREA_FREGS + 8 * ins.rs1, s2 = AREA_FREGS + 8 * ins.rs2, d = AREA_FREGS + 8 * ins.rd;
      // RNE, and NX set already.
      f.get(AREA).mem(Op.I32Load, 2, AREA_FFLAGS).i32(NX).op(Op.I32And);
      if (dynamic) f.get(AREA).mem(Op.I32Load, 2, AREA_FRM).op(Op.I32Eqz).op(Op.I32And);
      // Singles: both NaN-boxed (else fpu.ts reads the canonical NaN).
      if (!fast.double) {
        f.get(AREA).mem(Op.I32Load, 2, s1 + 4).i32(-1).op(Op.I32Eq).op(Op.I32And);
        f.get(AREA).mem(Op.I32Load, 2, s2 + 4).i32(-1).op(Op.I32Eq).op(Op.I32And);
      }
      f.begin(Op.If); this.depth++;
      if (fast.double) {
        f.get(AREA).mem(Op.F64Load, 3, s1).get(AREA).mem(Op.F64Load, 3, s2).op(fast.op).set(this.fr);
        f.get(this.fr).op(Op.F64Abs).f64(MAX_D).op(Op.F64Le);
        if (fast.min > 0) f.get(this.fr).op(Op.F64Abs).f64(fast.min).op(Op.F64Ge).op(Op.I32And);
        f.begin(Op.If); this.depth++;
        f.get(AREA).get(this.fr).mem(Op.F64Store, 3, d);
      } else {
        // The single result, widened to the f64 local (exact), tested as fpu.ts tests it: min < |y| <= MAX_S.
        f.get(AREA).mem(Op.F32Load, 2, s1).get(AREA).mem(Op.F32Load, 2, s2).op(fast.op).op(Op.F64PromoteF32).set(this.fr);
        f.get(this.fr).op(Op.F64Abs).f64(MAX_S).op(Op.F64Le);
        f.get(this.fr).op(Op.F64Abs).f64(fast.min).op(Op.F64Gt).op(Op.I32And);
        f.begin(Op.If); this.depth++;
        f.get(AREA).get(this.fr).op(Op.F32DemoteF64).mem(Op.F32Store, 2, d).get(AREA).i32(-1).mem(Op.I32Store, 2, d + 4);
      }
      f.op(Op.Else);
      call();
      f.op(Op.End); this.depth--;
      f.op(Op.Else);
      call();
      f.op(Op.End); this.depth--;
    }
    this.fpDirtied();
  }

  /** feq, flt, fle: native when no operand is a NaN (nor an unboxed single, which reads as one), else `call`. */
  private fpCompare(ins: Insn, double: boolean, compare: Op, call: () => void): void {
    const f = this.f;
    const s1 = AREA_FREGS + 8 * ins.rs1, s2 = AREA_FREGS + 8 * ins.rs2;
    const load = double ? Op.F64Load : Op.F32Load, eq = double ? Op.F64Eq : Op.F32Eq, align = double ? 3 : 2;
    f.get(AREA).mem(load, align, s1).get(AREA).mem(load, align, s1).op(eq);
    f.get(AREA).mem(load, align, s2).get(AREA).mem(load, align, s2).op(eq).op(Op.I32And);
    if (!double) {
      f.get(AREA).mem(Op.I32Load, 2, s1 + 4).i32(-1).op(Op.I32Eq).op(Op.I32And);
      f.get(AREA).mem(Op.I32Load, 2, s2 + 4).i32(-1).op(Op.I32Eq).op(Op.I32And);
    }
    f.begin(Op.If); this.depth++;
    if (ins.rd !== 0) {
      f.get(AREA).mem(load, align, s1).get(AREA).mem(load, align, s2).op(compare).op(Op.I64ExtendI32U);
      this.put(ins.rd);
    }
    f.op(Op.Else);
    call();
    f.op(Op.End); this.depth--;
  }

  /** fsqrt.d: native for a positive finite operand when the rounding mode is RNE and NX is set (fpu.ts's fast path). */
  private fpSqrt(ins: Insn, dynamic: boolean, call: () => void): void {
    const f = this.f;
    const s1 = AREA_FREGS + 8 * ins.rs1, d = AREA_FREGS + 8 * ins.rd;
    f.get(AREA).mem(Op.I32Load, 2, AREA_FFLAGS).i32(NX).op(Op.I32And);
    if (dynamic) f.get(AREA).mem(Op.I32Load, 2, AREA_FRM).op(Op.I32Eqz).op(Op.I32And);
    f.get(AREA).mem(Op.F64Load, 3, s1).set(this.fr);
    f.get(this.fr).f64(0).op(Op.F64Gt).op(Op.I32And);
    f.get(this.fr).f64(MAX_D).op(Op.F64Le).op(Op.I32And);
    f.begin(Op.If); this.depth++;
    f.get(AREA).get(this.fr).op(Op.F64Sqrt).mem(Op.F64Store, 3, d);
    f.op(Op.Else);
    call();
    f.op(Op.End); this.depth--;
  }

  private store(ins: Insn, o: number, k: number, s: { kind: number; op: Op; align: number }): void {
    const f = this.f;
    const size = s.kind & Kind.SizeMask;
    this.address(ins);
    this.tlbHit(AREA_WTLB, size);
    f.begin(Op.If); this.depth++;
    this.backing(AREA_WTLB); this.get(ins.rs2); f.mem(s.op, s.align, 0);
    f.op(Op.Else);
    this.slowPath(Import.Store, o, k, () => {
      f.i32(s.kind);
      this.get(ins.rs2); f.op(Op.I32WrapI64);
      this.get(ins.rs2); f.i64(32).op(Op.I64ShrU).op(Op.I32WrapI64);
      f.i32(ins.len);
    });
    // It may have written code: a self-loop stops before its next pass.
    f.i32(1).set(this.z);
    f.op(Op.End); this.depth--;
  }
}
