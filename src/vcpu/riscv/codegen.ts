/**
 * The one implementation of each instruction's semantics: a JavaScript code template per operation. Translated
 * blocks instantiate the templates with constant operands; interpreter handlers instantiate them once per operation
 * with variable operands (operands.ts). Both run with the same contract:
 *
 *   function (h, r, pl, ph, max[, f, i]) → instructions retired
 *
 * where (ph:pl) is the virtual pc of the first instruction, `r` the hart's register words (r[2i] low, r[2i+1] high)
 * and `max` the budget. Loads and stores are inlined against the hart's TLB; a miss, a misaligned access or MMIO
 * goes to the hart's slow path with pc and icount synchronised, and an exception or exit there ends the code early
 * with the exact retired count.
 *
 * A block keeps the registers it uses in locals (operands.ts): loaded on entry, written back on the way out. Every
 * exit but one goes through a single epilogue that writes back each register the block writes (an early exit writes
 * some back unchanged, which is cheaper than an epilogue per exit); the exception is a call that ends the block and
 * may read or write `r` itself (a CSR write, sfence.vma, ecall...), which writes them back before the call and
 * returns what it returns. A slow path that continues the block reloads the register it wrote.
 */
import * as fpu from './fpu.js';
import type { Insn } from './decode.js';
import { Amo, Kind } from './kinds.js';
import { TLB_MASK } from './tlb.js';
import { constantOperands, localHi, localLo, ROUNDED, type Operands } from './operands.js';

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
const setTU = (x: Operands): string => (x.rdZero ? '' : `${x.DL}=t;${x.DH}=u;`);

/** How code reaches registers beyond its operands, and how it leaves (see the file comment). */
interface Regs {
  /**
   * Leave, instruction `j` of the block next (`j` retired in this pass of the block), pc to be `to` bytes from the
   * block's pc (`pc`: the code setting it) or already set (`to` undefined).
   */
  exit(to: number | undefined, pc: string, j: number): string;
  /** Leave after a slow path trapped or exited: it set pc and counted what retired. */
  readonly fail: string;
  /** Write register i back to `r` before a call that reads it there. */
  sync(i: number): string;
  /** Re-read register i from `r` after a call that wrote it there. */
  reload(i: number): string;
  /** Write back every register the code writes: before a call that ends it and may read or write `r`. */
  readonly flush: string;
  /** After a store's slow path, which may have written code. */
  readonly stored: string;
}

/** Handlers work on `r` itself. */
const DIRECT: Regs = {
  exit: (_to, pc, j) => `${pc}return ${j};`, fail: 'return 0;', sync: () => '', reload: () => '', flush: '', stored: '',
};

/**
 * Placeholders, resolved once the whole block is generated and the registers it writes are known (`@` appears in no
 * template).
 */
const SYNC = (i: number): string => `@${i}@`;
const FLUSH = '@*@';
const PLACEHOLDER = /@(\d+|\*)@/g;

/**
 * Blocks keep registers in locals and leave through the epilogue after the block labelled `X`, which sets pc to `o`
 * bytes from the block's (unless `o` is NO_PC) and returns n + q retired. An exit only assigns constants: V8
 * deoptimises a function the first time it runs an operation it has no type feedback for, and exits are taken
 * rarely, while the epilogue runs on every one.
 */
const NO_PC = 0x40000000;
const CACHED: Regs = {
  exit: (to, _pc, j) => `{o=${to ?? NO_PC};q=${j};break X;}`,
  fail: `{o=${NO_PC};n=0;q=0;break X;}`,
  sync: (i) => (i === 0 ? '' : SYNC(i)),
  reload: (i) => (i === 0 ? '' : `${localLo(i)}=r[${2 * i}];${localHi(i)}=r[${2 * i + 1}];`),
  flush: FLUSH,
  stored: 'z=1;',
};

const writeBack = (i: number): string => `r[${2 * i}]=${localLo(i)};r[${2 * i + 1}]=${localHi(i)};`;

/** Registers named by a block's locals in `code`: all of them, and those assigned. */
function registersIn(code: string): { used: number[]; written: Set<number> } {
  const used = new Set<number>(), written = new Set<number>();
  for (const m of code.matchAll(/\bx(\d+)[lh]\b(=(?!=))?/g)) {
    used.add(Number(m[1]));
    if (m[2] !== undefined) written.add(Number(m[1]));
  }
  return { used: [...used].sort((p, q) => p - q), written };
}

/**
 * Wrap block code in its register prologue and epilogue, resolving the placeholders. `z` is set by a store that took
 * the slow path (it may have written code: a self-loop then stops before its next iteration).
 */
function withLocals(code: string): string {
  const { used, written } = registersIn(code);
  const all = [...written].sort((p, q) => p - q).map(writeBack).join('');
  const body = code.replace(PLACEHOLDER, (_m, i: string) =>
    i === '*' ? all : written.has(Number(i)) ? writeBack(Number(i)) : '');
  const locals = used.map((i) => `${localLo(i)}=r[${2 * i}],${localHi(i)}=r[${2 * i + 1}]`).join(',');
  const pc = `if(o!==${NO_PC}){t=(pl+o)|0;h.pcLo=t;h.pcHi=(ph+(o>>31)+((t>>>0)<(pl>>>0)?1:0))|0;}`;
  return `${locals ? `let ${locals};` : ''}let q=0,n=0,o=0,z=0;X:{\n${body}\n}${all}${pc}return n+q;`;
}

/**
 * The source of a block function: `insns` at byte `offsets` from the block start, which is at `offsetInPage` in its
 * page (< 0: unknown, a single step). A block whose last instruction branches or jumps back to its own start loops
 * inside the function while the budget `max` allows, its registers still in locals, so tight loops do not pay for
 * dispatch on every iteration; `n` counts the instructions its completed iterations retired.
 *
 * Measured and dropped: several blocks of a page in one function (a `switch` on the next block in a loop), all
 * those a hot block reaches or only the often-run ones of the loop it heads (up to 4), with exits that assign only
 * constants: V8 ran the guest bench 1.1-2x slower than with a call per block, though the calls fell from 8 to 1.8
 * million (hash and nbody lost most).
 */
export function blockSource(insns: readonly Insn[], offsets: readonly number[], offsetInPage: number): string {
  const count = insns.length;
  const loops = offsetInPage >= 0 &&
    insns.some((ins, k) => (BRANCHES.has(ins.op) || ins.op === 'jal') && offsets[k]! + ins.imm === 0);
  /** Continue at the block start if `to` is it, `retired` instructions retired so far. */
  const goto = (to: number, retired: string): string | undefined => {
    if (!loops || to !== 0) return undefined;
    return `n=${retired};if(n+${count}>max||z!==0)${CACHED.exit(0, '', 0)}continue L;`;
  };
  // Counts are constants outside loops: V8 deoptimises a function the first time it runs an operation it has no
  // type feedback for, and an exit path taken rarely (a branch out, a slow path) would carry an `n+k`.
  const R = (j: number): string => (loops ? `n+${j}` : String(j));
  const body = blockStatements(insns.map(constantOperands), insns, offsets, offsetInPage, R, CACHED, goto, true).join('\n');
  const code = body.includes('continue L;') ? `L:for(;;){\n${body}\n}` : body;
  return `'use strict';return function block(h,r,pl,ph,max){${prologue(insns)}\n${withLocals(code)}\n};`;
}

/**
 * The body of an interpreter handler running `ins` (whose operands are `x`: variables), prologue included. Code that
 * ends by falling through leaves pc to its caller (who knows where it falls).
 */
export function handlerSource(x: Operands, ins: Insn): string {
  const body = blockStatements([x], [ins], [0], -1, String, DIRECT, () => undefined, false);
  return `${prologue([ins])}\n${body.join('\n')}`;
}

/** Declarations the code of `insns` needs. */
function prologue(insns: readonly Insn[]): string {
  let usesLoad = false, usesStore = false, usesFp = false;
  for (const ins of insns) {
    if (LOAD_KIND[ins.op] !== undefined) usesLoad = true;
    if (STORE_KIND[ins.op] !== undefined) usesStore = true;
    if (ins.op === 'flw' || ins.op === 'fld' || ins.op === 'fsw' || ins.op === 'fsd') usesFp = true;
  }
  const out = ['let a=0,b=0,c=0,e=0,t=0,u=0;'];
  if (usesLoad || usesStore) out.push('const tb=h.tlbBank;');
  if (usesLoad) out.push('const rt=h.rtlb.tag,rth=h.rtlb.tagHi,rb=h.rtlb.base;');
  if (usesStore) out.push('const wt=h.wtlb.tag,wth=h.wtlb.tagHi,wb=h.wtlb.base;');
  if (usesFp) out.push('const fw=h.fw;');
  return out.join('');
}

/**
 * The statements running one block: `insns` (operands `ops`) at byte `offsets` from the pc `pl`. R(j) is the
 * expression for "j retired"; `goto` gives the code that goes on inside the function at a byte offset it can reach
 * (a self-loop's start), if any. Without `setsFallThroughPc`, code that ends by falling through leaves pc to its
 * caller.
 */
function blockStatements(
  ops: readonly Operands[], insns: readonly Insn[], offsets: readonly number[], offsetInPage: number,
  R: (j: number) => string, g: Regs, goto: (to: number, retired: string) => string | undefined, setsFallThroughPc: boolean,
): string[] {
  const body: string[] = [];
  const n = insns.length;
  const last = insns[n - 1]!;
  const fp: FpKnown = { enabled: false, dirty: false, frm: false };
  // A taken branch or a jal: to pc + imm.
  const taken = (ins: Insn, x: Operands, o: number, k: number): string =>
    goto(o + ins.imm, R(k + 1)) ?? g.exit(o + ins.imm, jumpTarget(o, x), k + 1);
  for (let k = 0; k < n; k++) {
    const ins = insns[k]!;
    const x = ops[k]!;
    const o = offsets[k]!;
    if (BRANCHES.has(ins.op)) body.push(`if(${branchCondition(ins.op, x)}){${taken(ins, x, o, k)}}`);
    else if (ins.op === 'jal') body.push(`${link(x, o, offsetInPage)}${taken(ins, x, o, k)}`);
    else body.push(emit(ins, x, o, k, offsetInPage, R, g, fp));
  }
  if (!endsBlock(last)) {
    // A branch not taken sets pc even in a handler: its caller tells taken from not taken by pc.
    const end = offsets[n - 1]! + last.len;
    const pc = setsFallThroughPc || BRANCHES.has(last.op) ? setPc(end, offsetInPage) : '';
    body.push(goto(end, R(n)) ?? g.exit(end, pc, n));
  }
  return body;
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
 * Leave the block at instruction k through a hart method returning what it retired. pc, icount and registers are
 * synchronised first, so the method (and the runtime, on an exit) sees exact time, counters and registers.
 */
const exitVia = (o: number, k: string, call: string, g: Regs): string =>
  `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};${g.flush}return ${call};`;

/**
 * Call a slow path that may trap or exit (returns false then) with pc and icount synchronised; continue if not. It
 * reads no register in `r` (callers sync those it does) and writes one only when it succeeds.
 */
const slowPath = (o: number, k: string, call: string, g: Regs): string =>
  `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};if(!(${call}))${g.fail}h.icount-=${k};`;

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
  if (!mayCarry(o + x.len, offsetInPage)) return `${x.DL}=${pcLo(o + x.len)};${x.DH}=ph;`;
  return `c=(pl+${o + x.len})|0;${x.DL}=c;${x.DH}=(ph+((c>>>0)<(pl>>>0)?1:0))|0;`;
}

/**
 * One instruction at byte offset o, the k-th of its block; R(j) is the expression for "j retired". Values written to
 * registers are int32 (`|0` where an operation could give more): in locals, nothing else wraps them.
 */
function emit(
  ins: Insn, x: Operands, o: number, k: number, offsetInPage: number, R: (j: number) => string, g: Regs, fp: FpKnown,
): string {
  const op = ins.op;
  const { L1, H1, L2, H2, imm, immHi } = x;
  const w32 = (expr: string): string => (x.rdZero ? '' : `t=${expr};${x.DL}=t;${x.DH}=t>>31;`);
  // alu.ts works on `r`: the operands go there first and the result comes back from there.
  const call = (fn: string): string =>
    (x.rdZero ? '' : `${g.sync(ins.rs1)}${g.sync(ins.rs2)}A.${fn}(r,${x.rd},${x.rs1},${x.rs2});${g.reload(ins.rd)}`);
  const bool = (cond: string): string => (x.rdZero ? '' : `${x.DL}=(${cond})?1:0;${x.DH}=0;`);

  switch (op) {
    case 'lui': return x.rdZero ? '' : `${x.DL}=${imm};${x.DH}=${immHi};`;
    case 'auipc':
      return x.rdZero ? '' : `a=${pcLo(o)};t=(a+${imm})|0;u=(ph+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;${setTU(x)}`;
    case 'addi':
      if (x.rdZero) return '';
      if (x.rs1Zero) return `${x.DL}=${imm};${x.DH}=${immHi};`;
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
    case 'sll': case 'srl': case 'sra': return x.rdZero ? '' : shiftVar(op, x);
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
      if (x.rdZero) return '';
      // The low 64 bits of the product: the cross terms add only to the high word.
      return `a=${L1};b=${L2};t=Math.imul(a,b);u=(W.mulhu32(a,b)+Math.imul(${H1},b)+Math.imul(a,${H2}))|0;${setTU(x)}`;
    case 'mulh': case 'mulhsu': case 'mulhu': case 'div': case 'divu': case 'rem': case 'remu':
    case 'divw': case 'divuw': case 'remw': case 'remuw':
      return call(op);

    case 'lb': case 'lh': case 'lw': case 'ld': case 'lbu': case 'lhu': case 'lwu': case 'flw': case 'fld':
      return load(ins, x, o, R(k), g, fp);
    case 'sb': case 'sh': case 'sw': case 'sd': case 'fsw': case 'fsd':
      return store(op, x, o, R(k), g, fp);

    case 'jalr':
      return `a=${L1};t=(a+${imm})|0;u=(${H1}+${immHi}+((t>>>0)<(a>>>0)?1:0))|0;` +
        `${link(x, o, offsetInPage)}h.pcLo=t&-2;h.pcHi=u;${g.exit(undefined, '', k + 1)}`;
    case 'fence': return 'h.fence();';
    case 'fence.i': return `h.code.fenceI();${g.exit(o + x.len, setPc(o + x.len, offsetInPage), k + 1)}`;
    case 'ecall': return exitVia(o, R(k), 'h.ecall()', g);
    case 'ebreak': return exitVia(o, R(k), 'h.ebreak()', g);
    case 'sret': return exitVia(o, R(k), `h.sret(${x.raw})`, g);
    case 'wfi': return exitVia(o, R(k), `h.wfi(${x.raw})`, g);
    case 'sfence.vma': return exitVia(o, R(k), `h.sfenceVma(${x.raw},${x.rs1})`, g);
    case 'csrrw': case 'csrrs': case 'csrrc': case 'csrrwi': case 'csrrsi': case 'csrrci':
      if (isCsrRead(ins)) {
        return `${slowPath(o, R(k), `h.csrRead(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.csr})`, g)}${g.reload(ins.rd)}`;
      }
      return exitVia(o, R(k), `h.csr(${x.raw},${CSR_FUNCT3[op]},${x.rd},${x.rs1},${x.csr},${x.len})`, g);
    case 'illegal': return `h.pcLo=${pcLo(o)};h.pcHi=ph;h.illegal(${x.raw});${g.exit(undefined, '', k)}`;
  }

  const dot = op.indexOf('.');
  if (dot > 0 && AMO_OP[op.slice(0, dot)] !== undefined) {
    const size = op.endsWith('.d') ? 8 : 4;
    const amo = `h.amo(${AMO_OP[op.slice(0, dot)]},${size},${x.rd},${x.rs1},${x.rs2})!==0`;
    return `${g.sync(ins.rs1)}${g.sync(ins.rs2)}${slowPath(o, R(k), amo, g)}${g.reload(ins.rd)}`;
  }
  if (op.startsWith('f') && typeof (fpu as Record<string, unknown>)[op] === 'function') {
    const dynamic = ROUNDED.test(op) && x.rm === 7;
    const rm = ROUNDED.test(op) ? (dynamic ? 'h.frm' : String(x.rm)) : '0';
    const tests = [...(fp.enabled ? [] : ['h.fs===0']), ...(dynamic && !fp.frm ? ['h.frm>4'] : [])];
    const guard = tests.length ? `if(${tests.join('||')}){${fpIllegal(o, R(k), x, g)}}` : '';
    const dirty = fp.dirty ? '' : 'h.fs=3;';
    fp.enabled = fp.dirty = true;
    if (dynamic) fp.frm = true;
    return `${guard}${FP_INT_SOURCE.test(op) ? g.sync(ins.rs1) : ''}F.${op}(h,${x.rd},${x.rs1},${x.rs2},${x.rs3},${rm});` +
      `${dirty}${FP_INT_DEST.test(op) ? g.reload(ins.rd) : ''}`;
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
 * slli, srli, srai. A handler shifts by its variable immediate (as sll, srl, sra do by a register), so that one
 * handler serves every amount: made per amount, they were two thirds of Linux's handlers (217 of 324), each a
 * function V8 compiled and warmed up on its own.
 */
function shiftImm(kind: 'sll' | 'srl' | 'sra', x: Operands): string {
  if (x.shamt === undefined) return shiftVar(kind, x, x.imm);
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
    t = kind === 'srl' ? `(${H}>>>${sh - 32})|0` : `${H}>>${sh - 32}`;
    u = kind === 'srl' ? '0' : `${H}>>31`;
  }
  return `t=${t};u=${u};${setTU(x)}`;
}

/**
 * What a block knows of the FP state at an instruction, from the FP instructions before it: FS is on (one passed its
 * test), FS is dirty (one wrote it), frm is valid (a dynamic-rounding one passed its test). Only a CSR write, which
 * ends a block, changes them; so each block tests and sets them once.
 */
interface FpKnown {
  enabled: boolean;
  dirty: boolean;
  frm: boolean;
}

/** The illegal-instruction trap of an FP instruction with FS off or an invalid dynamic rounding mode. */
const fpIllegal = (o: number, k: string, x: Operands, g: Regs): string =>
  `h.pcLo=${pcLo(o)};h.pcHi=ph;h.icount+=${k};h.fpIllegal(${x.raw});${g.fail}`;

function fsGuard(o: number, k: string, x: Operands, g: Regs, fp: FpKnown): string {
  if (fp.enabled) return '';
  fp.enabled = true;
  return `if(h.fs===0){${fpIllegal(o, k, x, g)}}`;
}

function load(ins: Insn, x: Operands, o: number, k: string, g: Regs, fp: FpKnown): string {
  const op = ins.op;
  const kind = LOAD_KIND[op]!;
  const size = kind & Kind.SizeMask;
  let fast: string;
  const put = (lo: string, hi: string): string => (x.rdZero ? '' : `t=${lo};${x.DL}=t;${x.DH}=${hi};`);
  switch (op) {
    case 'lb': fast = put('i8[c]', 't>>31'); break;
    case 'lbu': fast = put('u8[c]', '0'); break;
    case 'lh': fast = put('i16[c>>1]', 't>>31'); break;
    case 'lhu': fast = put('u16[c>>1]', '0'); break;
    case 'lw': fast = put('i32[c>>2]', 't>>31'); break;
    case 'lwu': fast = put('i32[c>>2]', '0'); break;
    case 'ld': fast = x.rdZero ? '' : `c>>=2;${x.DL}=i32[c];${x.DH}=i32[c+1];`; break;
    case 'flw': fast = `fw[${x.d}]=i32[c>>2];fw[${x.d1}]=-1;`; break;
    default: fast = `c>>=2;fw[${x.d}]=i32[c];fw[${x.d1}]=i32[c+1];`; break; // fld
  }
  const float = (kind & Kind.Float) !== 0;
  const guard = float ? fsGuard(o, k, x, g, fp) : '';
  if (float && !fp.dirty) {
    fast += 'h.fs=3;'; // (the slow path sets it itself)
    fp.dirty = true;
  }
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(rt[e]===(a&${-4096 | (size - 1)})&&rth[e]===b){c=(rb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.load(a,b,${kind},${x.rd},${x.len})`, g)}${float ? '' : g.reload(ins.rd)}}`;
}

function store(op: string, x: Operands, o: number, k: string, g: Regs, fp: FpKnown): string {
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
  const guard = float ? fsGuard(o, k, x, g, fp) : '';
  return `${guard}${address(x)}e=((a>>>12)&${TLB_MASK})+tb;` +
    `if(wt[e]===(a&${-4096 | (size - 1)})&&wth[e]===b){c=(wb[e]+a)|0;${fast}}` +
    `else{${slowPath(o, k, `h.store(a,b,${kind},${vLo},${vHi},${x.len})`, g)}${g.stored}}`;
}
