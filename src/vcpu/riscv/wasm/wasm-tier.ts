/**
 * The wasm tier of a code cache: blocks compiled to WebAssembly once they have run a few times.
 *
 * Why wasm: a JavaScript function made per block (the tier this one replaced) starts in V8's bytecode interpreter
 * and is fast only once V8 has optimised it after thousands of calls, so it paid only for the hottest code. A wasm
 * function is compiled to machine code at once (V8's Liftoff, about 10 µs for a block) and later optimised in the
 * background, with native 64-bit arithmetic; so warm code, not only hot code, leaves the interpreter.
 *
 * Warm blocks are compiled in batches, a module each, instantiated over the guest's memory (its RAM, then the harts'
 * areas: the registers, TLBs and jump caches the code uses). The imports are the hart's slow paths, called on the
 * hart that runs the block (`running`). One driver function calls blocks through a table, and goes from block to
 * block within a page by itself (jump-cache.ts).
 */
import { setFlagsFromString } from 'node:v8';
import type { Hart } from '../hart.js';
import { encodeModule, FunctionBody, Op, ValType, type FunctionType } from './encoder.js';
import { AREA_JUMPS, AREA_PC, AREA_XTLB, JUMP_ENTRIES, TLB_BASE, TLB_TAG_HI } from '../hart-area.js';
import { TLB_MASK } from '../tlb.js';
import { FOLD_SHIFT, KEY_TAG, N_BITS } from './jump-cache.js';
import { batchModule, BLOCK_TYPE, FP_OPS, MUL_HIGH, type BlockCode } from './block-wasm.js';
import * as alu from '../alu.js';
import * as fpu from '../fpu.js';
import type { FpOp } from '../fpu.js';

/**
 * Runs block `index` of the tier's table, then the blocks that follow it while the hart's jump cache has them and
 * they fit in `max`: run(index, area, pl, ph, max, tb, page, cross) → instructions retired, pc in the area; or 0 when
 * a block's slow path trapped or exited (it set pc and counted every instruction retired before it). `page` is the
 * backing offset of the page of (ph:pl); with `cross` 0 the driver stays in that page (a debugger's breakpoints are
 * checked at page changes); the other arguments are a block's (block-wasm.ts).
 */
export type WasmRun = (index: number, area: number, pl: number, ph: number, max: number, tb: number, page: number, cross: number) => number;

const I32 = ValType.I32;
const DRIVER_TYPE: FunctionType = { params: [I32, I32, I32, I32, I32, I32, I32, I32], results: [I32] };

/**
 * The driver's body: call the block, then look the next pc up in the jump cache (jump-cache.ts) and go on while it
 * is there and fits the budget: in the same page, or in another the hart's code TLB translates (as the code cache's
 * `run` does). Nothing the dispatcher checks between blocks changes without a trap, an exit or a system instruction
 * (translate.ts: `run`); a block's function stops before a system instruction, and the block at one is never in the
 * cache, so the chain ends there.
 */
function driverBody(): FunctionBody {
  const INDEX = 0, AREA = 1, PL = 2, PH = 3, MAX = 4, TB = 5, PAGE = 6, CROSS = 7;
  const f = new FunctionBody(8);
  const done = f.local(I32), retired = f.local(I32), npl = f.local(I32), key = f.local(I32), entry = f.local(I32), value = f.local(I32);
  const nph = f.local(I32), code = f.local(I32);
  const leaveWith = (result: number): void => {
    f.begin(Op.If);
    f.get(result).op(Op.Return);
    f.op(Op.End);
  };
  f.begin(Op.Loop);
  f.get(AREA).get(PL).get(PH).get(MAX).get(done).op(Op.I32Sub).get(TB).get(done).get(INDEX).callIndirect(0);
  // 0: a slow path trapped or exited, and counted the instructions of the earlier blocks too.
  f.tee(retired).op(Op.I32Eqz);
  leaveWith(retired);
  f.get(done).get(retired).op(Op.I32Add).set(done);
  // Another page (or the same page offset of another 4 GiB): its backing page from the code TLB, or the dispatcher's.
  f.get(AREA).mem(Op.I32Load, 2, AREA_PC).tee(npl).get(PL).op(Op.I32Xor).i32(-4096).op(Op.I32And);
  f.get(AREA).mem(Op.I32Load, 2, AREA_PC + 4).tee(nph).get(PH).op(Op.I32Ne).op(Op.I32Or);
  f.begin(Op.If);
  f.get(CROSS).op(Op.I32Eqz);
  leaveWith(done);
  f.get(npl).i32(12).op(Op.I32ShrU).i32(TLB_MASK).op(Op.I32And).get(TB).op(Op.I32Add).i32(2).op(Op.I32Shl).get(AREA).op(Op.I32Add).set(code);
  f.get(code).mem(Op.I32Load, 2, AREA_XTLB).get(npl).i32(-4096).op(Op.I32And).op(Op.I32Ne);
  f.get(code).mem(Op.I32Load, 2, AREA_XTLB + TLB_TAG_HI).get(nph).op(Op.I32Ne).op(Op.I32Or);
  leaveWith(done);
  f.get(code).mem(Op.I32Load, 2, AREA_XTLB + TLB_BASE).get(npl).i32(-4096).op(Op.I32And).op(Op.I32Add).set(PAGE);
  f.get(nph).set(PH);
  f.op(Op.End);
  // The entry of key = (page + offset in page) | KEY_TAG, at jumpSlot(key).
  f.get(PAGE).get(npl).i32(4095).op(Op.I32And).op(Op.I32Or).i32(KEY_TAG).op(Op.I32Or).tee(key);
  f.i32(1).op(Op.I32ShrU).get(key).i32(FOLD_SHIFT).op(Op.I32ShrU).op(Op.I32Xor).i32(JUMP_ENTRIES - 1).op(Op.I32And);
  f.i32(3).op(Op.I32Shl).get(AREA).op(Op.I32Add).tee(entry);
  f.mem(Op.I32Load, 2, AREA_JUMPS).get(key).op(Op.I32Ne);
  leaveWith(done);
  f.get(entry).mem(Op.I32Load, 2, AREA_JUMPS + 4).tee(value).i32((1 << N_BITS) - 1).op(Op.I32And);
  f.get(done).op(Op.I32Add).get(MAX).op(Op.I32GtS);
  leaveWith(done);
  f.get(value).i32(N_BITS).op(Op.I32ShrU).set(INDEX);
  f.get(npl).set(PL);
  f.br(Op.Br, 0);
  f.op(Op.End);
  f.i32(0);
  return f;
}

/**
 * V8 compiles a wasm module's functions lazily by default: each on its first call, on the calling thread, patching
 * the module's jump table, which write-protects code pages and back for every function. For the tier's many small
 * modules that cost more than compiling them all at once (measured on Linux's boot: 1.57-1.63 s -> 1.23-1.30 s
 * wall), so modules are compiled whole: V8 reads the flag when it compiles a module. Set by the first tier made.
 */
let eagerCompilation = false;

/**
 * Most block functions a tier holds. The table keeps every function it was given (and so its module) alive; once
 * full, the code cache drops every block and the tier starts again, as QEMU flushes its translation buffer.
 */
export const MAX_WASM_FUNCTIONS = 1 << 16;

export class WasmTier {
  /** The hart running wasm code now (the slow paths act on it). */
  running: Hart | undefined = undefined;
  /**
   * Run a block by its index. Every call from JavaScript goes through this one function: a call site that always
   * calls the same wasm function gets V8's inlined entry into wasm, where a call to each block's own export takes
   * V8's generic JS-to-wasm wrapper (measured: ~10% of Linux's boot).
   */
  readonly run: WasmRun;
  /** Most functions the tier holds (see `room`). */
  readonly capacity: number;
  /** The blocks' functions, by index (0: none). */
  private readonly table = new WebAssembly.Table({ element: 'anyfunc', initial: 1024 });
  private next = 1;
  /** Incremented each time the tier is cleared: a module built for blocks before that is not installed. */
  generation = 0;
  private readonly imports: WebAssembly.Imports;
  private readonly pages: number;
  /** The memory is a shared one (as the modules must declare it), and other threads use it (parallel mode). */
  private readonly shared: boolean;
  private readonly threads: boolean;

  constructor(readonly memory: WebAssembly.Memory, options: { readonly capacity?: number; readonly threads?: boolean } = {}) {
    this.capacity = options.capacity ?? MAX_WASM_FUNCTIONS;
    this.threads = options.threads ?? false;
    if (!eagerCompilation) {
      setFlagsFromString('--no-wasm-lazy-compilation');
      eagerCompilation = true;
    }
    this.pages = memory.buffer.byteLength / 65536;
    this.shared = memory.buffer instanceof SharedArrayBuffer;
    const load = (aLo: number, aHi: number, kind: number, rd: number, len: number, pcLo: number, pcHi: number, retired: number): number => {
      const h = this.running!;
      h.pcLo = pcLo; h.pcHi = pcHi;
      h.icount += retired;
      if (!h.load(aLo, aHi, kind, rd, len)) return 0;
      h.icount -= retired;
      return 1;
    };
    const store = (aLo: number, aHi: number, kind: number, vLo: number, vHi: number, len: number, pcLo: number, pcHi: number,
      retired: number): number => {
      const h = this.running!;
      h.pcLo = pcLo; h.pcHi = pcHi;
      h.icount += retired;
      if (!h.store(aLo, aHi, kind, vLo, vHi, len)) return 0;
      h.icount -= retired;
      return 1;
    };
    const fence = (): void => { this.running!.fence(); };
    const ops = FP_OPS.map((op) => (fpu as unknown as Record<string, FpOp>)[op]!);
    const fp = (index: number, rd: number, rs1: number, rs2: number, rs3: number, rm: number): void => {
      ops[index]!(this.running!, rd, rs1, rs2, rs3, rm);
    };
    const fpIllegal = (raw: number, pcLo: number, pcHi: number, retired: number): void => {
      const h = this.running!;
      h.pcLo = pcLo; h.pcHi = pcHi;
      h.icount += retired;
      h.fpIllegal(raw);
    };
    const amo = (op: number, size: number, rd: number, rs1: number, rs2: number, pcLo: number, pcHi: number, retired: number): number => {
      const h = this.running!;
      h.pcLo = pcLo; h.pcHi = pcHi;
      h.icount += retired;
      if (h.amo(op, size, rd, rs1, rs2) === 0) return 0;
      h.icount -= retired;
      return 1;
    };
    const csrRead = (raw: number, funct3: number, rd: number, csr: number, pcLo: number, pcHi: number, retired: number): number => {
      const h = this.running!;
      h.pcLo = pcLo; h.pcHi = pcHi;
      h.icount += retired;
      if (!h.csrRead(raw, funct3, rd, csr)) return 0;
      h.icount -= retired;
      return 1;
    };
    const high = MUL_HIGH.map((op) => (alu as unknown as Record<string, (x: Int32Array, rd: number, rs1: number, rs2: number) => void>)[op]!);
    const mulHigh = (which: number, rd: number, rs1: number, rs2: number): void => { high[which]!(this.running!.x, rd, rs1, rs2); };
    this.imports = { e: { m: memory, ld: load, st: store, fence, fp, fpIllegal, amo, csrRead, mulHigh } };
    const bytes = encodeModule({ memory: { pages: this.pages, shared: this.shared }, table: true, types: [BLOCK_TYPE], functions: [] },
      [{ name: 'run', type: DRIVER_TYPE, body: driverBody() }]);
    this.run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory, t: this.table } }).exports['run'] as WasmRun;
  }

  /** Whether `n` more functions fit (else `clear` first). */
  room(n: number): boolean {
    return this.next - 1 + n <= this.capacity;
  }

  /** Forget every function (their blocks are gone): the modules can be collected. */
  clear(): void {
    for (let i = 1; i < this.next; i++) this.table.set(i, null);
    this.next = 1;
    this.generation++;
  }

  /** What a module for this tier must be built for (batchModule's arguments besides the blocks). */
  get shape(): { readonly pages: number; readonly shared: boolean; readonly threads: boolean } {
    return { pages: this.pages, shared: this.shared, threads: this.threads };
  }

  /** Blocks as wasm functions, compiled here and now: their indices. */
  compile(blocks: readonly BlockCode[]): number[] {
    return this.install(new WebAssembly.Module(batchModule(blocks, this.pages, this.shared, this.threads)), blocks.length);
  }

  /** A module of `count` blocks built by batchModule for this tier's shape (here or on another thread): their indices. */
  install(module: WebAssembly.Module, count: number): number[] {
    const instance = new WebAssembly.Instance(module, this.imports);
    const indices: number[] = [];
    for (let k = 0; k < count; k++) {
      if (this.next === this.table.length) this.table.grow(this.table.length);
      this.table.set(this.next, instance.exports[`b${k}`]);
      indices.push(this.next++);
    }
    return indices;
  }
}
