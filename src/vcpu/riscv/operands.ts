/**
 * How one instruction's fields appear in an interpreter handler's code (codegen.ts). A handler serves every
 * instruction of one operation, so registers, immediate, raw bits and CSR number are variables read from the decoded
 * instruction (`f[i...]`, see Field), and a write to x0 lands in r[0..1], which the interpreter clears after each
 * instruction. Length and rounding mode shape the code, so a handler is made per value of those (see `handlerKey`),
 * and they stay constants.
 */
import type { Insn } from './decode.js';

export interface Operands {
  /** Register numbers, as passed to slow paths and helpers. */
  readonly rd: string;
  readonly rs1: string;
  readonly rs2: string;
  readonly rs3: string;
  /** Word indices in r/fw: rd's low and high word, rs2's (FP stores). */
  readonly d: string;
  readonly d1: string;
  readonly s2: string;
  readonly s21: string;
  /** rd's low and high word as assignment targets. */
  readonly DL: string;
  readonly DH: string;
  /** Source register words as expressions (`0` for a constant x0). */
  readonly L1: string;
  readonly H1: string;
  readonly L2: string;
  readonly H2: string;
  /** The immediate and its sign (the high word of its 64-bit extension). */
  readonly imm: string;
  readonly immHi: string;
  readonly raw: string;
  readonly csr: string;
  /** Always constants. */
  readonly len: number;
  readonly rm: number;
}

/**
 * How an interpreter handler finds a decoded instruction: FIELDS int32s from index `i` of the int32 array `f`
 * (interpret.ts writes them): a packed word (see Packed), the immediate and the raw bits, of which a CSR number
 * (bits 31:20) and rs3 (bits 31:27) are read. Twelve bytes an instruction: Linux's boot decodes 410,000 of them, and
 * first touching memory costs this host more than reading it.
 */
export const enum Field {
  Packed = 0,
  Imm = 1,
  Raw = 2,
}
export const FIELDS = 3;

/** Field.Packed: bit fields under 2^30 (a small integer for V8 wherever it goes), never 0. */
export const enum Packed {
  /** Bits 0-9: the handler's number + 1. */
  HandlerMask = 1023,
  /** Bits 10-12: the flow of control (interpret.ts Flow). */
  FlowShift = 10,
  /** Bit 13: 4 bytes long (else 2). */
  Long = 1 << 13,
  /** Bit 14: a jal. */
  Jal = 1 << 14,
  /** Bits 15-19, 20-24, 25-29: rd, rs1, rs2. */
  RdShift = 15,
  Rs1Shift = 20,
  Rs2Shift = 25,
}

/** The variables of `variableOperands`, each with its definition from the decoded instruction at `f[i...]`, in order. */
const VARIABLES: readonly (readonly [string, string])[] = [
  ['PK', `f[i+${Field.Packed}]`], ['RAW', `f[i+${Field.Raw}]`],
  ['RD', `(PK>>>${Packed.RdShift})&31`], ['RS1', `(PK>>>${Packed.Rs1Shift})&31`], ['RS2', `(PK>>>${Packed.Rs2Shift})&31`],
  ['RS3', 'RAW>>>27'], ['IMM', `f[i+${Field.Imm}]`], ['IMMH', 'IMM>>31'], ['CSR', 'RAW>>>20'],
  ['D', 'RD<<1'], ['D1', 'D+1'], ['S1', 'RS1<<1'], ['S2', 'RS2<<1'], ['S21', 'S2+1'],
];

/**
 * The declarations a handler whose code is `body` needs (those it uses, and what they are made from), so that an
 * operation reads only the fields it uses.
 */
export function variablePrologue(body: string): string {
  const needed = new Set<string>();
  const need = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const other of DEPENDS.get(name)!) need(other);
  };
  for (const [name, used] of USES) if (used.test(body)) need(name);
  const decls = VARIABLES.filter(([n]) => needed.has(n)).map(([n, def]) => `${n}=${def}`);
  return decls.length ? `const ${decls.join(',')};` : '';
}

/** A pattern finding each variable in code, and the variables each one's definition uses (made once). */
const USES: readonly (readonly [string, RegExp])[] = VARIABLES.map(([n]) => [n, new RegExp(`\\b${n}\\b`)]);
const DEPENDS = new Map(VARIABLES.map(([n, def]) => [n, USES.filter(([, used]) => used.test(def)).map(([other]) => other)]));

/** The fields of every instruction `key` stands for, as variables (an interpreter handler). */
export function variableOperands(like: Insn): Operands {
  return {
    rd: 'RD', rs1: 'RS1', rs2: 'RS2', rs3: 'RS3',
    d: 'D', d1: 'D1', s2: 'S2', s21: 'S21',
    DL: 'r[D]', DH: 'r[D1]',
    L1: 'r[S1]', H1: 'r[S1+1]', L2: 'r[S2]', H2: 'r[S21]',
    imm: 'IMM', immHi: 'IMMH',
    raw: 'RAW', csr: 'CSR',
    len: like.len, rm: like.rm,
  };
}

/** FP operations whose rm field is a rounding mode (7 = dynamic, from frm). */
export const ROUNDED = /^(fadd|fsub|fmul|fdiv|fsqrt|fmadd|fmsub|fnmsub|fnmadd|fcvt)_/;

/**
 * Instructions of one operation with the same variant share one interpreter handler: a small number for what shapes
 * its code besides the operation (length; a rounding mode; whether a CSR access writes). `handlerKey` names it.
 */
export function handlerVariant(ins: Insn): number {
  const long = ins.len === 4 ? 1 : 0;
  // A CSR access that writes nothing is a plain read (codegen's isCsrRead).
  if (ins.op.startsWith('csr')) return 2 * long + (ins.rs1 === 0 ? 0 : 1);
  if (ins.op.charCodeAt(0) === 102 /* f */ && ROUNDED.test(ins.op)) return 8 * long + ins.rm;
  return long;
}

/** The name of an instruction's handler: its operation and what its variant stands for. */
export function handlerKey(ins: Insn): string {
  if (ins.op.startsWith('csr')) return `${ins.op}/${ins.len}/${ins.rs1 === 0 ? 'read' : 'write'}`;
  if (ins.op.charCodeAt(0) === 102 /* f */ && ROUNDED.test(ins.op)) return `${ins.op}/${ins.len}/${ins.rm}`;
  return `${ins.op}/${ins.len}`;
}
