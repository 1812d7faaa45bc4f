/**
 * RV64GC instruction decoder: one 16- or 32-bit instruction word → a decoded instruction.
 *
 * Decoding happens once per distinct instruction word (interpret.ts caches the result by word), so it favours
 * clarity: compressed instructions expand to the same operations as their 32-bit forms. It writes the fields into
 * an object the caller gives (`decodeInto`) and allocates nothing else: Linux's boot decodes 59,000 distinct words,
 * and temporary objects per word were a measurable part of its first run.
 */

/** A decoded instruction. Register numbers are 0..31; `imm` is the sign-extended immediate as an int32. */
export interface Insn {
  /** Mnemonic of the operation (the 32-bit form for compressed instructions), or 'illegal'. */
  readonly op: string;
  readonly rd: number;
  readonly rs1: number;
  readonly rs2: number;
  readonly rs3: number;
  readonly imm: number;
  /** Rounding mode field (FP), or funct3 where it matters. */
  readonly rm: number;
  /** CSR number for Zicsr instructions. */
  readonly csr: number;
  /** Length in bytes: 2 (compressed) or 4. */
  readonly len: 2 | 4;
  /** The raw instruction bits (zero-extended 16-bit for compressed), as an int32. */
  readonly raw: number;
}

/** What `decodeInto` writes: the fields of an `Insn`. */
export type InsnFields = { -readonly [K in keyof Insn]: Insn[K] };

/** A decoded instruction on its own (`decode`). */
class DecodedFields implements InsnFields {
  op = 'illegal';
  rd = 0;
  rs1 = 0;
  rs2 = 0;
  rs3 = 0;
  imm = 0;
  rm = 0;
  csr = 0;
  len: 2 | 4 = 4;
  raw = 0;
}

/** Decode one instruction; `word` holds its bits (only the low 16 for a compressed instruction). */
export function decode(word: number): Insn {
  const fields = new DecodedFields();
  decodeInto(word, fields);
  return fields;
}

/** Decode one instruction into `target` (every field is written). */
export function decodeInto(word: number, target: InsnFields): void {
  out = target;
  if ((word & 3) === 3) {
    raw = word | 0;
    len = 4;
    decode32(raw);
  } else {
    raw = word & 0xffff;
    len = 2;
    decode16(raw);
  }
}

// The instruction being decoded: where its fields go, its bits and its length.
let out: InsnFields = new DecodedFields();
let raw = 0;
let len: 2 | 4 = 4;

/** Write the decoded fields (those an encoding lacks are 0). */
function put(op: string, rd: number, rs1: number, rs2: number, imm: number, rs3 = 0, rm = 0, csr = 0): void {
  const o = out;
  o.op = op; o.rd = rd; o.rs1 = rs1; o.rs2 = rs2; o.rs3 = rs3; o.imm = imm; o.rm = rm; o.csr = csr;
  o.len = len; o.raw = raw;
}

// The operand shapes, by the formats of the ISA manual.
/** rd and rs1, rs2: R-type (and AMOs). */
const R = (op: string, rd: number, rs1: number, rs2: number): void => put(op, rd, rs1, rs2, 0);
/** rd, rs1 and an immediate: I-type (loads, ALU immediates, shifts, jalr). */
const I = (op: string, rd: number, rs1: number, imm: number): void => put(op, rd, rs1, 0, imm);
/** rs1, rs2 and an immediate: S-type and B-type (stores, branches). */
const S = (op: string, rs1: number, rs2: number, imm: number): void => put(op, 0, rs1, rs2, imm);
/** rd and an immediate: U-type and J-type (lui, auipc, jal). */
const U = (op: string, rd: number, imm: number): void => put(op, rd, 0, 0, imm);
/** No operands (ecall, fences...). */
const N = (op: string): void => put(op, 0, 0, 0, 0);
const illegal = (): void => N('illegal');

const LOADS = ['lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu'];
const STORES = ['sb', 'sh', 'sw', 'sd'];
const BRANCHES: Record<number, string> = { 0: 'beq', 1: 'bne', 4: 'blt', 5: 'bge', 6: 'bltu', 7: 'bgeu' };
const OP_IMM: Record<number, string> = { 0: 'addi', 2: 'slti', 3: 'sltiu', 4: 'xori', 6: 'ori', 7: 'andi' };
const OP_BASE = ['add', 'sll', 'slt', 'sltu', 'xor', 'srl', 'or', 'and'];
const OP_MUL = ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'];
const OP32_MUL: Record<number, string> = { 0: 'mulw', 4: 'divw', 5: 'divuw', 6: 'remw', 7: 'remuw' };
const AMOS: Record<number, string> = {
  0x00: 'amoadd', 0x01: 'amoswap', 0x04: 'amoxor', 0x08: 'amoor', 0x0c: 'amoand',
  0x10: 'amomin', 0x14: 'amomax', 0x18: 'amominu', 0x1c: 'amomaxu',
};
/** Names with their width suffix, made once (decoding builds no strings). */
const suffixed = (table: Record<number, string>, suffix: string): Record<number, string> =>
  Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v + suffix]));
const AMOS_W = suffixed(AMOS, '.w');
const AMOS_D = suffixed(AMOS, '.d');
const FMA: Record<number, string> = { 0x43: 'fmadd', 0x47: 'fmsub', 0x4b: 'fnmsub', 0x4f: 'fnmadd' };
const FMA_S = suffixed(FMA, '_s');
const FMA_D = suffixed(FMA, '_d');
const FSGNJ_S = ['fsgnj_s', 'fsgnjn_s', 'fsgnjx_s'];
const FSGNJ_D = ['fsgnj_d', 'fsgnjn_d', 'fsgnjx_d'];
const FMINMAX_S = ['fmin_s', 'fmax_s'];
const FMINMAX_D = ['fmin_d', 'fmax_d'];
const FCMP_S = ['fle_s', 'flt_s', 'feq_s'];
const FCMP_D = ['fle_d', 'flt_d', 'feq_d'];
const FCVT_TO_INT_S = ['fcvt_w_s', 'fcvt_wu_s', 'fcvt_l_s', 'fcvt_lu_s'];
const FCVT_TO_INT_D = ['fcvt_w_d', 'fcvt_wu_d', 'fcvt_l_d', 'fcvt_lu_d'];
const FCVT_S_FROM_INT = ['fcvt_s_w', 'fcvt_s_wu', 'fcvt_s_l', 'fcvt_s_lu'];
const FCVT_D_FROM_INT = ['fcvt_d_w', 'fcvt_d_wu', 'fcvt_d_l', 'fcvt_d_lu'];
const CSR_OPS: Record<number, string> = { 1: 'csrrw', 2: 'csrrs', 3: 'csrrc', 5: 'csrrwi', 6: 'csrrsi', 7: 'csrrci' };
/** Compressed register-register operations (c.sub... and c.subw, c.addw), by funct2. */
const C_ALU = ['sub', 'xor', 'or', 'and'];
const C_ALUW = ['subw', 'addw'];

/** True for a rounding-mode field a static encoding may use (7 = dynamic). */
const validRm = (rm: number): boolean => rm <= 4 || rm === 7;

function decode32(w: number): void {
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const f3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const f7 = w >>> 25;
  const immI = w >> 20;

  switch (opcode) {
    case 0x37: return U('lui', rd, w & 0xfffff000);
    case 0x17: return U('auipc', rd, w & 0xfffff000);
    case 0x6f:
      return U('jal', rd, ((w >> 31) << 20) | (w & 0xff000) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1));
    case 0x67: return f3 === 0 ? I('jalr', rd, rs1, immI) : illegal();
    case 0x63: {
      const op = BRANCHES[f3];
      if (op === undefined) return illegal();
      return S(op, rs1, rs2, ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 15) << 1));
    }
    case 0x03: return f3 < 7 ? I(LOADS[f3]!, rd, rs1, immI) : illegal();
    case 0x23: return f3 < 4 ? S(STORES[f3]!, rs1, rs2, ((w >> 25) << 5) | ((w >>> 7) & 31)) : illegal();
    case 0x13: {
      if (f3 === 1) return (w >>> 26) === 0 ? I('slli', rd, rs1, (w >>> 20) & 63) : illegal();
      if (f3 === 5) {
        const top = w >>> 26;
        if (top === 0) return I('srli', rd, rs1, (w >>> 20) & 63);
        if (top === 0x10) return I('srai', rd, rs1, (w >>> 20) & 63);
        return illegal();
      }
      return I(OP_IMM[f3]!, rd, rs1, immI);
    }
    case 0x1b: {
      if (f3 === 0) return I('addiw', rd, rs1, immI);
      if (f3 === 1) return f7 === 0 ? I('slliw', rd, rs1, rs2) : illegal();
      if (f3 === 5) {
        if (f7 === 0) return I('srliw', rd, rs1, rs2);
        if (f7 === 0x20) return I('sraiw', rd, rs1, rs2);
      }
      return illegal();
    }
    case 0x33: {
      if (f7 === 0) return R(OP_BASE[f3]!, rd, rs1, rs2);
      if (f7 === 1) return R(OP_MUL[f3]!, rd, rs1, rs2);
      if (f7 === 0x20 && f3 === 0) return R('sub', rd, rs1, rs2);
      if (f7 === 0x20 && f3 === 5) return R('sra', rd, rs1, rs2);
      return illegal();
    }
    case 0x3b: {
      if (f7 === 0 && f3 === 0) return R('addw', rd, rs1, rs2);
      if (f7 === 0 && f3 === 1) return R('sllw', rd, rs1, rs2);
      if (f7 === 0 && f3 === 5) return R('srlw', rd, rs1, rs2);
      if (f7 === 0x20 && f3 === 0) return R('subw', rd, rs1, rs2);
      if (f7 === 0x20 && f3 === 5) return R('sraw', rd, rs1, rs2);
      if (f7 === 1 && OP32_MUL[f3] !== undefined) return R(OP32_MUL[f3]!, rd, rs1, rs2);
      return illegal();
    }
    case 0x0f:
      if (f3 === 0) return N('fence');
      if (f3 === 1) return N('fence.i');
      return illegal();
    case 0x73: return decodeSystem(w, rd, f3, rs1, rs2, f7);
    case 0x2f: {
      if (f3 !== 2 && f3 !== 3) return illegal();
      const d = f3 === 3;
      const f5 = w >>> 27;
      if (f5 === 0x02) return rs2 === 0 ? R(d ? 'lr.d' : 'lr.w', rd, rs1, 0) : illegal();
      if (f5 === 0x03) return R(d ? 'sc.d' : 'sc.w', rd, rs1, rs2);
      const op = (d ? AMOS_D : AMOS_W)[f5];
      return op !== undefined ? R(op, rd, rs1, rs2) : illegal();
    }
    case 0x07:
      if (f3 === 2) return I('flw', rd, rs1, immI);
      if (f3 === 3) return I('fld', rd, rs1, immI);
      return illegal();
    case 0x27:
      if (f3 === 2) return S('fsw', rs1, rs2, ((w >> 25) << 5) | ((w >>> 7) & 31));
      if (f3 === 3) return S('fsd', rs1, rs2, ((w >> 25) << 5) | ((w >>> 7) & 31));
      return illegal();
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
      const fmt = (w >>> 25) & 3;
      if (fmt > 1 || !validRm(f3)) return illegal();
      return put((fmt === 0 ? FMA_S : FMA_D)[opcode]!, rd, rs1, rs2, 0, w >>> 27, f3);
    }
    case 0x53: return decodeOpFp(rd, f3, rs1, rs2, f7);
  }
  return illegal();
}

function decodeSystem(w: number, rd: number, f3: number, rs1: number, rs2: number, f7: number): void {
  if (f3 === 0) {
    if (w === 0x00000073) return N('ecall');
    if (w === 0x00100073) return N('ebreak');
    if (w === 0x10200073) return N('sret');
    if (w === 0x10500073) return N('wfi');
    if (f7 === 0x09 && rd === 0) return R('sfence.vma', 0, rs1, rs2);
    return illegal();
  }
  const op = CSR_OPS[f3];
  if (op === undefined) return illegal();
  return put(op, rd, rs1, 0, rs1, 0, 0, w >>> 20);
}

function decodeOpFp(rd: number, f3: number, rs1: number, rs2: number, f7: number): void {
  const fmt = f7 & 3;
  if (fmt > 1) return illegal();
  const single = fmt === 0;
  /** An operation with rd, rs1, rs2 and rm (= funct3). */
  const F = (op: string): void => put(op, rd, rs1, rs2, 0, 0, f3);
  /** One whose rm is a rounding mode, which must be valid. */
  const rounded = (op: string): void => (validRm(f3) ? F(op) : illegal());
  switch (f7 >>> 2) {
    case 0x00: return rounded(single ? 'fadd_s' : 'fadd_d');
    case 0x01: return rounded(single ? 'fsub_s' : 'fsub_d');
    case 0x02: return rounded(single ? 'fmul_s' : 'fmul_d');
    case 0x03: return rounded(single ? 'fdiv_s' : 'fdiv_d');
    case 0x0b: return rs2 === 0 ? rounded(single ? 'fsqrt_s' : 'fsqrt_d') : illegal();
    case 0x04: return f3 <= 2 ? F((single ? FSGNJ_S : FSGNJ_D)[f3]!) : illegal();
    case 0x05: return f3 <= 1 ? F((single ? FMINMAX_S : FMINMAX_D)[f3]!) : illegal();
    case 0x08:
      if (single && rs2 === 1) return rounded('fcvt_s_d');
      if (!single && rs2 === 0) return rounded('fcvt_d_s');
      return illegal();
    case 0x14: return f3 <= 2 ? F((single ? FCMP_S : FCMP_D)[f3]!) : illegal();
    case 0x18: return rs2 <= 3 ? rounded((single ? FCVT_TO_INT_S : FCVT_TO_INT_D)[rs2]!) : illegal();
    case 0x1a: return rs2 <= 3 ? rounded((single ? FCVT_S_FROM_INT : FCVT_D_FROM_INT)[rs2]!) : illegal();
    case 0x1c:
      if (rs2 !== 0) return illegal();
      if (f3 === 0) return F(single ? 'fmv_x_w' : 'fmv_x_d');
      if (f3 === 1) return F(single ? 'fclass_s' : 'fclass_d');
      return illegal();
    case 0x1e:
      return rs2 === 0 && f3 === 0 ? F(single ? 'fmv_w_x' : 'fmv_d_x') : illegal();
  }
  return illegal();
}

const bit = (w: number, b: number): number => (w >>> b) & 1;
const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

function decode16(w: number): void {
  const q = w & 3;
  const f3 = w >>> 13;
  const rdp = bits(w, 4, 2) + 8; // rd' / rs2'
  const rs1p = bits(w, 9, 7) + 8; // rs1' / rd'
  const rd = bits(w, 11, 7);
  const rs2 = bits(w, 6, 2);
  if (q === 0) {
    const uimmW = (bits(w, 12, 10) << 3) | (bit(w, 6) << 2) | (bit(w, 5) << 6); // c.lw / c.sw
    const uimmD = (bits(w, 12, 10) << 3) | (bits(w, 6, 5) << 6); // c.ld / c.sd / c.fld / c.fsd
    switch (f3) {
      case 0: {
        const nzuimm = (bits(w, 12, 11) << 4) | (bits(w, 10, 7) << 6) | (bit(w, 6) << 2) | (bit(w, 5) << 3);
        return nzuimm === 0 ? illegal() : I('addi', rdp, 2, nzuimm);
      }
      case 1: return I('fld', rdp, rs1p, uimmD);
      case 2: return I('lw', rdp, rs1p, uimmW);
      case 3: return I('ld', rdp, rs1p, uimmD);
      case 5: return S('fsd', rs1p, rdp, uimmD);
      case 6: return S('sw', rs1p, rdp, uimmW);
      case 7: return S('sd', rs1p, rdp, uimmD);
    }
    return illegal();
  }
  if (q === 1) {
    const imm6 = sext((bit(w, 12) << 5) | bits(w, 6, 2), 6);
    switch (f3) {
      case 0: return I('addi', rd, rd, imm6);
      case 1: return rd === 0 ? illegal() : I('addiw', rd, rd, imm6);
      case 2: return I('addi', rd, 0, imm6);
      case 3: {
        if (rd === 2) {
          const nz = sext((bit(w, 12) << 9) | (bit(w, 6) << 4) | (bit(w, 5) << 6) | (bits(w, 4, 3) << 7) | (bit(w, 2) << 5), 10);
          return nz === 0 ? illegal() : I('addi', 2, 2, nz);
        }
        return imm6 === 0 ? illegal() : U('lui', rd, imm6 << 12);
      }
      case 4: {
        const sh = (bit(w, 12) << 5) | bits(w, 6, 2);
        switch (bits(w, 11, 10)) {
          case 0: return I('srli', rs1p, rs1p, sh);
          case 1: return I('srai', rs1p, rs1p, sh);
          case 2: return I('andi', rs1p, rs1p, imm6);
        }
        const op = (bit(w, 12) === 0 ? C_ALU : C_ALUW)[bits(w, 6, 5)];
        return op !== undefined ? R(op, rs1p, rs1p, rdp) : illegal();
      }
      case 5: {
        const off = sext((bit(w, 12) << 11) | (bit(w, 11) << 4) | (bits(w, 10, 9) << 8) | (bit(w, 8) << 10) |
          (bit(w, 7) << 6) | (bit(w, 6) << 7) | (bits(w, 5, 3) << 1) | (bit(w, 2) << 5), 12);
        return U('jal', 0, off);
      }
      default: {
        const off = sext((bit(w, 12) << 8) | (bits(w, 11, 10) << 3) | (bits(w, 6, 5) << 6) | (bits(w, 4, 3) << 1) |
          (bit(w, 2) << 5), 9);
        return S(f3 === 6 ? 'beq' : 'bne', rs1p, 0, off);
      }
    }
  }
  if (q === 2) {
    switch (f3) {
      case 0: return I('slli', rd, rd, (bit(w, 12) << 5) | rs2);
      case 1: return I('fld', rd, 2, (bit(w, 12) << 5) | (bits(w, 6, 5) << 3) | (bits(w, 4, 2) << 6));
      case 2: return rd === 0 ? illegal() : I('lw', rd, 2, (bit(w, 12) << 5) | (bits(w, 6, 4) << 2) | (bits(w, 3, 2) << 6));
      case 3: return rd === 0 ? illegal() : I('ld', rd, 2, (bit(w, 12) << 5) | (bits(w, 6, 5) << 3) | (bits(w, 4, 2) << 6));
      case 4:
        if (bit(w, 12) === 0) {
          if (rs2 === 0) return rd === 0 ? illegal() : I('jalr', 0, rd, 0);
          return R('add', rd, 0, rs2);
        }
        if (rs2 === 0) return rd === 0 ? N('ebreak') : I('jalr', 1, rd, 0);
        return R('add', rd, rd, rs2);
      case 5: return S('fsd', 2, rs2, (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6));
      case 6: return S('sw', 2, rs2, (bits(w, 12, 9) << 2) | (bits(w, 8, 7) << 6));
      case 7: return S('sd', 2, rs2, (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6));
    }
  }
  return illegal();
}
