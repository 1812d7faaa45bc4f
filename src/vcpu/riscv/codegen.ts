/**
 * The one implementation of each instruction's semantics: a JavaScript code template per operation. Translated
 * blocks instantiate the templates with constant operands; interpreter handlers instantiate them once per operation
 * with variable operands (operands.ts). Both run with the same contract:
 *
 *   function (h, r, pl, ph, max[, d]) → instructions retired
 *
 * where (ph:pl) is the virtual pc of the first instruction, `r` the hart's register words (r[2i] low, r[2i+1] high)
 * and `max` the budget. Loads and stores are inlined against the hart's TLB; a miss, a misaligned access or MMIO
 * goes to the hart's slow path with pc and icount synchronised, and an exception or exit there ends the code early
 * with the exact retired count.
 */
import * as fpu from './fpu.js';
import type { Insn } from './decode.js';
import { Amo, Kind } from './kinds.js';
import { TLB_MASK } from './tlb.js';
import { constantOperands, ROUNDED, type Operands } from './operands.js';

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
/** Branches and jumps that can close a self-loop. */
const SELF_LOOPS = new Set(['jal', ...BRANCHES]);

const LOAD_KIND: Record<string, number> = {
  lb: 1, lh: 2, lw: 4, ld: 8, lbu: 1 | Kind.Unsigned, lhu: 2 | Kind.Unsigned, lwu: 4 | Kind.Unsigned,
  flw: 4 | Kind.Float, fld: 8 | Kind.Float,
};
const STORE_KIND: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8, fsw: 4 | Kind.Float, fsd: 8 | Kind.Float };
const AMO_OP: Record<string, number> = {
  lr: Amo.Lr, sc: Amo.Sc, amoswap: Amo.Swap, amoadd: Amo.Add, amoxor: Amo.Xor, amoand: Amo.And, amoor: Amo.Or,
  amomin: Amo.Min, amomax: Amo.Max, amominu: Amo.MinU, amomaxu: Amo.MaxU,
};
const CSR_FUNCT3: Record<string, number> = { csrrw: 1, csrrs: 2, csrrc: 3, csrrwi: 5, csrrsi: 6, csrrci: 7 };

/** Assign (t, u) to rd. */
const setTU = (x: Operands): string => (x.rdZero ? '' : `r[${x.d}]=t;r[${x.d1}]=u;`);

/**
 * The source of a block function: `insns` at byte `offsets` from the block start, which is at `offsetInPage` in its
 * page (< 0: unknown, a single step). A block whose last instruction branches back to its own start loops inside
 * the function while the budget `max` allows, so tight loops do not pay for dispatch on every iteration; `n` counts
 * the instructions its completed iterations retired.
 */
export function blockSource(insns: readonly Insn[], offsets: readonly number[], offsetInPage: number): string {
  const n = insns.length;
  const last = insns[n - 1]!;
  const loop = offsetInPage >= 0 && SELF_LOOPS.has(last.op) && offsets[n - 1]! + last.imm === 0;
  const code = instructionsSource(insns.map(constantOperands), insns, offsets, offsetInPage, loop);
  return `'use strict';return function block(h,r,pl,ph,max){${code}\n};`;
}

/**
 * The body of a function running `insns` (whose operands are `ops`), prologue included. Shared by blocks (constant
 * operands) and interpreter handlers (one instruction, variable operands, offset unknown). Without
 * `setsFallThroughPc`, code that ends by falling through leaves pc to its caller (who knows where it falls).
 */
export function instructionsSource(
  ops: readonly Operands[], insns: readonly Insn[], offsets: readonly number[], offsetInPage: number, loop: boolean,
  setsFallThroughPc = true,
): string {
  const body: string[] = [];
  let usesLoad = false, usesStore = false, usesFp = false;
  const n = insns.length;
  const last = insns[n - 1]!;
  const R = (j: number): string => (loop ? `n+${j}` : String(j));
  for (let k = 0; k < n; k++) {
    const ins = insns[k]!;
    const x = ops[k]!;
    const o = offsets[k]!;
    if (LOAD_KIND[ins.op] !== undefined) usesLoad = true;
    if (STORE_KIND[ins.op] !== undefined) usesStore = true;
    if (ins.op === 'flw' || ins.op === 'fld' || ins.op === 'fsw' || ins.op === 'fsd') usesFp = true;
    if (loop && k === n - 1) body.push(loopBack(ins, x, o, n, offsetInPage));
    else if (BRANCHES.has(ins.op) && k < n - 1) body.push(`if(${branchCondition(ins.op, x)}){${jumpTarget(o, x)}return ${R(k + 1)};}`);
    else body.push(emit(ins, x, o, k, offsetInPage, R));
  }
  if (!endsBlock(last) && !(loop || BRANCHES.has(last.op))) {
    body.push(`${setsFallThroughPc ? setPc(offsets[n - 1]! + last.len, offsetInPage) : ''}return ${n};`);
  }
  const prologue = ['let a=0,b=0,c=0,e=0,t=0,u=0;'];
  if (usesLoad || usesStore) prologue.push('const tb=h.tlbBank;');
  if (usesLoad) prologue.push('const rt=h.rtlb.tag,rth=h.rtlb.tagHi,rb=h.rtlb.base;');
  if (usesStore) prologue.push('const wt=h.wtlb.tag,wth=h.wtlb.tagHi,wb=h.wtlb.base;');
  if (usesFp) prologue.push('const fw=h.fw;');
  const code = loop ? `let n=0;for(;;){\n${body.join('\n')}\n}` : body.join('\n');
  return `${prologue.join('')}\n${code}`;
}

/** The last instruction of a self-looping block of `count` instructions: loop again while the budget allows. */
function loopBack(ins: Insn, x: Operands, o: number, count: number, offsetInPage: number): string {
  const again = `n+=${count};if(n+${count}<=max)continue;h.pcLo=pl;h.pcHi=ph;return n;`;
  if (ins.op === 'jal') return `${link(x, o, offsetInPage)}${again}`;
  return `if(${branchCondition(ins.op, x)}){${again}}${setPc(o + ins.len, offsetInPage)}return n+${count};`;
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

/** Expression for the low word of the pc at byte offset `o` in the block. */
const pcLo = (o: number): string => (o === 0 ? 'pl' : `((pl+${o})|0)`);

/** Whether pc + `end` (bytes from the block start) may carry into the high word: only at a page end. */
const mayCarry = (end: number, offsetInPage: number): boolean => offsetInPage < 0 || offsetInPage + end >= 4096;

/** Set h.pcLo/h.pcHi to the block-relative pc + `end`. */
function setPc(end: number, offsetInPage: number): string {
  if (!mayCarry(end, offsetInPage)) return `h.pcLo=${pcLo(end)};h.pcHi=ph;`;
  return `t=(pl+${end})|0;h.pcLo=t;h.pcHi=(ph+((t>>>0)<(pl>>>0)?1:0))|0;`;
}

/**
 * Leave the block at instruction k through a hart method returning what it retired. pc and icount are synchronised
 * first, so the method (and the runtime, on an exit) sees exact time and counters.
 */
const exitVia = (o: number, k: string, call: string): string => `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};return ${call};`;

/** Call a slow path that may trap or exit (returns false then) with pc and icount synchronised; continue if not. */
const slowPath = (o: number, k: string, call: string): string =>
  `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};if(!${call})return 0;h.icount-=${k};`;

/** Effective address of rs1 + imm into (a, b). */
function address(x: Operands): string {
  if (x.rs1Zero) return `a=${x.imm};b=${x.immHi};`;
  if (x.immZero) return `a=${x.L1};b=${x.H1};`;
  return `c=${x.L1};a=(c+${x.imm})|0;b=(${x.H1}+${x.immHi}+((a>>>0)<(c>>>0)?1:0))|0;`;
}

/** Set pc to pc(o) + imm (a taken branch or jump). */
function jumpTarget(o: number, x: Operands): string {
  return `a=${pcLo(o)};t=(a+${x.imm})|0;h.pcLo=t;h.pcHi=(ph+${x.immHi}+((t>>>0)<(a>>>0)?1:0))|0;`;
}

/** Write pc(o) + len to rd (the link register). */
function link(x: Operands, o: number, offsetInPage: number): string {
  if (x.rdZero) return '';
  if (!mayCarry(o + x.len, offsetInPage)) return `r[${x.d}]=${pcLo(o + x.len)};r[${x.d1}]=ph;`;
  return `c=(pl+${o + x.len})|0;r[${x.d}]=c;r[${x.d1}]=(ph+((c>>>0)<(pl>>>0)?1:0))|0;`;
}

/** One instruction at byte offset o, the k-th of its block; R(j) is the expression for "j retired". */
function emit(ins: Insn, x: Operands, o: number, k: number, offsetInPage: number, R: (j: number) => string): string {
  const op = ins.op;
  const { L1, H1, L2, H2, imm, immHi } = x;
  const w32 = (expr: string): string => (x.rdZero ? '' : `t=${expr};r[${x.d}]=t;r[${x.d1}]=t>>31;`);
  const call = (fn: string): string => (x.rdZero ? '' : `A.${fn}(r,${x.rd},${x.rs1},${x.rs2});`);
  const bool = (cond: string): string => (x.rdZero ? '' : `r[${x.d}]=(${cond})?1:0;r[${x.d1}]=0;`);

  switch (op) {
    case 'lui': return x.rdZero ? '' : `r[${x.d}]=${imm};r[${x.d1}]=${immHi};`;
    case 'auipc':
      return x.rdZero ? '' : `a=${pcLo(o)};t=(a+${imm})|0;u=(ph+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'addi':
      if (x.rdZero) return '';
      if (x.rs1Zero) return `r[${x.d}]=${imm};r[${x.d1}]=${immHi};`;
      if (x.immZero) return `t=${L1};u=${H1};${setTU(x)}`;
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'add':
      if (x.rdZero) return '';
      return `a=${L1};t=(a+${L2})|0;u=(${H1}+${H2}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'sub':
      if (x.rdZero) return '';
      return `a=${L1};b=${L2};t=(a-b)|0;u=(${H1}-${H2}-((a>>>0)<(b>>>0)?1:0))|0;${setTU(x)}`;
    case 'xori': case 'ori': case 'andi': {
      if (x.rdZero) return '';
      const o2 = op === 'xori' ? '^' : op === 'ori' ? '|' : '&';
      return `t=${L1}${o2}${imm};u=${H1}${o2}${immHi};${setTU(x)}`;
    }
    case 'xor': case 'or': case 'and': {
      if (x.rdZero) return '';
      const o2 = op === 'xor' ? '^' : op === 'or' ? '|' : '&';
      return `t=${L1}${o2}${L2};u=${H1}${o2}${H2};${setTU(x)}`;
    }
    case 'slti': return bool(slt(H1, L1, immHi, imm));
    case 'sltiu': return bool(sltu(H1, L1, immHi, imm));
    case 'slt': return bool(slt(H1, L1, H2, L2));
    case 'sltu': return bool(sltu(H1, L1, H2, L2));
    case 'slli': return x.rdZero ? '' : shiftImm('sll', x);
    case 'srli': return x.rdZero ? '' : shiftImm('srl', x);
    case 'srai': return x.rdZero ? '' : shiftImm('sra', x);
    case 'sll': case 'srl': case 'sra': return call(op);
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
    case 'mul': case 'mulh': case 'mulhsu': case 'mulhu': case 'div': case 'divu': case 'rem': case 'remu':
    case 'divw': case 'divuw': case 'remw': case 'remuw':
      return call(op);

    case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu': case 'flw': case 'fld':
      return load(op, x, o, R(k));
    case 'sb': case 'sh': case 'sw': case 'sd': case 'fsw': case 'fsd':
      return store(op, x, o, R(k));

    case 'jal': return `${link(x, o, offsetInPage)}${jumpTarget(o, x)}return ${R(k + 1)};`;
    case 'jalr':
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;` +
        `${link(x, o, offsetInPage)}h.pcLo=t&-2;h.pcHi=u;return ${R(k + 1)};`;
    case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
      return `if(${branchCondition(op, x)}){${jumpTarget(o, x)}}else{${setPc(o + x.len, offsetInPage)}}return ${R(k + 1)};`;

    case 'fence': return '';
    case 'fence.i': return `${setPc(o + x.len, offsetInPage)}return ${R(k + 1)};`;
    case 'ecall': return exitVia(o, R(k), 'h.ecall()');
    case 'ebreak': return exitVia(o, R(k), 'h.ebreak()');
    case 'sret': return exitVia(o, R(k), `h.sret(${x.raw})`);
    case 'wfi': return exitVia(o, R(k), `h.wfi(${x.raw})`);
    case 'sfence.vma': return exitVia(o, R(k), `h.sfenceVma(${x.raw},${x.rs1})`);
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci':
      if (isCsrRead(ins)) return slowPath(o, R(k), `h.csrRead(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.csr})`);
      return exitVia(o, R(k), `h.csr(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.rs1},${x.csr},${x.len})`);
    case 'illegal': return `h.pcLo=${pcLo(o)};h.pcHi=ph;h.illegal(${x.raw});return ${R(k)};`;
  }

  const dot = op.indexOf('.');
  if (dot > 0 && AMO_OP[op.slice(0, dot)] !== undefined) {
    const size = op.endsWith('.d') ? 8 : 4;
    return slowPath(o, R(k), `h.amo(${AMO_OP[op.slice(0, dot)]},${size},${x.rd},${x.rs1},${x.rs2})!==0`);
  }
  if (op.startsWith('f') && typeof (fpu as Record<string, unknown>)[op] === 'function') {
    const dynamic = ROUNDED.test(op) && x.rm === 7;
    const rm = ROUNDED.test(op) ? (dynamic ? 'h.frm' : String(x.rm)) : '0';
    const guard = dynamic ? 'h.fs===0||h.frm>4' : 'h.fs===0';
    return `if(${guard}){${exitVia(o, R(k), `h.fpIllegal(${x.raw})`)}}` +
      `F.${op}(h,${x.rd},${x.rs1},${x.rs2},${x.rs3},${rm});h.fs=3;`;
  }
  throw new Error(`translate: no template for ${op}`);
}

function shiftImm(kind: 'sll' | 'srl' | 'sra', x: Operands): string {
  const L = x.L1, H = x.H1, sh = x.shamt;
  let t: string, u: string;
  if (sh === 0) { t = L; u = H; }
  else if (kind === 'sll') {
    if (sh < 32) { t = `${L}<<${sh}`; u = `(${H}<<${sh})|(${L}>>>${32 - sh})`; }
    else { t = '0'; u = `${L}<<${sh - 32}`; }
  } else if (sh < 32) {
    t = `(${L}>>>${sh})|(${H}<<${32 - sh})`;
    u = kind === 'srl' ? `${H}>>>${sh}` : `${H}>>${sh}`;
  } else {
    t = kind === 'srl' ? `${H}>>>${sh - 32}` : `${H}>>${sh - 32}`;
    u = kind === 'srl' ? '0' : `${H}>>31`;
  }
  return `t=${t};u=${u};${setTU(x)}`;
}

function fsGuard(o: number, k: string, x: Operands): string {
  return `if(h.fs===0){${exitVia(o, k, `h.fpIllegal(${x.raw})`)}}`;
}

function load(op: string, x: Operands, o: number, k: string): string {
  const kind = LOAD_KIND[op]!;
  const size = kind & Kind.SizeMask;
  let fast: string;
  const put = (lo: string, hi: string): string => (x.rdZero ? '' : `t=${lo};r[${x.d}]=t;r[${x.d1}]=${hi};`);
  switch (op) {
    case 'lb': fast = put('i8[c]', 't>>31'); break;
    case 'lbu': fast = put('u8[c]', '0'); break;
    case 'lh': fast = put('i16[c>>1]', 't>>31'); break;
    case 'lhu': fast = put('u16[c>>1]', '0'); break;
    case 'lw': fast = put('i32[c>>2]', 't>>31'); break;
    case 'lwu': fast = put('i32[c>>2]', '0'); break;
    case 'ld': fast = x.rdZero ? '' : `c>>=2;r[${x.d}]=i32[c];r[${x.d1}]=i32[c+1];`; break;
    case 'flw': fast = `fw[${x.d}]=i32[c>>2];fw[${x.d1}]=-1;h.fs=3;`; break;
    default: fast = `c>>=2;fw[${x.d}]=i32[c];fw[${x.d1}]=i32[c+1];h.fs=3;`; break; // fld
  }
  const guard = kind & Kind.Float ? fsGuard(o, k, x) : '';
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(rt[e]===(a&${-4096 | (size - 1)})&&rth[e]===b){c=(rb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.load(a,b,${kind},${x.rd},${x.len})`)}}`;
}

function store(op: string, x: Operands, o: number, k: string): string {
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
  const guard = float ? fsGuard(o, k, x) : '';
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(wt[e]===(a&${-4096 | (size - 1)})&&wth[e]===b){c=(wb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.store(a,b,${kind},${vLo},${vHi},${x.len})`)}}`;
}
