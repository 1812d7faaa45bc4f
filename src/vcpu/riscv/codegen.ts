/**
 * The one implementation of each instruction's semantics in JavaScript: a code template per operation, instantiated
 * once per operation with variable operands (operands.ts) as the interpreter's handler (interpret.ts):
 *
 *   function (h, r, pl, ph, max, f, i) → instructions retired (1; 0 when it trapped or exited)
 *
 * where (ph:pl) is the virtual pc of the instruction, `r` the hart's register words (r[2i] low, r[2i+1] high) and the
 * instruction's fields are read from `f` at `i`. Loads and stores are inlined against the hart's TLB; a miss, a
 * misaligned access or MMIO goes to the hart's slow path with pc synchronised. An instruction that falls through
 * leaves pc to its caller, which knows where it falls; every other sets pc.
 *
 * Warm code runs in the wasm tier instead (wasm/block-wasm.ts), which computes integer and FP-move operations
 * natively and calls the hart, fpu.ts and alu.ts for the rest; tests check it against these handlers instruction by
 * instruction.
 */
import * as fpu from './fpu.js';
import type { Insn } from './decode.js';
import { Amo, Kind } from './kinds.js';
import { TLB_MASK } from './tlb.js';
import { ROUNDED, type Operands } from './operands.js';

/** Instructions that end a block. Conditional branches do not: a block continues on their fall-through path. */
export const TERMINATORS = new Set([
  'jal', 'jalr',
  'ecall', 'ebreak', 'sret', 'wfi', 'sfence.vma', 'fence.i',
  'csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci', 'illegal',
]);

export const BRANCHES = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);

const CSR_SET_OR_CLEAR = new Set(['csrrs', 'csrrc', 'csrrsi', 'csrrci']);

/**
 * A CSR read that writes nothing (csrrs/csrrc with x0 or a zero immediate: `rdtime`, `csrr`). No S-mode CSR has a
 * side effect on read, so it runs inside a block like a load; only CSR writes, which can change interrupts or
 * translation, end a block.
 */
export function isCsrRead(ins: Insn): boolean {
  return ins.rs1 === 0 && CSR_SET_OR_CLEAR.has(ins.op);
}

/** Whether `ins` ends its block. */
export function endsBlock(ins: Insn): boolean {
  return TERMINATORS.has(ins.op) && !isCsrRead(ins);
}

const LOAD_KIND: Record<string, number> = {
  lb: 1, lh: 2, lw: 4, ld: 8, lbu: 1 | Kind.Unsigned, lhu: 2 | Kind.Unsigned, lwu: 4 | Kind.Unsigned,
  flw: 4 | Kind.Float, fld: 8 | Kind.Float,
};
const STORE_KIND: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8, fsw: 4 | Kind.Float, fsd: 8 | Kind.Float };
export const AMO_OP: Record<string, number> = {
  lr: Amo.Lr, sc: Amo.Sc, amoswap: Amo.Swap, amoadd: Amo.Add, amoxor: Amo.Xor, amoand: Amo.And, amoor: Amo.Or,
  amomin: Amo.Min, amomax: Amo.Max, amominu: Amo.MinU, amomaxu: Amo.MaxU,
};
export const CSR_FUNCT3: Record<string, number> = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 };

/** Assign (t, u) to rd. */
const setTU = (x: Operands): string => `${x.DL}=t;${x.DH}=u;`;

/**
 * The body of the interpreter handler running `ins` (whose operands are `x`: variables), prologue included.
 */
export function handlerSource(x: Operands, ins: Insn): string {
  return `${prologue(ins)}\n${statements(x, ins)}`;
}

/** Declarations the code of `ins` needs. */
function prologue(ins: Insn): string {
  const usesLoad = LOAD_KIND[ins.op] !== undefined, usesStore = STORE_KIND[ins.op] !== undefined;
  const out = ['let a=0,b=0,c=0,e=0,t=0,u=0;'];
  if (usesLoad || usesStore) out.push('const tb=h.tlbBank;');
  if (usesLoad) out.push('const rt=h.rtlb.tag,rth=h.rtlb.tagHi,rb=h.rtlb.base;');
  if (usesStore) out.push('const wt=h.wtlb.tag,wth=h.wtlb.tagHi,wb=h.wtlb.base;');
  if (ins.op === 'flw' || ins.op === 'fld' || ins.op === 'fsw' || ins.op === 'fsd') out.push('const fw=h.fw;');
  return out.join('');
}

/**
 * The statements running `ins`. A conditional branch sets pc taken or not (its caller tells the two apart by pc); a
 * jump sets it; code that falls through leaves it to its caller.
 */
function statements(x: Operands, ins: Insn): string {
  if (BRANCHES.has(ins.op)) return `if(${branchCondition(ins.op, x)}){${jumpTarget(x)}return 1;}\n${setPc(ins.len)}return 1;`;
  if (ins.op === 'jal') return `${link(x)}${jumpTarget(x)}return 1;`;
  const body = emit(ins, x);
  return endsBlock(ins) ? body : `${body}\nreturn 1;`;
}

function branchCondition(op: string, x: Operands): string {
  const { L1, H1, L2, H2 } = x;
  switch (op) {
    case 'beq': return `${L1}===${L2}&&${H1}===${H2}`;
    case 'bne': return `${L1}!==${L2}||${H1}!==${H2}`;
    case 'blt': return slt(H1, L1, H2, L2);
    case 'bge': return `!(${slt(H1, L1, H2, L2)})`;
    case 'bltu': return sltu(H1, L1, H2, L2);
    default: return `!(${sltu(H1, L1, H2, L2)})`; // bgeu
  }
}

const sltu = (aH: string, aL: string, bH: string, bL: string): string =>
  `(${aH}>>>0)<(${bH}>>>0)||(${aH}===${bH}&&(${aL}>>>0)<(${bL}>>>0))`;
const slt = (aH: string, aL: string, bH: string, bL: string): string =>
  `${aH}<${bH}||(${aH}===${bH}&&(${aL}>>>0)<(${bL}>>>0))`;

/** Set h.pcLo/h.pcHi to pc + `end`. */
const setPc = (end: number): string => `t=(pl+${end})|0;h.pcLo=t;h.pcHi=(ph+((t>>>0)<(pl>>>0)?1:0))|0;`;

/** Leave through a hart method returning what it retired, with pc synchronised first. */
const exitVia = (call: string): string => `h.pcLo=pl;h.pcHi=ph;return ${call};`;

/**
 * Call a slow path that may trap or exit (returns false then) with pc synchronised; continue if not. It writes a
 * register only when it succeeds.
 */
const slowPath = (call: string): string => `h.pcLo=pl;h.pcHi=ph;if(!(${call}))return 0;`;

/** Effective address of rs1 + imm into (a, b). */
function address(x: Operands): string {
  return `c=${x.L1};a=(c+${x.imm})|0;b=(${x.H1}+${x.immHi}+((a>>>0)<(c>>>0)?1:0))|0;`;
}

/** Set pc to pc + imm (a taken branch or jump). */
const jumpTarget = (x: Operands): string => `a=pl;t=(a+${x.imm})|0;h.pcLo=t;h.pcHi=(ph+${x.immHi}+((t>>>0)<(a>>>0)?1:0))|0;`;

/** Write pc + len to rd (the link register). */
function link(x: Operands): string {
  return `c=(pl+${x.len})|0;${x.DL}=c;${x.DH}=(ph+((c>>>0)<(pl>>>0)?1:0))|0;`;
}

/**
 * The statements of one instruction other than a branch or jal. Values written to registers are int32 (`|0` where
 * an operation could give more).
 */
function emit(ins: Insn, x: Operands): string {
  const op = ins.op;
  const { L1, H1, L2, H2, imm, immHi } = x;
  const w32 = (expr: string): string => `t=${expr};${x.DL}=t;${x.DH}=t>>31;`;
  // alu.ts works on `r`: the operands go there first and the result comes back from there.
  const call = (fn: string): string =>
    `A.${fn}(r,${x.rd},${x.rs1},${x.rs2});`;
  const bool = (cond: string): string => `${x.DL}=(${cond})?1:0;${x.DH}=0;`;

  switch (op) {
    case 'lui': return `${x.DL}=${imm};${x.DH}=${immHi};`;
    case 'auipc':
      return `a=pl;t=(a+${imm})|0;u=(ph+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'addi':
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'add':
      return `a=${L1};t=(a+${L2})|0;u=(${H1}+${H2}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'sub':
      return `a=${L1};b=${L2};t=(a-b)|0;u=(${H1}-${H2}-((a>>>0)<(b>>>0)?1:0))|0;${setTU(x)}`;
    case 'xori': case 'ori': case 'andi': {
      const o2 = op === 'xori' ? '^' : op === 'ori' ? '|' : '&';
      return `t=${L1}${o2}${imm};u=${H1}${o2}${immHi};${setTU(x)}`;
    }
    case 'xor': case 'or': case 'and': {
      const o2 = op === 'xor' ? '^' : op === 'or' ? '|' : '&';
      return `t=${L1}${o2}${L2};u=${H1}${o2}${H2};${setTU(x)}`;
    }
    case 'slti': return bool(slt(H1, L1, immHi, imm));
    case 'sltiu': return bool(sltu(H1, L1, immHi, imm));
    case 'slt': return bool(slt(H1, L1, H2, L2));
    case 'sltu': return bool(sltu(H1, L1, H2, L2));
    case 'slli': return shiftImm('sll', x);
    case 'srli': return shiftImm('srl', x);
    case 'srai': return shiftImm('sra', x);
    case 'sll': case 'srl': case 'sra': return shiftVar(op, x);
    case 'addiw': return w32(`(${L1}+${imm})|0`);
    case 'slliw': return w32(`${L1}<<${imm}`);
    case 'srliw': return w32(`(${L1}>>>${imm})|0`);
    case 'sraiw': return w32(`${L1}>>${imm}`);
    case 'addw': return w32(`(${L1}+${L2})|0`);
    case 'subw': return w32(`(${L1}-${L2})|0`);
    case 'sllw': return w32(`${L1}<<(${L2}&31)`);
    case 'srlw': return w32(`(${L1}>>>(${L2}&31))|0`);
    case 'sraw': return w32(`${L1}>>(${L2}&31)`);
    case 'mulw': return w32(`Math.imul(${L1},${L2})`);
    case 'mul':
      // The low 64 bits of the product: the cross terms add only to the high word.
      return `a=${L1};b=${L2};t=Math.imul(a,b);u=(W.mulhu32(a,b)+Math.imul(${H1},b)+Math.imul(a,${H2}))|0;${setTU(x)}`;
    case 'mulh': case 'mulhsu': case 'mulhu': case 'div': case 'divu': case 'rem': case 'remu':
    case 'divw': case 'divuw': case 'remw': case 'remuw':
      return call(op);

    case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu': case 'flw': case 'fld':
      return load(ins, x);
    case 'sb': case 'sh': case 'sw': case 'sd': case 'fsw': case 'fsd':
      return store(op, x);

    case 'jalr':
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;` +
        `${link(x)}h.pcLo=t&-2;h.pcHi=u;return 1;`;
    case 'fence': return 'h.fence();';
    case 'fence.i': return `h.code.fenceI();${setPc(x.len)}return 1;`;
    case 'ecall': return exitVia('h.ecall()');
    case 'ebreak': return exitVia('h.ebreak()');
    case 'sret': return exitVia(`h.sret(${x.raw})`);
    case 'wfi': return exitVia(`h.wfi(${x.raw})`);
    case 'sfence.vma': return exitVia(`h.sfenceVma(${x.raw},${x.rs1})`);
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci':
      if (isCsrRead(ins)) {
        return slowPath(`h.csrRead(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.csr})`);
      }
      return exitVia(`h.csr(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.rs1},${x.csr},${x.len})`);
    case 'illegal': return `h.pcLo=pl;h.pcHi=ph;h.illegal(${x.raw});return 0;`;
  }

  const dot = op.indexOf('.');
  if (dot > 0 && AMO_OP[op.slice(0, dot)] !== undefined) {
    const size = op.endsWith('.d') ? 8 : 4;
    const amo = `h.amo(${AMO_OP[op.slice(0, dot)]},${size},${x.rd},${x.rs1},${x.rs2})!==0`;
    return slowPath(amo);
  }
  if (op.startsWith('f') && typeof (fpu as Record<string, unknown>)[op] === 'function') {
    const dynamic = ROUNDED.test(op) && x.rm === 7;
    const rm = ROUNDED.test(op) ? (dynamic ? 'h.frm' : String(x.rm)) : '0';
    // FS off, or an invalid dynamic rounding mode: an illegal instruction. Any FP instruction makes FS dirty.
    const guard = `if(h.fs===0${dynamic ? '||h.frm>4' : ''}){${fpIllegal(x)}}`;
    return `${guard}F.${op}(h,${x.rd},${x.rs1},${x.rs2},${x.rs3},${rm});h.fs=3;`;
  }
  throw new Error(`translate: no template for ${op}`);
}

/** FP operations that read an integer rs1 (fpu.ts reads it from `r`), and those that write an integer rd. */
export const FP_INT_SOURCE = /^(fmv_[wd]_x|fcvt_[sd]_(w|wu|l|lu))$/;
export const FP_INT_DEST = /^(feq|flt|fle|fclass|fmv_x|fcvt_(w|wu|l|lu)_)/;

/** sll, srl, sra by `amount` (0..63; by default the low 6 bits of rs2). */
function shiftVar(op: string, x: Operands, amount = `${x.L2}&63`): string {
  const head = `c=${amount};a=${x.L1};b=${x.H1};if(c===0){t=a;u=b;}`;
  if (op === 'sll') return `${head}else if(c<32){t=a<<c;u=(b<<c)|(a>>>(32-c));}else{t=0;u=a<<(c-32);}${setTU(x)}`;
  const top = op === 'srl' ? '0' : 'b>>31';
  const shr = op === 'srl' ? '>>>' : '>>';
  return `${head}else if(c<32){t=(a>>>c)|(b<<(32-c));u=(b${shr}c)|0;}else{t=(b${shr}(c-32))|0;u=${top};}${setTU(x)}`;
}

/**
 * slli, srli, srai: by the immediate as a variable amount (as sll, srl, sra by a register), so that one handler serves
 * every amount: made per amount, they were two thirds of Linux's handlers (217 of 324), each a function V8 compiled
 * and warmed up on its own.
 */
const shiftImm = (kind: 'sll' | 'srl' | 'sra', x: Operands): string => shiftVar(kind, x, x.imm);

/** The illegal-instruction trap of an FP instruction with FS off or an invalid dynamic rounding mode. */
const fpIllegal = (x: Operands): string => `h.pcLo=pl;h.pcHi=ph;h.fpIllegal(${x.raw});return 0;`;

const fsGuard = (x: Operands): string => `if(h.fs===0){${fpIllegal(x)}}`;

function load(ins: Insn, x: Operands): string {
  const op = ins.op;
  const kind = LOAD_KIND[op]!;
  const size = kind & Kind.SizeMask;
  let fast: string;
  const put = (lo: string, hi: string): string => `t=${lo};${x.DL}=t;${x.DH}=${hi};`;
  switch (op) {
    case 'lb': fast = put('i8[c]', 't>>31'); break;
    case 'lbu': fast = put('u8[c]', '0'); break;
    case 'lh': fast = put('i16[c>>1]', 't>>31'); break;
    case 'lhu': fast = put('u16[c>>1]', '0'); break;
    case 'lw': fast = put('i32[c>>2]', 't>>31'); break;
    case 'lwu': fast = put('i32[c>>2]', '0'); break;
    case 'ld': fast = `c>>=2;${x.DL}=i32[c];${x.DH}=i32[c+1];`; break;
    case 'flw': fast = `fw[${x.d}]=i32[c>>2];fw[${x.d1}]=-1;`; break;
    default: fast = `c>>=2;fw[${x.d}]=i32[c];fw[${x.d1}]=i32[c+1];`; break; // fld
  }
  const float = (kind & Kind.Float) !== 0;
  const guard = float ? fsGuard(x) : '';
  if (float) fast += 'h.fs=3;'; // (the slow path sets it itself)
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(rt[e]===(a&${-4096 | (size - 1)})&&rth[e]===b){c=(rb[e]+a)|0;${fast}}` +
    `else{${slowPath(`h.load(a,b,${kind},${x.rd},${x.len})`)}}`;
}

function store(op: string, x: Operands): string {
  const kind = STORE_KIND[op]!;
  const size = kind & Kind.SizeMask;
  const float = (kind & Kind.Float) !== 0;
  const vLo = float ? `fw[${x.s2}]` : x.L2;
  const vHi = float ? `fw[${x.s21}]` : x.H2;
  let fast: string;
  switch (size) {
    case 1: fast = `u8[c]=${vLo};`; break;
    case 2: fast = `u16[c>>1]=${vLo};`; break;
    case 4: fast = `i32[c>>2]=${vLo};`; break;
    default: fast = `c>>=2;i32[c]=${vLo};i32[c+1]=${vHi};`; break;
  }
  const guard = float ? fsGuard(x) : '';
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(wt[e]===(a&${-4096 | (size - 1)})&&wth[e]===b){c=(wb[e]+a)|0;${fast}}` +
    `else{${slowPath(`h.store(a,b,${kind},${vLo},${vHi},${x.len})`)}}`;
}
