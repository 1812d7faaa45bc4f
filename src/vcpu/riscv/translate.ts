/**
 * The code cache of one guest, shared by its harts: blocks by backing-store offset, in two tiers.
 *
 * A block is a run of instructions inside one 4 KiB page, ending at a control transfer, a system instruction or the
 * page end. It is decoded once, then interpreted (interpret.ts; cold blocks of one page chain into each other
 * without the dispatcher) until it has run `hotAfter` times; then it is translated into a JavaScript function
 * (`new Function` of its code templates, codegen.ts). Translation is what
 * costs on real guests: a new function starts in V8's bytecode interpreter and pays for every tier it climbs, so
 * only code that runs many times earns it back. Linux 6.1's boot to its shell decodes 27,000 blocks; translating
 * each on first use (51 MB of source) took 4x the time of interpreting them all.
 *
 * Both tiers instantiate the same template per instruction, so there is one implementation of each instruction's
 * semantics; both stop where the other would, so which tier runs a block is invisible to the guest.
 *
 * Register halves are r[2i] (low) and r[2i+1] (high); x0 reads as 0 (translated code never writes it).
 */
import * as alu from './alu.js';
import * as fpu from './fpu.js';
import * as wide from './wide.js';
import { decode, type Insn } from './decode.js';
import type { Hart } from './hart.js';
import { Exit } from './exit.js';
import { blockSource } from './codegen.js';
import { decodedFields, decodeWord, Flow, flowOf, interpretBlock, isJal, lengthOf } from './interpret.js';
import { Field, FIELDS } from './operands.js';
import { WasmTier } from './wasm/wasm-tier.js';
import { wasmSupports } from './wasm/block-wasm.js';
import { forgetPage, rememberJump } from './wasm/jump-cache.js';

/** A translated block: runs from virtual pc (ph:pl), at most `max` instructions; returns how many retired. */
export type BlockFn = (h: Hart, r: Int32Array, pl: number, ph: number, max: number) => number;

/**
 * A block: decoded, and translated once hot. One class for both tiers, so the dispatcher's accesses see one shape
 * and it calls the interpreter directly. Its decoded instructions are `n` runs of FIELDS int32s from `start` in
 * `fields`, a chunk of its code cache's field pool.
 */
export class Block {
  /** The translated function, once the block is hot. */
  fn: BlockFn | undefined = undefined;
  /**
   * The wasm tier's index of the block's function (0 until the block is warm and compiled, if it ever is). The
   * function may run only the block's first instructions, up to one the tier does not translate.
   */
  wasm = 0;
  /** The wasm tier has taken this block (it is compiled, or waits for its batch), or cannot translate it. */
  noWasm = false;
  /** Runs so far while interpreted. */
  runs = 0;

  constructor(
    readonly offsetInPage: number,
    readonly fields: Int32Array,
    /** Index of its first instruction's fields in `fields`. */
    readonly start: number,
    /** Instructions in the block; 0 means "no block here: single-step this instruction". */
    readonly n: number,
    /** Its last instruction ends the chain of blocks (a system instruction). */
    readonly ends: boolean,
    /** Runs before it is translated. */
    readonly hotAfter: number,
  ) {}
}

/** A block's instructions, decoded, and their byte offsets from its start. */
function instructionsOf(block: Block): { insns: Insn[]; offsets: number[] } {
  const insns: Insn[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (let k = 0; k < block.n; k++) {
    const ins = decode(block.fields[block.start + k * FIELDS + Field.Raw]!);
    insns.push(ins);
    offsets.push(off);
    off += ins.len;
  }
  return { insns, offsets };
}

/**
 * Runs of a block before the wasm tier takes it. Compiling a block costs about what interpreting it a few hundred
 * times does.
 */
export const DEFAULT_WASM_AFTER = 256;

/**
 * Warm blocks compiled together, in one wasm module; and how many times the wasm tier's threshold a block waits for
 * its batch before the batch is compiled as it is (a module costs ~0.5 ms: as much as interpreting ~25,000
 * instructions).
 */
const WASM_BATCH = 32;
const WASM_IMPATIENCE = 8;
/** Most instructions a wasm block runs in one call: wasm code counts them in int32 arithmetic. */
const WASM_MAX_BUDGET = 1 << 30;

/** Longest block, in instructions. */
const MAX_BLOCK = 64;

/**
 * Runs of a block before it is translated. V8 compiles a translated block to optimised code only after many calls,
 * and until then it runs slower than the interpreter's handlers, which every block shares and which are optimised
 * early; translation pays only for code that runs very often. Measured (Linux boot to its shell / the guest bench):
 * 1,024: 356 blocks translated, 3.6 s / 142 MIPS; 16,384: 14, 2.4 s / 151 MIPS; 65,536: 3, 1.7 s / 180 MIPS;
 * never: 0, 1.7 s / 79 MIPS.
 */
export const DEFAULT_HOT_AFTER = 65536;

/**
 * A block that branches back to its own start is translated this many times sooner. Its function runs the loop by
 * itself, so one call runs every iteration and V8 optimises it within that call (on-stack replacement), where other
 * blocks need thousands of calls; until then the interpreter ran each iteration as a run of the block. Measured
 * (threshold 65,536, alternating A/B runs, main-thread seconds): the guest bench 1.80 -> 1.67 s median (1.74 ->
 * 1.62 best), the same with 64; Linux boot 1.42 -> 1.41 s median (21 blocks translated instead of 3; with 64, 41
 * and its wall time grew), U-Boot unchanged; 2 VCPUs within the noise.
 */
const LOOP_HOT_FACTOR = 16;

const NO_BLOCK = new Block(0, new Int32Array(0), 0, 0, true, 2 ** 30);

/**
 * The field pool of a code cache: chunks of CHUNK int32s (1 MiB), the first made with the first block, a block's
 * fields inside one chunk. After MAX_CHUNKS (64 MiB), every block is dropped and it starts again (as QEMU flushes
 * its translation buffer). Linux's boot to its shell decodes 410,000 instructions into 13 MB.
 */
const CHUNK = 1 << 18;
const MAX_CHUNKS = 64;

type Factory = (
  A: typeof alu, F: typeof fpu, W: typeof wide,
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array,
) => BlockFn;

/** Typed views of guest memory, for translated code and handlers. */
export interface MemoryViews {
  readonly i8: Int8Array;
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
}

export interface CodeCacheOptions {
  /** Runs of a block before it is translated; 1 translates every block before its first run. */
  readonly hotAfter?: number;
  /**
   * The wasm tier (wasm/wasm-tier.ts), over the guest's WebAssembly memory: a block it translates runs as wasm after
   * `after` runs (1: from its first run) and is never translated to JavaScript. Every hart needs an area then.
   */
  readonly wasm?: { readonly memory: WebAssembly.Memory; readonly after?: number; readonly capacity?: number };
  /** Parallel mode: the code caches of other threads over the same memory (see CodeSharing). */
  readonly sharing?: CodeSharing;
}

/**
 * How the code caches of several threads over one shared guest memory keep each other right (parallel mode). A
 * page's word in `owners` holds a bit per thread with blocks on it, so every thread's harts take stores to any
 * thread's code pages the slow way; a store there drops the page everywhere: here at once, elsewhere by message.
 */
export interface CodeSharing {
  /** Per backing page: the bits of the threads holding blocks of it (a SharedArrayBuffer's view). */
  readonly owners: Int32Array;
  /** This thread's bit. */
  readonly bit: number;
  /** This thread is first to hold code on `page`: the others drop their write TLB entries for it. */
  firstCode(page: number): void;
  /** `page` is about to change: the threads in `others` drop their blocks of it. */
  stale(page: number, others: number): void;
}

/**
 * A page holding decoded code is never in any hart's write TLB, so every store to it takes the slow path, which
 * invalidates the page's blocks first.
 */
export class CodeCache {
  private readonly pages: (Array<Block | undefined> | undefined)[];
  /** Per backing page, non-zero when some hart's stores to it must drop blocks (CodeSharing.owners when shared). */
  private readonly codeFlags: Int32Array;
  readonly sharing: CodeSharing | undefined;
  private readonly harts: Hart[] = [];
  readonly views: MemoryViews;
  readonly hotAfter: number;
  /** The wasm tier, and the runs after which it takes a block (Infinity without it). */
  readonly wasm: WasmTier | undefined;
  readonly wasmAfter: number;
  /** Runs before a block that loops to its own start is translated (see LOOP_HOT_FACTOR). */
  readonly loopHotAfter: number;
  /** The hart of this guest that ran last (an LR reservation survives only while no other hart runs). */
  lastHart: Hart | undefined;
  /** Warm blocks waiting for their batch to be compiled by the wasm tier, and their code. */
  private readonly warm: Block[] = [];
  private readonly warmCode: { insns: Insn[]; offsets: number[] }[] = [];
  /** Blocks decoded, and blocks translated, so far (for statistics). */
  decoded = 0;
  translated = 0;
  /** The chunk of the field pool blocks are decoded into now, how much of it is used, and chunks made so far. */
  private chunk = new Int32Array(0);
  private chunkUsed = 0;
  private chunks = 0;

  constructor(memory: ArrayBuffer | SharedArrayBuffer, options: CodeCacheOptions = {}) {
    const pageCount = memory.byteLength >>> 12;
    this.pages = new Array(pageCount);
    this.sharing = options.sharing;
    this.codeFlags = options.sharing?.owners ?? new Int32Array(pageCount);
    this.views = {
      i8: new Int8Array(memory),
      u8: new Uint8Array(memory),
      i16: new Int16Array(memory, 0, memory.byteLength >>> 1),
      u16: new Uint16Array(memory, 0, memory.byteLength >>> 1),
      i32: new Int32Array(memory, 0, memory.byteLength >>> 2),
    };
    this.hotAfter = Math.max(1, Math.floor(options.hotAfter ?? DEFAULT_HOT_AFTER));
    this.wasm = options.wasm ? new WasmTier(options.wasm.memory, options.wasm.capacity) : undefined;
    this.wasmAfter = options.wasm ? Math.max(1, Math.floor(options.wasm.after ?? DEFAULT_WASM_AFTER)) : Infinity;
    this.loopHotAfter = Math.max(1, Math.ceil(this.hotAfter / LOOP_HOT_FACTOR));
  }

  attach(hart: Hart): void {
    if (this.wasm !== undefined && hart.areaPc === undefined) throw new Error('a hart of a code cache with the wasm tier needs an area');
    this.harts.push(hart);
  }

  isCode(page: number): boolean {
    return this.codeFlags[page] !== 0;
  }

  lookup(pageOffset: number, offsetInPage: number): Block | undefined {
    const blocks = this.pages[pageOffset >>> 12];
    return blocks === undefined ? undefined : blocks[offsetInPage >>> 1];
  }

  /** Drop every block of a backing page (its memory is about to change). */
  invalidatePage(page: number): void {
    this.dropBlocks(page);
    const sharing = this.sharing;
    if (sharing === undefined) { this.codeFlags[page] = 0; return; }
    const others = Atomics.exchange(this.codeFlags, page, 0) & ~sharing.bit;
    if (others !== 0) sharing.stale(page, others);
  }

  /** Parallel mode: another thread changed `page`: drop this thread's blocks of it (its bit is already clear). */
  dropPage(page: number): void {
    this.dropBlocks(page);
  }

  /** Forget the blocks of a backing page, here and in the harts' jump caches. */
  private dropBlocks(page: number): void {
    if (this.pages[page] === undefined) return;
    this.pages[page] = undefined;
    if (this.wasm !== undefined) for (const h of this.harts) forgetPage(h.jumps!, page << 12);
  }

  /** Parallel mode: another thread now holds code on `page`: no hart here may store to it through its TLB. */
  protectPage(page: number): void {
    for (const h of this.harts) h.wtlb.flushBackingPage(page);
  }

  /** Drop every block (parallel mode, when messages were lost, or RAM changed under every thread). */
  dropAll(): void {
    this.pages.fill(undefined);
    if (this.wasm !== undefined) for (const h of this.harts) h.jumps!.fill(0);
  }

  /** A FENCE.I: in parallel mode, pages other threads changed are dropped now (a no-op otherwise). */
  fenceI: () => void = () => {};

  /** Drop the blocks of every page overlapping [offset, offset + length): for writes that bypass the harts. */
  invalidateRange(offset: number, length: number): void {
    if (length <= 0) return;
    for (let p = offset >>> 12; p <= (offset + length - 1) >>> 12; p++) if (this.codeFlags[p] !== 0) this.invalidatePage(p);
  }

  /** The block starting at backing offset `pageOffset + offsetInPage`, decoded now (and translated if hot). */
  translate(pageOffset: number, offsetInPage: number): Block {
    const page = pageOffset >>> 12;
    const m = this.views.u8;
    if (this.chunkUsed + MAX_BLOCK * FIELDS > this.chunk.length) this.newChunk();
    const f = this.chunk;
    const start = this.chunkUsed;
    let at = start;
    let off = offsetInPage;
    let flow: Flow = Flow.Next;
    let jal = false;
    let imm = 0;
    while (at - start < MAX_BLOCK * FIELDS && off <= 4094) {
      const low = m[pageOffset + off]! | (m[pageOffset + off + 1]! << 8);
      let raw = low;
      if ((low & 3) === 3) {
        if (off > 4092) break; // straddles the page end: single-stepped
        raw = low | (m[pageOffset + off + 2]! << 16) | (m[pageOffset + off + 3]! << 24);
      }
      const w = decodeWord(raw);
      const words = decodedFields();
      const flowField = words[w + Field.Packed]!;
      if (flowOf(flowField) === Flow.Illegal && at > start) break;
      for (let k = 0; k < FIELDS; k++) f[at + k] = words[w + k]!;
      at += FIELDS;
      off += lengthOf(flowField);
      // The last instruction so far.
      flow = flowOf(flowField);
      jal = isJal(flowField);
      imm = words[w + Field.Imm]!;
      if (flow >= Flow.Jump) break;
      // A branch back to the block start closes a loop the block function runs by itself.
      if (flow === Flow.Branch && off - lengthOf(flowField) - offsetInPage + imm === 0) break;
    }
    this.chunkUsed = at;
    if (this.pages[page] === undefined) {
      const sharing = this.sharing;
      if (sharing === undefined) this.codeFlags[page] = 1;
      else if (Atomics.or(this.codeFlags, page, sharing.bit) === 0) sharing.firstCode(page);
      // Sized up front: an empty array written first at index > 1024 turns into a slow dictionary.
      this.pages[page] = new Array<Block | undefined>(2048);
      for (const h of this.harts) h.wtlb.flushBackingPage(page);
    }
    let block = NO_BLOCK;
    const n = (at - start) / FIELDS;
    if (n > 0) {
      const lastLength = lengthOf(f[at - FIELDS + Field.Packed]!);
      const loops = (flow === Flow.Branch || jal) && off - lastLength - offsetInPage + imm === 0;
      block = new Block(offsetInPage, f, start, n, flow >= Flow.End, loops ? this.loopHotAfter : this.hotAfter);
    }
    this.decoded++;
    this.pages[page]![offsetInPage >>> 1] = block;
    // In place first: compiling it may drop every block (a full wasm tier), this one too.
    if (n > 0 && this.wasmAfter <= 1) this.toWasm(block);
    if (n > 0 && block.wasm === 0 && this.hotAfter <= 1) this.promote(block);
    return block;
  }

  /**
   * Room for a block more in the field pool: a new chunk, after MAX_CHUNKS with no blocks (none of them runs again:
   * the dispatcher and `run` look blocks up again after a translation).
   */
  private newChunk(): void {
    if (this.chunks >= MAX_CHUNKS) {
      this.dropAll();
      this.chunks = 0;
    }
    this.chunk = new Int32Array(CHUNK);
    this.chunkUsed = 0;
    this.chunks++;
  }

  /** Translate a block that has become hot. */
  promote(block: Block): BlockFn {
    const { insns, offsets } = instructionsOf(block);
    const fn = this.compile(insns, offsets, block.offsetInPage);
    block.fn = fn;
    return fn;
  }

  /**
   * A block has become warm: the wasm tier takes it, or the part of it before the first instruction the tier does
   * not translate. It runs as before until its batch is full and compiled (at once when the tier takes blocks from
   * their first run: tests).
   */
  private toWasm(block: Block): void {
    block.noWasm = true;
    const code = instructionsOf(block);
    // Up to the first instruction the tier does not translate (a CSR write, a system instruction, an AMO...): the
    // wasm function ends there with pc at it, and the dispatcher goes on from there as after any block.
    const supported = code.insns.findIndex((ins) => !wasmSupports(ins));
    if (supported === 0) return;
    if (supported > 0) {
      code.insns.length = supported;
      code.offsets.length = supported;
    }
    this.warm.push(block);
    this.warmCode.push(code);
    if (this.warm.length >= WASM_BATCH || this.wasmAfter <= 1) this.compileWarm();
  }

  /** Compile the warm blocks waiting for their batch (after dropping every block if the tier is full). */
  private compileWarm(): void {
    const tier = this.wasm!;
    if (!tier.room(this.warm.length)) {
      this.dropAll();
      tier.clear();
    }
    const indices = tier.compile(this.warmCode);
    this.warm.forEach((b, k) => { b.wasm = indices[k]!; });
    this.warm.length = 0;
    this.warmCode.length = 0;
  }

  /**
   * Run `block`, which starts at virtual pc (ph:pl) in the page at backing offset `pageOffset`, in its tier
   * (interpreted while cold, translated once hot), then the blocks that follow it in the same page while they fit in
   * `max` instructions. A jump or branch within a page needs no new address translation, and nothing the dispatcher
   * checks between blocks (interrupts, timer, translation, privilege) changes without a system instruction, an exit
   * or a trap to another mode, which end the chain; so does a block that retired nothing (a trap loop is the
   * dispatcher's to see).
   */
  run(h: Hart, r: Int32Array, pl: number, ph: number, pageOffset: number, block: Block, max: number): void {
    const blocks = this.pages[pageOffset >>> 12];
    const mode = h.mode;
    const tier = this.wasm;
    if (tier !== undefined) tier.running = h;
    let done = 0;
    for (;;) {
      const before = h.icount;
      let more: boolean;
      if (block.fn === undefined && block.wasm === 0) {
        const runs = ++block.runs;
        if (runs >= this.wasmAfter) {
          if (!block.noWasm) this.toWasm(block);
          // A block waiting for its batch this long is hot: the batch is compiled as it is.
          else if (runs === WASM_IMPATIENCE * this.wasmAfter && this.warm.includes(block)) this.compileWarm();
        }
        if (block.wasm === 0 && runs >= block.hotAfter) this.promote(block);
      }
      const wasm = block.wasm, fn = block.fn;
      if (wasm !== 0) {
        // The budget as an int32 that counting up to it cannot overflow.
        const budget = max - done;
        // The driver may chain to this block from others of its page next time (never to one that ends in a system
        // instruction, of which it runs only the part before that).
        if (!block.ends) rememberJump(h.jumps!, pageOffset + (pl & 4095), wasm, block.n);
        const retired = tier!.run(wasm, h.areaOffset, pl, ph, budget < WASM_MAX_BUDGET ? budget : WASM_MAX_BUDGET, h.tlbBank, pageOffset);
        // 0: a slow path trapped or exited, left pc where it belongs and counted what retired.
        if (retired !== 0) {
          const pc = h.areaPc!;
          h.pcLo = pc[0]!;
          h.pcHi = pc[1]!;
        }
        h.icount += retired;
        more = h.exit === Exit.Budget && h.mode === mode && !block.ends;
      } else if (fn !== undefined) {
        // Read icount only after the call: a block that exits early advances it itself.
        const retired = fn(h, r, pl, ph, max - done);
        h.icount += retired;
        more = h.exit === Exit.Budget && h.mode === mode && !block.ends;
      } else {
        more = interpretBlock(h, r, pl, ph, block.fields, block.start, block.n) === 1;
      }
      const ran = h.icount - before;
      done += ran;
      if (!more || ran === 0) return;
      const npl = h.pcLo;
      // (Not when the page's blocks were dropped since, or before: a full wasm tier drops every block.)
      if (h.pcHi !== ph || ((npl ^ pl) & -4096) !== 0 || blocks === undefined || this.pages[pageOffset >>> 12] !== blocks) return;
      const next = blocks[(npl & 4095) >>> 1] ?? this.translate(pageOffset, npl & 4095);
      if (next.n === 0 || done + next.n > max) return;
      block = next;
      pl = npl;
    }
  }

  /** The translated form of a one-instruction block for `raw` (as a hot block would run it). */
  translateSingle(raw: number): BlockFn {
    return this.compile([decode(raw)], [0], -1);
  }

  private compile(insns: readonly Insn[], offsets: readonly number[], offsetInPage: number): BlockFn {
    const source = blockSource(insns, offsets, offsetInPage);
    const factory = new Function('A', 'F', 'W', 'i8', 'u8', 'i16', 'u16', 'i32', source) as Factory;
    this.translated++;
    const v = this.views;
    return factory(alu, fpu, wide, v.i8, v.u8, v.i16, v.u16, v.i32);
  }
}
