/**
 * The interpreter: cold code runs here, so that code executed a few times (most of a kernel's boot) never pays for
 * a compilation of its own. Each operation has one handler, made from its code template (codegen.ts) with the
 * instruction's fields as variables, and shared by every guest of the process.
 *
 * A handler runs one instruction with the block contract (`(h, r, pl, ph, max, f, i)` → instructions retired), where
 * the instruction's fields are the FIELDS int32s of `f` from index `i` (operands.ts: Field, Packed). A block's instructions
 * lie one after another in its code cache's field pool, so the interpreter reads them in order from contiguous
 * memory: through one object per distinct word, shared by every block holding it, each instruction was a cache miss
 * (two fifths of the dispatcher's own time in Linux's boot, on the load of that object). A write to x0 lands in
 * r[0..1]; callers clear them after each handler.
 */
import * as alu from './alu.js';
import * as fpu from './fpu.js';
import * as wide from './wide.js';
import { decodeInto, type InsnFields } from './decode.js';
import type { Hart } from './hart.js';
import { BRANCHES, endsBlock, handlerSource } from './codegen.js';
import { Field, FIELDS, handlerKey, handlerVariant, Packed, variableOperands, variablePrologue } from './operands.js';

export type Handler = (h: Hart, r: Int32Array, pl: number, ph: number, max: number, f: Int32Array, i: number) => number;

type HandlerFactory = (A: typeof alu, F: typeof fpu, W: typeof wide) => Handler;

/**
 * Handlers by number + 1 (Packed.HandlerMask of a decoded instruction), and those numbers by operation and variant
 * (operands.ts handlerVariant: a number, where a key string per decoded word cost Linux's boot ~15 ms).
 */
const handlerList: Handler[] = [() => { throw new Error('interpret: no handler 0'); }];
const handlerIds = new Map<string, number[]>();

/** The number + 1 of the handler for `ins` (made on first use). */
function handlerFor(ins: InsnFields): number {
  let ids = handlerIds.get(ins.op);
  if (ids === undefined) handlerIds.set(ins.op, ids = []);
  const variant = handlerVariant(ins);
  let id = ids[variant];
  if (id === undefined) {
    const key = handlerKey(ins);
    const body = handlerSource(variableOperands(ins), ins);
    const memory = ACCESSES_MEMORY.test(body) ? 'const v=h.code.views,i8=v.i8,u8=v.u8,i16=v.i16,u16=v.u16,i32=v.i32;' : '';
    // Named after its key, so that profiles tell the operations apart.
    const name = key.replace(/[^a-z0-9]/gi, '_');
    const source = `'use strict';return function ${name}(h,r,pl,ph,max,f,i){${variablePrologue(body)}${memory}${body}\n};`;
    id = handlerList.length;
    if (id > Packed.HandlerMask) throw new Error('interpret: more handlers than Packed.HandlerMask holds');
    handlerList.push((new Function('A', 'F', 'W', source) as HandlerFactory)(alu, fpu, wide));
    ids[variant] = id;
  }
  return id;
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

/** From a Field.Packed: the instruction's flow of control, length in bytes, and whether it is a jal. */
export const flowOf = (packed: number): Flow => (packed >> Packed.FlowShift) & 7;
export const lengthOf = (packed: number): number => ((packed & Packed.Long) >> 12) + 2;
export const isJal = (packed: number): boolean => (packed & Packed.Jal) !== 0;

/**
 * Decoded instruction words, shared by every guest (a decoded instruction is immutable): an open-addressing hash
 * table of FIELDS int32s per slot, keyed by its Field.Raw (a Map boxed half of Linux's words as heap numbers, and an
 * object per word scattered them over the heap); a probe reads one slot, whose Field.Packed is never 0 when used.
 * Real code repeats its words; the bound keeps a guest that writes random code from growing it
 * without end. Made on first use and grown as it fills, so a process that runs no guest pays nothing.
 */
const MAX_DECODED_WORDS = 1 << 18;
/** The table's first size: Linux's boot decodes 59,000 words, which fill it half (its limit) without a rehash. */
const MIN_DECODED_SLOTS = 1 << 17;
let wordFields = new Int32Array(FIELDS);
let wordMask = 0;
let wordCount = 0;

const slotOf = (raw: number, mask: number): number => {
  const h = Math.imul(raw ^ (raw >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 16)) & mask;
};

/**
 * Decode an instruction word: the index of its fields in `decodedFields()`, valid until the next call (which may
 * move them).
 */
export function decodeWord(word: number): number {
  const raw = word | 0;
  const fields = wordFields, mask = wordMask;
  for (let i = slotOf(raw, mask); ; i = (i + 1) & mask) {
    const at = i * FIELDS;
    if (fields[at + Field.Packed] === 0) break;
    if (fields[at + Field.Raw] === raw) return at;
  }
  return decodeNew(raw);
}

/** The table `decodeWord` indexes. */
export const decodedFields = (): Int32Array => wordFields;

/** Where a word is decoded to (its fields, then read into the table). */
const scratch: InsnFields = { op: '', rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, rm: 0, csr: 0, len: 4, raw: 0 };

function decodeNew(raw: number): number {
  const slots = wordMask + 1;
  if (2 * (wordCount + 1) > slots) {
    if (wordCount >= MAX_DECODED_WORDS) resizeWords(slots, false);
    else resizeWords(Math.max(MIN_DECODED_SLOTS, 2 * slots), true);
  }
  const d = scratch;
  decodeInto(raw, d);
  const flow = d.op === 'illegal' ? Flow.Illegal : d.op === 'jal' || d.op === 'jalr' ? Flow.Jump
    : endsBlock(d) ? Flow.End : BRANCHES.has(d.op) ? Flow.Branch : Flow.Next;
  const handler = handlerFor(d);
  const mask = wordMask, fields = wordFields;
  let i = slotOf(raw, mask);
  while (fields[i * FIELDS + Field.Packed] !== 0) i = (i + 1) & mask;
  const at = i * FIELDS;
  fields[at + Field.Packed] = handler | (flow << Packed.FlowShift) | (d.len === 4 ? Packed.Long : 0) |
    (d.op === 'jal' ? Packed.Jal : 0) | (d.rd << Packed.RdShift) | (d.rs1 << Packed.Rs1Shift) | (d.rs2 << Packed.Rs2Shift);
  fields[at + Field.Imm] = d.imm;
  fields[at + Field.Raw] = d.raw;
  wordCount++;
  return at;
}

/** A table of `size` slots, holding the words decoded so far if `keep` (else emptied). */
function resizeWords(size: number, keep: boolean): void {
  const old = wordFields;
  wordFields = new Int32Array(size * FIELDS);
  wordMask = size - 1;
  wordCount = 0;
  if (!keep) return;
  for (let j = 0; j < old.length; j += FIELDS) {
    if (old[j + Field.Packed] === 0) continue;
    let i = slotOf(old[j + Field.Raw]!, wordMask);
    while (wordFields[i * FIELDS + Field.Packed] !== 0) i = (i + 1) & wordMask;
    for (let k = 0; k < FIELDS; k++) wordFields[i * FIELDS + k] = old[j + k]!;
    wordCount++;
  }
}

/**
 * Run one instruction at virtual pc (ph:pl), its fields at `f[i...]` (as `decodeWord` gives them), and retire it:
 * pc and icount are left as after it (or as the trap or exit it took left them). Returns 1 if it retired.
 */
export function interpretOne(h: Hart, r: Int32Array, pl: number, ph: number, i: number, f = wordFields): number {
  const packed = f[i + Field.Packed]!;
  const retired = handlerList[packed & Packed.HandlerMask]!(h, r, pl, ph, 1, f, i);
  r[0] = 0;
  r[1] = 0;
  if (retired === 0) return 0;
  h.icount += retired;
  if (flowOf(packed) === Flow.Next) {
    const next = (pl + lengthOf(packed)) | 0;
    h.pcLo = next;
    h.pcHi = (next >>> 0) < (pl >>> 0) ? (ph + 1) | 0 : ph;
  }
  return retired;
}

/**
 * Run the `n` instructions of one block, their fields at `f[i...]`, from virtual pc (ph:pl), adding what retires to
 * `h.icount` as it goes. Stops where the block's wasm function would: after its last instruction, a taken branch, a trap
 * or an exit. Returns 1 when the block ended by falling through, branching or jumping (the next block may follow at
 * once), 0 when it trapped, exited or ran a system instruction (the dispatcher must look at the hart again).
 */
export function interpretBlock(h: Hart, r: Int32Array, pl: number, ph: number, f: Int32Array, i: number, n: number): number {
  const handlers = handlerList;
  for (const end = i + n * FIELDS; i < end; i += FIELDS) {
    const packed = f[i + Field.Packed]!;
    const retired = handlers[packed & Packed.HandlerMask]!(h, r, pl, ph, 1, f, i);
    r[0] = 0;
    r[1] = 0;
    if (retired === 0) return 0; // trapped or exited: pc is where that left it
    h.icount += retired;
    const flow = flowOf(packed);
    if (flow >= Flow.End) return 0;
    const next = (pl + lengthOf(packed)) | 0;
    const nextHi = (next >>> 0) < (pl >>> 0) ? (ph + 1) | 0 : ph;
    if (flow !== Flow.Next && (flow === Flow.Jump || h.pcLo !== next || h.pcHi !== nextHi)) return 1;
    pl = next;
    ph = nextHi;
  }
  h.pcLo = pl;
  h.pcHi = ph;
  return 1;
}
