/**
 * The interpreter: cold code runs here, so that code executed a few times (most of a kernel's boot) never pays for
 * a `new Function` of its own. Each operation has one handler, made from the same code template as translated
 * blocks (codegen.ts) with the instruction's fields as variables, and shared by every guest of the process.
 *
 * A handler runs one instruction with the block contract (`(h, r, pl, ph, max, d)` → instructions retired), where
 * `d` is the decoded instruction. A write to x0 lands in r[0..1]; callers clear them after each handler.
 */
import * as alu from './alu.js';
import * as fpu from './fpu.js';
import * as wide from './wide.js';
import { decodeInto, type Insn } from './decode.js';
import type { Hart } from './hart.js';
import { BRANCHES, endsBlock, handlerSource } from './codegen.js';
import { handlerKey, variableOperands, variablePrologue } from './operands.js';

export type Handler = (h: Hart, r: Int32Array, pl: number, ph: number, max: number, d: Insn) => number;

type HandlerFactory = (A: typeof alu, F: typeof fpu, W: typeof wide) => Handler;

const handlers = new Map<string, Handler>();

/** The handler for `ins` (made on first use). */
export function handlerFor(ins: Insn): Handler {
  const key = handlerKey(ins);
  let handler = handlers.get(key);
  if (handler === undefined) {
    const body = handlerSource(variableOperands(ins), ins);
    const memory = ACCESSES_MEMORY.test(body) ? 'const v=h.code.views,i8=v.i8,u8=v.u8,i16=v.i16,u16=v.u16,i32=v.i32;' : '';
    // Named after its key, so that profiles tell the operations apart.
    const name = key.replace(/[^a-z0-9]/gi, '_');
    const source = `'use strict';return function ${name}(h,r,pl,ph,max,d){${variablePrologue(body)}${memory}${body}\n};`;
    handler = (new Function('A', 'F', 'W', source) as HandlerFactory)(alu, fpu, wide);
    handlers.set(key, handler);
  }
  return handler;
}

const ACCESSES_MEMORY = /\b(i8|u8|i16|u16|i32)\[/;

/** What an instruction does to the flow of control, as the interpreter needs to know it. */
export const enum Flow {
  /** Falls through; its handler leaves pc to the caller (unless it traps or exits, returning 0). */
  Next = 0,
  /** A conditional branch: its handler sets pc, taken or not. */
  Branch = 1,
  /** A jump (jal, jalr): ends the block; its handler sets pc. */
  Jump = 2,
  /** A system instruction (CSR access, ecall, sret, wfi, fences, ...): ends the block; its handler sets pc. */
  End = 3,
  /** Not an instruction: ends the block before it (or is a block of its own, which traps). */
  Illegal = 4,
}

/** An instruction word decoded (its fields), with its handler. */
export interface Decoded extends Insn {
  readonly handler: Handler;
  readonly flow: Flow;
}

/** One object per word, fields and handler together: the interpreter reaches both through one pointer. */
class DecodedWord implements Decoded {
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
  handler: Handler = missing;
  flow: Flow = Flow.Illegal;
}

function missing(): number {
  throw new Error('interpret: no handler');
}

/**
 * Decoded instruction words, shared by every guest (a decoded instruction is immutable): an open-addressing hash
 * table keyed by the word, its keys in a typed array (a Map boxed half of the words as heap numbers and cost Linux's
 * boot more than the decoding itself). Real code repeats its words; the bound keeps a guest that writes random code
 * from growing it without end. Made on first use and grown as it fills, so a process that runs no guest pays nothing.
 */
const MAX_DECODED_WORDS = 1 << 18;
let wordKeys = new Int32Array(1);
let wordValues: (DecodedWord | undefined)[] = [undefined];
let wordMask = 0;
let wordCount = 0;

const slotOf = (raw: number, mask: number): number => {
  const h = Math.imul(raw ^ (raw >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 16)) & mask;
};

export function decodeWord(word: number): Decoded {
  const raw = word | 0;
  const keys = wordKeys, values = wordValues, mask = wordMask;
  for (let i = slotOf(raw, mask); ; i = (i + 1) & mask) {
    const d = values[i];
    if (d === undefined) break;
    if (keys[i] === raw) return d;
  }
  return decodeNew(raw);
}

function decodeNew(raw: number): Decoded {
  if (2 * (wordCount + 1) > wordKeys.length) {
    if (wordCount >= MAX_DECODED_WORDS) resizeWords(wordKeys.length, false);
    else resizeWords(Math.max(4096, 2 * wordKeys.length), true);
  }
  const d = new DecodedWord();
  decodeInto(raw, d);
  d.flow = d.op === 'illegal' ? Flow.Illegal : d.op === 'jal' || d.op === 'jalr' ? Flow.Jump
    : endsBlock(d) ? Flow.End : BRANCHES.has(d.op) ? Flow.Branch : Flow.Next;
  d.handler = handlerFor(d);
  const mask = wordMask;
  let i = slotOf(raw, mask);
  while (wordValues[i] !== undefined) i = (i + 1) & mask;
  wordKeys[i] = raw;
  wordValues[i] = d;
  wordCount++;
  return d;
}

/** A table of `size` slots, holding the words decoded so far if `keep` (else emptied). */
function resizeWords(size: number, keep: boolean): void {
  const oldKeys = wordKeys, oldValues = wordValues;
  wordKeys = new Int32Array(size);
  wordValues = new Array<DecodedWord | undefined>(size).fill(undefined);
  wordMask = size - 1;
  wordCount = 0;
  if (!keep) return;
  for (let j = 0; j < oldValues.length; j++) {
    const d = oldValues[j];
    if (d === undefined) continue;
    let i = slotOf(oldKeys[j]!, wordMask);
    while (wordValues[i] !== undefined) i = (i + 1) & wordMask;
    wordKeys[i] = oldKeys[j]!;
    wordValues[i] = d;
    wordCount++;
  }
}

/**
 * Run one instruction at virtual pc (ph:pl) and retire it: pc and icount are left as after it (or as the trap or
 * exit it took left them). Returns 1 if it retired.
 */
export function interpretOne(h: Hart, r: Int32Array, pl: number, ph: number, d: Decoded): number {
  const retired = d.handler(h, r, pl, ph, 1, d);
  r[0] = 0;
  r[1] = 0;
  if (retired === 0) return 0;
  h.icount += retired;
  if (d.flow === Flow.Next) {
    const next = (pl + d.len) | 0;
    h.pcLo = next;
    h.pcHi = (next >>> 0) < (pl >>> 0) ? (ph + 1) | 0 : ph;
  }
  return retired;
}

/**
 * Run the instructions of one block from virtual pc (ph:pl), adding what retires to `h.icount` as it goes. Stops
 * where the translated block would: after its last instruction, a taken branch, a trap or an exit. Returns 1 when
 * the block ended by falling through, branching or jumping (the next block may follow at once), 0 when it trapped,
 * exited or ran a system instruction (the dispatcher must look at the hart again).
 */
export function interpretBlock(h: Hart, r: Int32Array, pl: number, ph: number, block: readonly Decoded[]): number {
  const n = block.length;
  for (let k = 0; k < n; k++) {
    const d = block[k]!;
    const retired = d.handler(h, r, pl, ph, 1, d);
    r[0] = 0;
    r[1] = 0;
    if (retired === 0) return 0; // trapped or exited: pc is where that left it
    h.icount += retired;
    const flow = d.flow;
    if (flow >= Flow.End) return 0;
    const next = (pl + d.len) | 0;
    const nextHi = (next >>> 0) < (pl >>> 0) ? (ph + 1) | 0 : ph;
    if (flow !== Flow.Next && (flow === Flow.Jump || h.pcLo !== next || h.pcHi !== nextHi)) return 1;
    pl = next;
    ph = nextHi;
  }
  h.pcLo = pl;
  h.pcHi = ph;
  return 1;
}
