/**
 * RV64GC instruction decoder: one 16- or 32-bit instruction word → a decoded instruction.
 *
 * Decoding happens once per instruction when a block is translated (never per execution), so it favours
 * clarity: compressed instructions expand to the same operations as their 32-bit forms.
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

function insn(op: string, raw: number, len: 2 | 4, f: Partial<Omit<Insn, 'op' | 'raw' | 'len'>> = {}): Insn {
  return { op, rd: f.rd ?? 0, rs1: f.rs1 ?? 0, rs2: f.rs2 ?? 0, rs3: f.rs3 ?? 0, imm: f.imm ?? 0, rm: f.rm ?? 0, csr: f.csr ?? 0, len, raw };
}

const illegal = (raw: number, len: 2 | 4): Insn => insn('illegal', raw, len);

/** Decode one instruction; `word` holds its bits (only the low 16 for a compressed instruction). */
export function decode(word: number): Insn {
  return (word & 3) === 3 ? decode32(word | 0) : decode16(word & 0xffff);
}

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
const FMA = { 0x43: 'fmadd', 0x47: 'fmsub', 0x4b: 'fnmsub', 0x4f: 'fnmadd' } as Record<number, string>;
const CSR_OPS: Record<number, string> = { 1: 'csrrw', 2: 'csrrs', 3: 'csrrc', 5: 'csrrwi', 6: 'csrrsi', 7: 'csrrci' };

/** True for a rounding-mode field a static encoding may use (7 = dynamic). */
const validRm = (rm: number): boolean => rm <= 4 || rm === 7;

function decode32(w: number): Insn {
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const f3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const f7 = w >>> 25;
  const immI = w >> 20;
  const immS = ((w >> 25) << 5) | ((w >>> 7) & 31);
  const immB = ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 15) << 1);
  const immU = w & 0xfffff000;
  const immJ = ((w >> 31) << 20) | (w & 0xff000) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
  const I = (op: string, f: Partial<Insn> = {}): Insn => insn(op, w, 4, f);

  switch (opcode) {
    case 0x37: return I('lui', { rd, imm: immU });
    case 0x17: return I('auipc', { rd, imm: immU });
    case 0x6f: return I('jal', { rd, imm: immJ });
    case 0x67: return f3 === 0 ? I('jalr', { rd, rs1, imm: immI }) : illegal(w, 4);
    case 0x63: return BRANCHES[f3] ? I(BRANCHES[f3], { rs1, rs2, imm: immB }) : illegal(w, 4);
    case 0x03: return f3 < 7 ? I(LOADS[f3], { rd, rs1, imm: immI }) : illegal(w, 4);
    case 0x23: return f3 < 4 ? I(STORES[f3], { rs1, rs2, imm: immS }) : illegal(w, 4);
    case 0x13: {
      if (f3 === 1) return (w >>> 26) === 0 ? I('slli', { rd, rs1, imm: (w >>> 20) & 63 }) : illegal(w, 4);
      if (f3 === 5) {
        const top = w >>> 26;
        if (top === 0) return I('srli', { rd, rs1, imm: (w >>> 20) & 63 });
        if (top === 0x10) return I('srai', { rd, rs1, imm: (w >>> 20) & 63 });
        return illegal(w, 4);
      }
      return I(OP_IMM[f3], { rd, rs1, imm: immI });
    }
    case 0x1b: {
      if (f3 === 0) return I('addiw', { rd, rs1, imm: immI });
      if (f3 === 1) return f7 === 0 ? I('slliw', { rd, rs1, imm: rs2 }) : illegal(w, 4);
      if (f3 === 5) {
        if (f7 === 0) return I('srliw', { rd, rs1, imm: rs2 });
        if (f7 === 0x20) return I('sraiw', { rd, rs1, imm: rs2 });
      }
      return illegal(w, 4);
    }
    case 0x33: {
      if (f7 === 0) return I(OP_BASE[f3], { rd, rs1, rs2 });
      if (f7 === 1) return I(OP_MUL[f3], { rd, rs1, rs2 });
      if (f7 === 0x20 && f3 === 0) return I('sub', { rd, rs1, rs2 });
      if (f7 === 0x20 && f3 === 5) return I('sra', { rd, rs1, rs2 });
      return illegal(w, 4);
    }
    case 0x3b: {
      if (f7 === 0 && f3 === 0) return I('addw', { rd, rs1, rs2 });
      if (f7 === 0 && f3 === 1) return I('sllw', { rd, rs1, rs2 });
      if (f7 === 0 && f3 === 5) return I('srlw', { rd, rs1, rs2 });
      if (f7 === 0x20 && f3 === 0) return I('subw', { rd, rs1, rs2 });
      if (f7 === 0x20 && f3 === 5) return I('sraw', { rd, rs1, rs2 });
      if (f7 === 1 && OP32_MUL[f3]) return I(OP32_MUL[f3], { rd, rs1, rs2 });
      return illegal(w, 4);
    }
    case 0x0f:
      if (f3 === 0) return I('fence');
      if (f3 === 1) return I('fence.i');
      return illegal(w, 4);
    case 0x73: return decodeSystem(w, rd, f3, rs1, rs2, f7);
    case 0x2f: {
      if (f3 !== 2 && f3 !== 3) return illegal(w, 4);
      const sfx = f3 === 2 ? '.w' : '.d';
      const f5 = w >>> 27;
      if (f5 === 0x02) return rs2 === 0 ? I('lr' + sfx, { rd, rs1 }) : illegal(w, 4);
      if (f5 === 0x03) return I('sc' + sfx, { rd, rs1, rs2 });
      return AMOS[f5] ? I(AMOS[f5] + sfx, { rd, rs1, rs2 }) : illegal(w, 4);
    }
    case 0x07:
      if (f3 === 2) return I('flw', { rd, rs1, imm: immI });
      if (f3 === 3) return I('fld', { rd, rs1, imm: immI });
      return illegal(w, 4);
    case 0x27:
      if (f3 === 2) return I('fsw', { rs1, rs2, imm: immS });
      if (f3 === 3) return I('fsd', { rs1, rs2, imm: immS });
      return illegal(w, 4);
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
      const fmt = (w >>> 25) & 3;
      if (fmt > 1 || !validRm(f3)) return illegal(w, 4);
      return I(FMA[opcode] + (fmt === 0 ? '_s' : '_d'), { rd, rs1, rs2, rs3: w >>> 27, rm: f3 });
    }
    case 0x53: return decodeOpFp(w, rd, f3, rs1, rs2, f7);
  }
  return illegal(w, 4);
}

function decodeSystem(w: number, rd: number, f3: number, rs1: number, rs2: number, f7: number): Insn {
  const I = (op: string, f: Partial<Insn> = {}): Insn => insn(op, w, 4, f);
  if (f3 === 0) {
    if (w === 0x00000073) return I('ecall');
    if (w === 0x00100073) return I('ebreak');
    if (w === 0x10200073) return I('sret');
    if (w === 0x10500073) return I('wfi');
    if (f7 === 0x09 && rd === 0) return I('sfence.vma', { rs1, rs2 });
    return illegal(w, 4);
  }
  const op = CSR_OPS[f3];
  if (!op) return illegal(w, 4);
  return I(op, { rd, rs1, imm: rs1, csr: w >>> 20 });
}

function decodeOpFp(w: number, rd: number, f3: number, rs1: number, rs2: number, f7: number): Insn {
  const fmt = f7 & 3;
  if (fmt > 1) return illegal(w, 4);
  const t = fmt === 0 ? '_s' : '_d';
  const I = (op: string, f: Partial<Insn> = {}): Insn => insn(op, w, 4, { rd, rs1, rs2, rm: f3, ...f });
  const rounded = (op: string): Insn => (validRm(f3) ? I(op) : illegal(w, 4));
  switch (f7 >>> 2) {
    case 0x00: return rounded('fadd' + t);
    case 0x01: return rounded('fsub' + t);
    case 0x02: return rounded('fmul' + t);
    case 0x03: return rounded('fdiv' + t);
    case 0x0b: return rs2 === 0 ? rounded('fsqrt' + t) : illegal(w, 4);
    case 0x04: return f3 <= 2 ? I(['fsgnj', 'fsgnjn', 'fsgnjx'][f3] + t) : illegal(w, 4);
    case 0x05: return f3 <= 1 ? I(['fmin', 'fmax'][f3] + t) : illegal(w, 4);
    case 0x08:
      if (fmt === 0 && rs2 === 1) return rounded('fcvt_s_d');
      if (fmt === 1 && rs2 === 0) return rounded('fcvt_d_s');
      return illegal(w, 4);
    case 0x14: return f3 <= 2 ? I(['fle', 'flt', 'feq'][f3] + t) : illegal(w, 4);
    case 0x18: return rs2 <= 3 ? rounded(['fcvt_w', 'fcvt_wu', 'fcvt_l', 'fcvt_lu'][rs2] + t) : illegal(w, 4);
    case 0x1a: return rs2 <= 3 ? rounded((fmt === 0 ? 'fcvt_s_' : 'fcvt_d_') + ['w', 'wu', 'l', 'lu'][rs2]) : illegal(w, 4);
    case 0x1c:
      if (rs2 !== 0) return illegal(w, 4);
      if (f3 === 0) return I(fmt === 0 ? 'fmv_x_w' : 'fmv_x_d');
      if (f3 === 1) return I('fclass' + t);
      return illegal(w, 4);
    case 0x1e:
      return rs2 === 0 && f3 === 0 ? I(fmt === 0 ? 'fmv_w_x' : 'fmv_d_x') : illegal(w, 4);
  }
  return illegal(w, 4);
}

const bit = (w: number, b: number): number => (w >>> b) & 1;
const bits = (w: number, hi: number, lo: number): number => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

function decode16(w: number): Insn {
  const C = (op: string, f: Partial<Insn> = {}): Insn => insn(op, w, 2, f);
  const q = w & 3;
  const f3 = w >>> 13;
  const rdp = bits(w, 4, 2) + 8; // rd' / rs2'
  const rs1p = bits(w, 9, 7) + 8; // rs1' / rd'
  const rd = bits(w, 11, 7);
  const rs2 = bits(w, 6, 2);
  const imm6 = sext((bit(w, 12) << 5) | bits(w, 6, 2), 6);
  const uimmW = (bits(w, 12, 10) << 3) | (bit(w, 6) << 2) | (bit(w, 5) << 6); // c.lw / c.sw
  const uimmD = (bits(w, 12, 10) << 3) | (bits(w, 6, 5) << 6); // c.ld / c.sd / c.fld / c.fsd
  if (q === 0) {
    switch (f3) {
      case 0: {
        const nzuimm = (bits(w, 12, 11) << 4) | (bits(w, 10, 7) << 6) | (bit(w, 6) << 2) | (bit(w, 5) << 3);
        return nzuimm === 0 ? illegal(w, 2) : C('addi', { rd: rdp, rs1: 2, imm: nzuimm });
      }
      case 1: return C('fld', { rd: rdp, rs1: rs1p, imm: uimmD });
      case 2: return C('lw', { rd: rdp, rs1: rs1p, imm: uimmW });
      case 3: return C('ld', { rd: rdp, rs1: rs1p, imm: uimmD });
      case 5: return C('fsd', { rs1: rs1p, rs2: rdp, imm: uimmD });
      case 6: return C('sw', { rs1: rs1p, rs2: rdp, imm: uimmW });
      case 7: return C('sd', { rs1: rs1p, rs2: rdp, imm: uimmD });
    }
    return illegal(w, 2);
  }
  if (q === 1) {
    switch (f3) {
      case 0: return C('addi', { rd, rs1: rd, imm: imm6 });
      case 1: return rd === 0 ? illegal(w, 2) : C('addiw', { rd, rs1: rd, imm: imm6 });
      case 2: return C('addi', { rd, rs1: 0, imm: imm6 });
      case 3: {
        if (rd === 2) {
          const nz = sext((bit(w, 12) << 9) | (bit(w, 6) << 4) | (bit(w, 5) << 6) | (bits(w, 4, 3) << 7) | (bit(w, 2) << 5), 10);
          return nz === 0 ? illegal(w, 2) : C('addi', { rd: 2, rs1: 2, imm: nz });
        }
        return imm6 === 0 ? illegal(w, 2) : C('lui', { rd, imm: imm6 << 12 });
      }
      case 4: {
        const sh = (bit(w, 12) << 5) | bits(w, 6, 2);
        switch (bits(w, 11, 10)) {
          case 0: return C('srli', { rd: rs1p, rs1: rs1p, imm: sh });
          case 1: return C('srai', { rd: rs1p, rs1: rs1p, imm: sh });
          case 2: return C('andi', { rd: rs1p, rs1: rs1p, imm: imm6 });
        }
        const ops = bit(w, 12) === 0 ? ['sub', 'xor', 'or', 'and'] : ['subw', 'addw'];
        const op = ops[bits(w, 6, 5)];
        return op ? C(op, { rd: rs1p, rs1: rs1p, rs2: rdp }) : illegal(w, 2);
      }
      case 5: {
        const off = sext((bit(w, 12) << 11) | (bit(w, 11) << 4) | (bits(w, 10, 9) << 8) | (bit(w, 8) << 10) |
          (bit(w, 7) << 6) | (bit(w, 6) << 7) | (bits(w, 5, 3) << 1) | (bit(w, 2) << 5), 12);
        return C('jal', { rd: 0, imm: off });
      }
      default: {
        const off = sext((bit(w, 12) << 8) | (bits(w, 11, 10) << 3) | (bits(w, 6, 5) << 6) | (bits(w, 4, 3) << 1) |
          (bit(w, 2) << 5), 9);
        return C(f3 === 6 ? 'beq' : 'bne', { rs1: rs1p, rs2: 0, imm: off });
      }
    }
  }
  if (q === 2) {
    const uimmLwsp = (bit(w, 12) << 5) | (bits(w, 6, 4) << 2) | (bits(w, 3, 2) << 6);
    const uimmLdsp = (bit(w, 12) << 5) | (bits(w, 6, 5) << 3) | (bits(w, 4, 2) << 6);
    switch (f3) {
      case 0: return C('slli', { rd, rs1: rd, imm: (bit(w, 12) << 5) | rs2 });
      case 1: return C('fld', { rd, rs1: 2, imm: uimmLdsp });
      case 2: return rd === 0 ? illegal(w, 2) : C('lw', { rd, rs1: 2, imm: uimmLwsp });
      case 3: return rd === 0 ? illegal(w, 2) : C('ld', { rd, rs1: 2, imm: uimmLdsp });
      case 4:
        if (bit(w, 12) === 0) {
          if (rs2 === 0) return rd === 0 ? illegal(w, 2) : C('jalr', { rd: 0, rs1: rd, imm: 0 });
          return C('add', { rd, rs1: 0, rs2 });
        }
        if (rs2 === 0) return rd === 0 ? C('ebreak') : C('jalr', { rd: 1, rs1: rd, imm: 0 });
        return C('add', { rd, rs1: rd, rs2 });
      case 5: return C('fsd', { rs1: 2, rs2, imm: (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6) });
      case 6: return C('sw', { rs1: 2, rs2, imm: (bits(w, 12, 9) << 2) | (bits(w, 8, 7) << 6) });
      case 7: return C('sd', { rs1: 2, rs2, imm: (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6) });
    }
  }
  return illegal(w, 2);
}
