/**
 * The way of warm blocks to the wasm tier: they wait in batches (a module costs ~0.5 ms of its own, a function in it
 * ~15 µs), and a full batch is compiled on the compiler thread (background-compiler.ts) while the blocks stay
 * interpreted, or on this thread when there is none. A batch holding a block that has waited too long (a hot loop)
 * is compiled here at once: a hot loop waiting for the thread, which takes ~150 ms to start, made the benchmark guest
 * 40% slower.
 */
import type { WasmTier } from './wasm-tier.js';
import { blockCodes } from './block-wasm.js';
import { backgroundCompiler, type BackgroundCompiler } from './background-compiler.js';

/** What of a code cache's block the wasm tier's batches read and set (translate.ts: Block). */
export interface WarmBlock {
  /** Its decoded instructions: `n` runs of `stride` int32s from `start` in `fields`, the raw word at `raw`. */
  readonly fields: Int32Array;
  readonly start: number;
  readonly n: number;
  /** Its last instruction is a system one (which the tier does not translate). */
  readonly ends: boolean;
  /** Its function's index in the tier, once installed. */
  wasm: number;
}

/** Blocks a batch holds. */
const BATCH = 32;

interface Batch {
  readonly blocks: readonly WarmBlock[];
  readonly words: Int32Array;
  readonly counts: Int32Array;
  /** The tier's generation when it was made: installed only into the same one. */
  readonly generation: number;
}

export class WarmBlocks {
  private readonly warm: WarmBlock[] = [];
  private readonly counts: number[] = [];
  private words = 0;
  private compiler: BackgroundCompiler | undefined = undefined;
  /** The batches on the compiler thread now, by id. */
  private readonly compiling = new Map<number, Batch>();
  /** Blocks compiled so far, and of those on the compiler thread (statistics). */
  compiled = 0;
  compiledOnThread = 0;

  constructor(
    private readonly tier: WasmTier,
    /** Decoded instructions' layout: int32s per instruction, and the raw word's index among them. */
    private readonly stride: number,
    private readonly raw: number,
    /** Full batches go to the compiler thread (started with the first of them). */
    private readonly background: boolean,
    /** Drop every block of the code cache: the tier is full. */
    private readonly dropAll: () => void,
  ) {}

  /**
   * A block has become warm: the tier takes it, or the part before its last instruction if that is a system one (the
   * tier translates every instruction but those that end a block: wasmSupports; its function leaves with pc there).
   * A block of one such instruction stays interpreted. With `now`, compiled here at once.
   */
  add(block: WarmBlock, now: boolean): void {
    const count = block.ends ? block.n - 1 : block.n;
    if (count === 0) return;
    this.warm.push(block);
    this.counts.push(count);
    this.words += count;
    if (this.warm.length >= BATCH || now) this.flush(now);
  }

  /** Whether `block` waits for its batch to fill. */
  waiting(block: WarmBlock): boolean {
    return this.warm.includes(block);
  }

  /** Whether batches are on the compiler thread (`collect` installs them). */
  get pending(): boolean {
    return this.compiling.size !== 0;
  }

  /** Compile the waiting blocks: here if `now`, else on the compiler thread if there is one. */
  flush(now: boolean): void {
    const words = new Int32Array(this.words);
    let at = 0;
    this.warm.forEach((b, k) => {
      for (let i = 0; i < this.counts[k]!; i++) words[at++] = b.fields[b.start + i * this.stride + this.raw]!;
    });
    const batch: Batch = { blocks: this.warm.slice(), words, counts: Int32Array.from(this.counts), generation: this.tier.generation };
    this.warm.length = 0;
    this.counts.length = 0;
    this.words = 0;
    // (A short run, or one whose hot loops are few, never starts the thread.)
    if (this.background && !now && this.compiler === undefined) this.compiler = backgroundCompiler();
    const compiler = now ? undefined : this.compiler;
    if (compiler !== undefined && !compiler.failed) {
      this.compiling.set(compiler.submit({ words, counts: batch.counts, ...this.tier.shape }), batch);
    } else {
      this.install(batch, () => this.tier.compile(blockCodes(batch.words, batch.counts)));
    }
  }

  /**
   * Install the modules the compiler thread has finished (or, if it failed, compile its batches here). A batch made
   * before the tier was cleared is dropped (its blocks are gone); so is one that failed, whose blocks stay
   * interpreted.
   */
  collect(): void {
    const compiler = this.compiler!;
    if (compiler.failed) {
      for (const batch of this.compiling.values()) this.install(batch, () => this.tier.compile(blockCodes(batch.words, batch.counts)));
      this.compiling.clear();
      return;
    }
    for (const reply of compiler.take()) {
      const batch = this.compiling.get(reply.id);
      if (batch === undefined) continue;
      this.compiling.delete(reply.id);
      if ('module' in reply && this.install(batch, () => this.tier.install(reply.module, batch.blocks.length))) {
        this.compiledOnThread += batch.blocks.length;
      }
    }
  }

  /**
   * Give the batch's blocks the indices `compile` makes, after dropping every block if the tier is full. False if the
   * batch was made before the tier was cleared (its blocks are gone).
   */
  private install(batch: Batch, compile: () => number[]): boolean {
    if (batch.generation !== this.tier.generation) return false;
    if (!this.tier.room(batch.blocks.length)) {
      this.dropAll();
      this.tier.clear();
    }
    const indices = compile();
    batch.blocks.forEach((b, k) => { b.wasm = indices[k]!; });
    this.compiled += indices.length;
    return true;
  }
}
