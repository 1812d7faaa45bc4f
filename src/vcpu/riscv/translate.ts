/**
 * Block translator: decoded RV64GC instructions → JavaScript functions (via `new Function`), cached per guest by
 * backing-store offset.
 *
 * A block is a run of instructions inside one 4 KiB page, ending at a control transfer, a system instruction or the
 * page end. Its function takes the virtual pc of its first instruction (pl, ph) and returns how many instructions
 * retired. Loads and stores are inlined against the hart's TLB; a miss, a misaligned access or MMIO leaves the
 * inline path for the hart's slow path with pc synchronised, and an exception or exit there ends the block early
 * with the exact retired count. Every instruction has exactly one code template, used both in blocks and for
 * single steps, so there is one implementation of each instruction's semantics.
 *
 * Register halves are r[2i] (low) and r[2i+1] (high); x0 reads as the constant 0 and is never written.
 */
import * as alu from './alu.js';
import * as fpu from './fpu.js';
import { decode, type Insn } from './decode.js';
import { Amo, Kind } from './kinds.js';
import type { Hart } from './hart.js';
import { TLB_MASK } from './tlb.js';

/** A translated block: runs from virtual pc (ph:pl), at most `max` instructions; returns how many retired. */
export type BlockFn = (h: Hart, r: Int32Array, pl: number, ph: number, max: number) => number;

export interface Block {
  readonly run: BlockFn;
  /** Instructions in the block; 0 means "no block here: single-step this instruction". */
  readonly n: number;
}

/** Longest block, in instructions. */
const MAX_BLOCK = 64;

const NO_BLOCK: Block = { run: () => 0, n: 0 };

type Factory = (
  A: typeof alu, F: typeof fpu,
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array,
) => BlockFn;

/**
 * Translated code of one guest's memory, shared by its harts. A page holding translated code is never in any
 * hart's write TLB, so every store to it takes the slow path, which invalidates the page's blocks first.
 */
export class CodeCache {
  private readonly pages: (Array<Block | undefined> | undefined)[];
  private readonly codeFlags: Uint8Array;
  private readonly singles = new Map<number, Block>();
  private readonly harts: Hart[] = [];
  private readonly i8: Int8Array;
  private readonly u8: Uint8Array;
  private readonly i16: Int16Array;
  private readonly u16: Uint16Array;
  private readonly i32: Int32Array;
  /** The hart of this guest that ran last (an LR reservation survives only while no other hart runs). */
  lastHart: Hart | undefined;
  /** Blocks translated so far (for statistics). */
  translated = 0;

  constructor(memory: ArrayBuffer) {
    const pageCount = memory.byteLength >>> 12;
    this.pages = new Array(pageCount);
    this.codeFlags = new Uint8Array(pageCount);
    this.i8 = new Int8Array(memory);
    this.u8 = new Uint8Array(memory);
    this.i16 = new Int16Array(memory, 0, memory.byteLength >>> 1);
    this.u16 = new Uint16Array(memory, 0, memory.byteLength >>> 1);
    this.i32 = new Int32Array(memory, 0, memory.byteLength >>> 2);
  }

  attach(hart: Hart): void {
    this.harts.push(hart);
  }

  isCode(page: number): boolean {
    return this.codeFlags[page] === 1;
  }

  lookup(pageOffset: number, offsetInPage: number): Block | undefined {
    const blocks = this.pages[pageOffset >>> 12];
    return blocks === undefined ? undefined : blocks[offsetInPage >>> 1];
  }

  /** Drop every block of a backing page (its memory is about to change). */
  invalidatePage(page: number): void {
    this.pages[page] = undefined;
    this.codeFlags[page] = 0;
  }

  /** Drop the blocks of every page overlapping [offset, offset + length): for writes that bypass the harts. */
  invalidateRange(offset: number, length: number): void {
    if (length <= 0) return;
    for (let p = offset >>> 12; p <= (offset + length - 1) >>> 12; p++) if (this.codeFlags[p]) this.invalidatePage(p);
  }

  /** Translate the block starting at backing offset `pageOffset + offsetInPage`. */
  translate(pageOffset: number, offsetInPage: number): Block {
    const page = pageOffset >>> 12;
    const m = this.u8;
    const insns: Insn[] = [];
    const offsets: number[] = [];
    let off = offsetInPage;
    while (insns.length < MAX_BLOCK && off <= 4094) {
      const low = m[pageOffset + off] | (m[pageOffset + off + 1] << 8);
      let raw = low;
      if ((low & 3) === 3) {
        if (off > 4092) break; // straddles the page end: single-stepped
        raw = low | (m[pageOffset + off + 2] << 16) | (m[pageOffset + off + 3] << 24);
      }
      const ins = decode(raw);
      if (ins.op === 'illegal' && insns.length > 0) break;
      insns.push(ins);
      offsets.push(off - offsetInPage);
      off += ins.len;
      if (TERMINATORS.has(ins.op)) break;
      // A branch back to the block start closes a loop the block function runs by itself.
      if (BRANCHES.has(ins.op) && offsets[offsets.length - 1] + ins.imm === 0) break;
    }
    const block = insns.length === 0 ? NO_BLOCK : this.compile(insns, offsets, offsetInPage);
    if (this.codeFlags[page] === 0) {
      this.codeFlags[page] = 1;
      this.pages[page] = [];
      for (const h of this.harts) h.wtlb.flushBackingPage(page);
    }
    this.pages[page]![offsetInPage >>> 1] = block;
    return block;
  }

  /** A one-instruction block for `raw`, independent of where it sits (for single steps). */
  single(raw: number): Block {
    let block = this.singles.get(raw);
    if (block === undefined) {
      block = this.compile([decode(raw)], [0], -1);
      this.singles.set(raw, block);
    }
    return block;
  }

  private compile(insns: readonly Insn[], offsets: readonly number[], offsetInPage: number): Block {
    const source = blockSource(insns, offsets, offsetInPage);
    const factory = new Function('A', 'F', 'i8', 'u8', 'i16', 'u16', 'i32', source) as Factory;
    this.translated++;
    return { run: factory(alu, fpu, this.i8, this.u8, this.i16, this.u16, this.i32), n: insns.length };
  }
}

/** Instructions that end a block. Conditional branches do not: a block continues on their fall-through path. */
const TERMINATORS = new Set([
  'jal', 'jalr',
  'ecall', 'ebreak', 'sret', 'wfi', 'sfence.vma', 'fence.i',
  'csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci', 'illegal',
]);

/** FP operations whose rm field is a rounding mode (7 = dynamic, from frm). */
const ROUNDED = /^(fadd|fsub|fmul|fdiv|fsqrt|fmadd|fmsub|fnmsub|fnmadd|fcvt)_/;

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

const lo = (i: number): string => (i === 0 ? '0' : `r[${2 * i}]`);
const hi = (i: number): string => (i === 0 ? '0' : `r[${2 * i + 1}]`);
/** Assign (t, u) to rd. */
const setTU = (rd: number): string => (rd === 0 ? '' : `r[${2 * rd}]=t;r[${2 * rd + 1}]=u;`);

/**
 * Emits the source of one block function. `offsetInPage` < 0 means unknown (a single step). A block whose last
 * instruction branches back to its own start loops inside the function while the budget `max` allows, so tight
 * loops do not pay for dispatch on every iteration; `n` counts the instructions its completed iterations retired.
 */
function blockSource(insns: readonly Insn[], offsets: readonly number[], offsetInPage: number): string {
  const body: string[] = [];
  let usesLoad = false, usesStore = false, usesFp = false;
  const n = insns.length;
  const last = insns[n - 1];
  const loop = offsetInPage >= 0 && SELF_LOOPS.has(last.op) && offsets[n - 1] + last.imm === 0;
  const R = (j: number): string => (loop ? `n+${j}` : String(j));
  for (let k = 0; k < n; k++) {
    const ins = insns[k];
    const o = offsets[k];
    if (LOAD_KIND[ins.op] !== undefined) usesLoad = true;
    if (STORE_KIND[ins.op] !== undefined) usesStore = true;
    if (ins.op === 'flw' || ins.op === 'fld' || ins.op === 'fsw' || ins.op === 'fsd') usesFp = true;
    if (loop && k === n - 1) body.push(loopBack(ins, o, n, offsetInPage));
    else if (BRANCHES.has(ins.op) && k < n - 1) body.push(`if(${branchCondition(ins)}){${jumpTarget(o, ins.imm)}return ${R(k + 1)};}`);
    else body.push(emit(ins, o, k, offsetInPage, R));
  }
  if (!TERMINATORS.has(last.op) && !(loop || BRANCHES.has(last.op))) {
    body.push(`${setPc(offsets[n - 1] + last.len, offsetInPage)}return ${n};`);
  }
  const prologue = ['let a=0,b=0,c=0,e=0,t=0,u=0;'];
  if (usesLoad || usesStore) prologue.push('const tb=h.tlbBank;');
  if (usesLoad) prologue.push('const rt=h.rtlb.tag,rth=h.rtlb.tagHi,rb=h.rtlb.base;');
  if (usesStore) prologue.push('const wt=h.wtlb.tag,wth=h.wtlb.tagHi,wb=h.wtlb.base;');
  if (usesFp) prologue.push('const fw=h.fw;');
  const code = loop ? `let n=0;for(;;){\n${body.join('\n')}\n}` : body.join('\n');
  return `'use strict';return function block(h,r,pl,ph,max){${prologue.join('')}\n${code}\n};`;
}

const BRANCHES = new Set(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']);
/** Branches and jumps that can close a self-loop. */
const SELF_LOOPS = new Set(['jal', ...BRANCHES]);

/** The last instruction of a self-looping block of `count` instructions: loop again while the budget allows. */
function loopBack(ins: Insn, o: number, count: number, offsetInPage: number): string {
  const again = `n+=${count};if(n+${count}<=max)continue;h.pcLo=pl;h.pcHi=ph;return n;`;
  if (ins.op === 'jal') return `${link(ins.rd, o, ins.len, offsetInPage)}${again}`;
  return `if(${branchCondition(ins)}){${again}}${setPc(o + ins.len, offsetInPage)}return n+${count};`;
}

function branchCondition(ins: Insn): string {
  const L1 = lo(ins.rs1), H1 = hi(ins.rs1), L2 = lo(ins.rs2), H2 = hi(ins.rs2);
  switch (ins.op) {
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

/** Leave the block at instruction k (pc synchronised) through a hart method returning the retired count. */
/**
 * Leave the block at instruction k through a hart method returning what it retired. pc and icount are synchronised
 * first, so the method (and the runtime, on an exit) sees exact time and counters.
 */
const exitVia = (o: number, k: string, call: string): string => `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};return ${call};`;

/** Call a slow path that may trap or exit (returns false then) with pc and icount synchronised; continue if not. */
const slowPath = (o: number, k: string, call: string): string =>
  `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};if(!${call})return 0;h.icount-=${k};`;

/** Effective address of rs1 + imm into (a, b). */
function address(rs1: number, imm: number): string {
  if (rs1 === 0) return `a=${imm};b=${imm >> 31};`;
  if (imm === 0) return `a=${lo(rs1)};b=${hi(rs1)};`;
  return `c=${lo(rs1)};a=(c+${imm})|0;b=(${hi(rs1)}+${imm >> 31}+((a>>>0)<(c>>>0)?1:0))|0;`;
}

/** Set pc to pc(o) + imm (a taken branch or jump). */
function jumpTarget(o: number, imm: number): string {
  return `a=${pcLo(o)};t=(a+${imm})|0;h.pcLo=t;h.pcHi=(ph+${imm >> 31}+((t>>>0)<(a>>>0)?1:0))|0;`;
}

/** Write pc(o) + len to rd (the link register). */
function link(rd: number, o: number, len: number, offsetInPage: number): string {
  if (rd === 0) return '';
  if (!mayCarry(o + len, offsetInPage)) return `r[${2 * rd}]=${pcLo(o + len)};r[${2 * rd + 1}]=ph;`;
  return `c=(pl+${o + len})|0;r[${2 * rd}]=c;r[${2 * rd + 1}]=(ph+((c>>>0)<(pl>>>0)?1:0))|0;`;
}

/** One instruction at byte offset o, the k-th of its block; R(j) is the expression for "j retired". */
function emit(ins: Insn, o: number, k: number, offsetInPage: number, R: (j: number) => string): string {
  const { op, rd, rs1, rs2, imm } = ins;
  const L1 = lo(rs1), H1 = hi(rs1), L2 = lo(rs2), H2 = hi(rs2);
  const immHi = imm >> 31;
  const w32 = (expr: string): string => (rd === 0 ? '' : `t=${expr};r[${2 * rd}]=t;r[${2 * rd + 1}]=t>>31;`);
  const call = (fn: string): string => (rd === 0 ? '' : `A.${fn}(r,${rd},${rs1},${rs2});`);
  const bool = (cond: string): string => (rd === 0 ? '' : `r[${2 * rd}]=(${cond})?1:0;r[${2 * rd + 1}]=0;`);

  switch (op) {
    case 'lui': return rd === 0 ? '' : `r[${2 * rd}]=${imm};r[${2 * rd + 1}]=${immHi};`;
    case 'auipc':
      return rd === 0 ? '' : `a=${pcLo(o)};t=(a+${imm})|0;u=(ph+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(rd)}`;
    case 'addi':
      if (rd === 0) return '';
      if (rs1 === 0) return `r[${2 * rd}]=${imm};r[${2 * rd + 1}]=${immHi};`;
      if (imm === 0) return `t=${L1};u=${H1};${setTU(rd)}`;
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(rd)}`;
    case 'add':
      if (rd === 0) return '';
      return `a=${L1};t=(a+${L2})|0;u=(${H1}+${H2}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(rd)}`;
    case 'sub':
      if (rd === 0) return '';
      return `a=${L1};b=${L2};t=(a-b)|0;u=(${H1}-${H2}-((a>>>0)<(b>>>0)?1:0))|0;${setTU(rd)}`;
    case 'xori': case 'ori': case 'andi': {
      if (rd === 0) return '';
      const o2 = op === 'xori' ? '^' : op === 'ori' ? '|' : '&';
      return `t=${L1}${o2}${imm};u=${H1}${o2}${immHi};${setTU(rd)}`;
    }
    case 'xor': case 'or': case 'and': {
      if (rd === 0) return '';
      const o2 = op === 'xor' ? '^' : op === 'or' ? '|' : '&';
      return `t=${L1}${o2}${L2};u=${H1}${o2}${H2};${setTU(rd)}`;
    }
    case 'slti': return bool(slt(H1, L1, String(immHi), String(imm)));
    case 'sltiu': return bool(sltu(H1, L1, String(immHi), String(imm)));
    case 'slt': return bool(slt(H1, L1, H2, L2));
    case 'sltu': return bool(sltu(H1, L1, H2, L2));
    case 'slli': return rd === 0 ? '' : shiftImm('sll', rd, rs1, imm);
    case 'srli': return rd === 0 ? '' : shiftImm('srl', rd, rs1, imm);
    case 'srai': return rd === 0 ? '' : shiftImm('sra', rd, rs1, imm);
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
      return load(ins, o, R(k));
    case 'sb': case 'sh': case 'sw': case 'sd': case 'fsw': case 'fsd':
      return store(ins, o, R(k));

    case 'jal': return `${link(rd, o, ins.len, offsetInPage)}${jumpTarget(o, imm)}return ${R(k + 1)};`;
    case 'jalr':
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;` +
        `${link(rd, o, ins.len, offsetInPage)}h.pcLo=t&-2;h.pcHi=u;return ${R(k + 1)};`;
    case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
      return `if(${branchCondition(ins)}){${jumpTarget(o, imm)}}else{${setPc(o + ins.len, offsetInPage)}}return ${R(k + 1)};`;

    case 'fence': return '';
    case 'fence.i': return `${setPc(o + ins.len, offsetInPage)}return ${R(k + 1)};`;
    case 'ecall': return exitVia(o, R(k), 'h.ecall()');
    case 'ebreak': return exitVia(o, R(k), 'h.ebreak()');
    case 'sret': return exitVia(o, R(k), `h.sret(${ins.raw})`);
    case 'wfi': return exitVia(o, R(k), `h.wfi(${ins.raw})`);
    case 'sfence.vma': return exitVia(o, R(k), `h.sfenceVma(${ins.raw},${rs1})`);
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci':
      return exitVia(o, R(k), `h.csr(${ins.raw},${CSR_FUNCT3[op]},${rd},${rs1},${ins.csr},${ins.len})`);
    case 'illegal': return `h.pcLo=${pcLo(o)};h.pcHi=ph;h.illegal(${ins.raw});return ${R(k)};`;
  }

  const dot = op.indexOf('.');
  if (dot > 0 && AMO_OP[op.slice(0, dot)] !== undefined) {
    const size = op.endsWith('.d') ? 8 : 4;
    return slowPath(o, R(k), `h.amo(${AMO_OP[op.slice(0, dot)]},${size},${rd},${rs1},${rs2})!==0`);
  }
  if (op.startsWith('f') && typeof (fpu as Record<string, unknown>)[op] === 'function') {
    const dynamic = ROUNDED.test(op) && ins.rm === 7;
    const rm = ROUNDED.test(op) ? (dynamic ? 'h.frm' : String(ins.rm)) : '0';
    const guard = dynamic ? 'h.fs===0||h.frm>4' : 'h.fs===0';
    return `if(${guard}){${exitVia(o, R(k), `h.fpIllegal(${ins.raw})`)}}` +
      `F.${op}(h,${rd},${rs1},${rs2},${ins.rs3},${rm});h.fs=3;`;
  }
  throw new Error(`translate: no template for ${op}`);
}

function shiftImm(kind: 'sll' | 'srl' | 'sra', rd: number, rs1: number, sh: number): string {
  const L = lo(rs1), H = hi(rs1);
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
  return `t=${t};u=${u};${setTU(rd)}`;
}

function fsGuard(o: number, k: string, raw: number): string {
  return `if(h.fs===0){${exitVia(o, k, `h.fpIllegal(${raw})`)}}`;
}

function load(ins: Insn, o: number, k: string): string {
  const kind = LOAD_KIND[ins.op];
  const size = kind & Kind.SizeMask;
  const rd = ins.rd;
  let fast: string;
  const x = (lo: string, hi: string): string => (rd === 0 ? '' : `t=${lo};r[${2 * rd}]=t;r[${2 * rd + 1}]=${hi};`);
  switch (ins.op) {
    case 'lb': fast = x('i8[c]', 't>>31'); break;
    case 'lbu': fast = x('u8[c]', '0'); break;
    case 'lh': fast = x('i16[c>>1]', 't>>31'); break;
    case 'lhu': fast = x('u16[c>>1]', '0'); break;
    case 'lw': fast = x('i32[c>>2]', 't>>31'); break;
    case 'lwu': fast = x('i32[c>>2]', '0'); break;
    case 'ld': fast = rd === 0 ? '' : `c>>=2;r[${2 * rd}]=i32[c];r[${2 * rd + 1}]=i32[c+1];`; break;
    case 'flw': fast = `fw[${2 * rd}]=i32[c>>2];fw[${2 * rd + 1}]=-1;h.fs=3;`; break;
    default: fast = `c>>=2;fw[${2 * rd}]=i32[c];fw[${2 * rd + 1}]=i32[c+1];h.fs=3;`; break; // fld
  }
  const guard = kind & Kind.Float ? fsGuard(o, k, ins.raw) : '';
  return `${guard}${address(ins.rs1, ins.imm)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(rt[e]===(a&${-4096 | (size - 1)})&&rth[e]===b){c=(rb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.load(a,b,${kind},${rd},${ins.len})`)}}`;
}

function store(ins: Insn, o: number, k: string): string {
  const kind = STORE_KIND[ins.op];
  const size = kind & Kind.SizeMask;
  const float = (kind & Kind.Float) !== 0;
  const vLo = float ? `fw[${2 * ins.rs2}]` : lo(ins.rs2);
  const vHi = float ? `fw[${2 * ins.rs2 + 1}]` : hi(ins.rs2);
  let fast: string;
  switch (size) {
    case 1: fast = `u8[c]=${vLo};`; break;
    case 2: fast = `u16[c>>1]=${vLo};`; break;
    case 4: fast = `i32[c>>2]=${vLo};`; break;
    default: fast = `c>>=2;i32[c]=${vLo};i32[c+1]=${vHi};`; break;
  }
  const guard = float ? fsGuard(o, k, ins.raw) : '';
  return `${guard}${address(ins.rs1, ins.imm)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(wt[e]===(a&${-4096 | (size - 1)})&&wth[e]===b){c=(wb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.store(a,b,${kind},${vLo},${vHi},${ins.len})`)}}`;
}
