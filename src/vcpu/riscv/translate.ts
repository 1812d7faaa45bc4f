/**
 * The code cache of one guest, shared by its harts: blocks by backing-store offset, in two tiers.
 *
 * A block is a run of instructions inside one 4 KiB page, ending at a control transfer, a system instruction or the
 * page end. It is decoded once and interpreted (interpret.ts: a handler per operation, made from codegen.ts's
 * templates; cold blocks of one page chain into each other without the dispatcher) until it has run `wasmAfter`
 * times; then the wasm tier compiles it (wasm/: in batches, a WebAssembly function a block), or the part of it before
 * a system instruction or CSR write, which stays interpreted. Compiling is what costs on real guests, so only code
 * that runs many times earns it: Linux 6.1's boot to its shell decodes 27,000 blocks, most of them run a few times.
 *
 * Both tiers stop where the other would, so which tier runs a block is invisible to the guest (tests run every guest
 * program in each, and random programs in both, against single steps).
 *
 * Register halves are r[2i] (low) and r[2i+1] (high); x0 reads as 0.
 */
import type { Hart } from './hart.js';
import { Exit } from './exit.js';
import { decodedFields, decodeWord, Flow, flowOf, interpretBlock, lengthOf } from './interpret.js';
import { Field, FIELDS } from './operands.js';
import { TLB_MASK } from './tlb.js';
import { WasmTier } from './wasm/wasm-tier.js';
import { WarmBlocks } from './wasm/warm-blocks.js';
import { forgetPage, rememberJump } from './wasm/jump-cache.js';

/**
 * A block: decoded, and compiled once warm. One class for both tiers, so the dispatcher's accesses see one shape
 * and it calls the interpreter directly. Its decoded instructions are `n` runs of FIELDS int32s from `start` in
 * `fields`, a chunk of its code cache's field pool.
 */
export class Block {
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
  ) {}
}

/**
 * Runs of a block before the wasm tier takes it. Compiling a block costs about what interpreting it a few hundred
 * times does.
 */
export const DEFAULT_WASM_AFTER = 256;

/**
 * How many times the wasm tier's threshold a block waits for its batch (wasm/warm-blocks.ts) before the batch is
 * compiled as it is (a module costs ~0.5 ms: as much as interpreting ~25,000 instructions).
 */
const WASM_IMPATIENCE = 8;
/** Most instructions a wasm block runs in one call: wasm code counts them in int32 arithmetic. */
const WASM_MAX_BUDGET = 1 << 30;

/** Longest block, in instructions. */
const MAX_BLOCK = 64;

const NO_BLOCK = new Block(0, new Int32Array(0), 0, 0, true);

/**
 * The field pool of a code cache: chunks of CHUNK int32s (1 MiB), the first made with the first block, a block's
 * fields inside one chunk. After MAX_CHUNKS (64 MiB), every block is dropped and it starts again (as QEMU flushes
 * its translation buffer). Linux's boot to its shell decodes 410,000 instructions into 13 MB.
 */
const CHUNK = 1 << 18;
const MAX_CHUNKS = 64;

/** Typed views of guest memory, for the interpreter's handlers. */
export interface MemoryViews {
  readonly i8: Int8Array;
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
}

export interface CodeCacheOptions {
  /**
   * The wasm tier (wasm/wasm-tier.ts), over the guest's WebAssembly memory: a block runs as wasm after `after` runs
   * (1: from its first run; default DEFAULT_WASM_AFTER). Every hart needs an area then. Without it, every block is
   * interpreted.
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
  /**
   * Per backing page with blocks: the id in `blocks` of the block at each halfword (0: none). Ids in an off-heap
   * Int32Array, not the blocks in an array of 2,048 per page: those arrays were 8.6 MB of young objects in Linux's
   * boot, each copied by two scavenges before it settled in the old generation.
   */
  private readonly pages: (Int32Array | undefined)[];
  /** Blocks by id (0: none), and ids free for reuse (their blocks were dropped). */
  private blocks: (Block | undefined)[] = [undefined];
  private freeIds: number[] = [];
  /** Per backing page, non-zero when some hart's stores to it must drop blocks (CodeSharing.owners when shared). */
  private readonly codeFlags: Int32Array;
  readonly sharing: CodeSharing | undefined;
  private readonly harts: Hart[] = [];
  readonly views: MemoryViews;
  /** The wasm tier, and the runs after which it takes a block (Infinity without it). */
  readonly wasm: WasmTier | undefined;
  readonly wasmAfter: number;
  /** The hart of this guest that ran last (an LR reservation survives only while no other hart runs). */
  lastHart: Hart | undefined;
  /** Warm blocks on their way to the wasm tier. */
  private readonly warm: WarmBlocks | undefined;
  /** Blocks decoded so far, and blocks other threads' caches compiled for this guest (parallel mode; statistics). */
  decoded = 0;
  compiledElsewhere = 0;
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
    this.wasm = options.wasm
      ? new WasmTier(options.wasm.memory, { capacity: options.wasm.capacity, threads: options.sharing !== undefined }) : undefined;
    this.wasmAfter = options.wasm ? Math.max(1, Math.floor(options.wasm.after ?? DEFAULT_WASM_AFTER)) : Infinity;
    // Parallel mode's threads, and blocks compiled before their first run (tests), compile on their own thread.
    this.warm = this.wasm === undefined ? undefined
      : new WarmBlocks(this.wasm, FIELDS, Field.Raw, this.wasmAfter > 1 && options.sharing === undefined, () => this.dropAll());
  }

  /** Blocks compiled by the wasm tier so far, and of those on the compiler thread (statistics). */
  get compiled(): number {
    return (this.warm?.compiled ?? 0) + this.compiledElsewhere;
  }
  get compiledOnThread(): number {
    return this.warm?.compiledOnThread ?? 0;
  }

  /** Entries of the block table, held or free: it grows with the blocks held at once, not with those ever decoded. */
  get blockTableSize(): number {
    return this.blocks.length;
  }

  attach(hart: Hart): void {
    if (this.wasm !== undefined && hart.areaPc === undefined) throw new Error('a hart of a code cache with the wasm tier needs an area');
    this.harts.push(hart);
  }

  isCode(page: number): boolean {
    return this.codeFlags[page] !== 0;
  }

  lookup(pageOffset: number, offsetInPage: number): Block | undefined {
    const ids = this.pages[pageOffset >>> 12];
    if (ids === undefined) return undefined;
    const id = ids[offsetInPage >>> 1]!;
    return id === 0 ? undefined : this.blocks[id];
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
    const ids = this.pages[page];
    if (ids === undefined) return;
    this.pages[page] = undefined;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (id === 0) continue;
      this.blocks[id] = undefined;
      this.freeIds.push(id);
    }
    if (this.wasm !== undefined) for (const h of this.harts) forgetPage(h.jumps!, page << 12);
  }

  /** Parallel mode: another thread now holds code on `page`: no hart here may store to it through its TLB. */
  protectPage(page: number): void {
    for (const h of this.harts) h.wtlb.flushBackingPage(page);
  }

  /** Drop every block (parallel mode, when messages were lost, or RAM changed under every thread). */
  dropAll(): void {
    this.pages.fill(undefined);
    this.blocks = [undefined];
    this.freeIds = [];
    if (this.wasm !== undefined) for (const h of this.harts) h.jumps!.fill(0);
  }

  /** A FENCE.I: in parallel mode, pages other threads changed are dropped now (a no-op otherwise). */
  fenceI: () => void = () => {};

  /** Drop the blocks of every page overlapping [offset, offset + length): for writes that bypass the harts. */
  invalidateRange(offset: number, length: number): void {
    if (length <= 0) return;
    for (let p = offset >>> 12; p <= (offset + length - 1) >>> 12; p++) if (this.codeFlags[p] !== 0) this.invalidatePage(p);
  }

  /** The block starting at backing offset `pageOffset + offsetInPage`, decoded now. */
  translate(pageOffset: number, offsetInPage: number): Block {
    const page = pageOffset >>> 12;
    const m = this.views.u8;
    if (this.chunkUsed + MAX_BLOCK * FIELDS > this.chunk.length) this.newChunk();
    const f = this.chunk;
    const start = this.chunkUsed;
    let at = start;
    let off = offsetInPage;
    let flow: Flow = Flow.Next;
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
      if (flow >= Flow.Jump) break;
      // A branch back to the block start closes a loop the wasm function runs by itself.
      if (flow === Flow.Branch && off - lengthOf(flowField) - offsetInPage + words[w + Field.Imm]! === 0) break;
    }
    this.chunkUsed = at;
    if (this.pages[page] === undefined) {
      const sharing = this.sharing;
      if (sharing === undefined) this.codeFlags[page] = 1;
      else if (Atomics.or(this.codeFlags, page, sharing.bit) === 0) sharing.firstCode(page);
      this.pages[page] = new Int32Array(2048);
      for (const h of this.harts) h.wtlb.flushBackingPage(page);
    }
    let block = NO_BLOCK;
    const n = (at - start) / FIELDS;
    if (n > 0) block = new Block(offsetInPage, f, start, n, flow >= Flow.End);
    this.decoded++;
    const ids = this.pages[page]!;
    // (A block decoded again in place keeps its id.)
    const id = ids[offsetInPage >>> 1] || (this.freeIds.pop() ?? this.blocks.length);
    this.blocks[id] = block;
    ids[offsetInPage >>> 1] = id;
    // In place first: compiling it may drop every block (a full wasm tier), this one too.
    if (n > 0 && this.wasmAfter <= 1) this.toWasm(block);
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

  /** A block has become warm: the wasm tier takes it (at once when it takes blocks from their first run: tests). */
  private toWasm(block: Block): void {
    block.noWasm = true;
    this.warm!.add(block, this.wasmAfter <= 1);
  }

  /**
   * Run `block`, which starts at virtual pc (ph:pl) in the page at backing offset `pageOffset`, in its tier
   * (interpreted while cold, wasm once warm), then the blocks that follow it while they fit in `max` instructions:
   * in the same page, or in another the hart's code TLB translates. Nothing else the dispatcher checks between blocks
   * (interrupts, timer, translation, privilege) changes without a system instruction, an exit or a trap to another
   * mode, which end the chain; so does a block that retired nothing (a trap loop is the dispatcher's to see). Linux's
   * boot left the chain at a page change 585,000 times, five in six of its returns to the dispatcher.
   */
  run(h: Hart, r: Int32Array, pl: number, ph: number, pageOffset: number, block: Block, max: number): void {
    let ids = this.pages[pageOffset >>> 12];
    const mode = h.mode;
    const tier = this.wasm;
    if (tier !== undefined) {
      tier.running = h;
      if (this.warm!.pending) this.warm!.collect();
    }
    let done = 0;
    for (;;) {
      const before = h.icount;
      let more: boolean;
      if (block.wasm === 0) {
        const runs = ++block.runs;
        if (runs >= this.wasmAfter) {
          if (!block.noWasm) this.toWasm(block);
          // A block waiting for its batch this long is hot: the batch is compiled as it is.
          else if (runs === WASM_IMPATIENCE * this.wasmAfter && this.warm!.waiting(block)) this.warm!.flush(true);
        }
      }
      const wasm = block.wasm;
      if (wasm !== 0) {
        // The budget as an int32 that counting up to it cannot overflow.
        const budget = max - done;
        // The driver may chain to this block next time. (Of a block ending in a system instruction it runs the part
        // before that, and stops there: no block at a system instruction is ever in the jump cache.)
        rememberJump(h.jumps!, pageOffset + (pl & 4095), wasm, block.n);
        const retired = tier!.run(wasm, h.areaOffset, pl, ph, budget < WASM_MAX_BUDGET ? budget : WASM_MAX_BUDGET, h.tlbBank, pageOffset,
          h.debug === undefined ? 1 : 0);
        // 0: a slow path trapped or exited, left pc where it belongs and counted what retired.
        if (retired !== 0) {
          const pc = h.areaPc!;
          h.pcLo = pc[0]!;
          h.pcHi = pc[1]!;
        }
        h.icount += retired;
        more = h.exit === Exit.Budget && h.mode === mode && !block.ends;
      } else {
        more = interpretBlock(h, r, pl, ph, block.fields, block.start, block.n) === 1;
      }
      const ran = h.icount - before;
      done += ran;
      if (!more || ran === 0) return;
      const npl = h.pcLo, nph = h.pcHi;
      if (nph !== ph || ((npl ^ pl) & -4096) !== 0) {
        // Another page: its translation from the hart's code TLB, as the dispatcher takes it. A miss (a page walk, a
        // fault) and a debugger's breakpoints are the dispatcher's.
        const e = ((npl >>> 12) & TLB_MASK) + h.tlbBank;
        const xt = h.xtlb;
        if (xt.tag[e] !== (npl & -4096) || xt.tagHi[e] !== nph || h.debug !== undefined) return;
        pageOffset = (xt.base[e]! + (npl & -4096)) | 0;
        ids = this.pages[pageOffset >>> 12];
        ph = nph;
      } else if (ids === undefined || this.pages[pageOffset >>> 12] !== ids) {
        // The page's blocks were dropped since (or before: a full wasm tier drops every block).
        return;
      }
      const id = ids === undefined ? 0 : ids[(npl & 4095) >>> 1]!;
      let next = id === 0 ? undefined : this.blocks[id];
      if (next === undefined) {
        next = this.translate(pageOffset, npl & 4095);
        ids = this.pages[pageOffset >>> 12];
      }
      if (next.n === 0 || done + next.n > max) return;
      block = next;
      pl = npl;
    }
  }
}
