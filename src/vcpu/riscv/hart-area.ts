/**
 * The hart state the wasm tier's code reads and writes, laid out in the guest's WebAssembly memory after its RAM
 * (wasm code can address only its one memory): one area per hart. The hart's register file and its read and write
 * TLBs are views of its area, so JavaScript and wasm code see the same state with nothing to copy.
 */
import { TLB_SIZE } from './tlb.js';

/** Bytes of one hart's area (a multiple of 4 KiB). */
export const HART_AREA_BYTES = 163840;
/** The integer registers: x[2i] low and x[2i + 1] high word of register i, i.e. register i as an i64 at 8i. */
export const AREA_REGS = 0;
/** Where wasm code leaves the pc on its way out (an i64). */
export const AREA_PC = 256;
/** The FP registers (doubles; singles NaN-boxed): f[i] at 8i. */
export const AREA_FREGS = 512;
/** fflags, frm and sstatus.FS, an int32 each. */
export const AREA_FFLAGS = 768;
export const AREA_FRM = 772;
export const AREA_FS = 776;
/** Bytes of one TLB array (tag, tagHi or base: an int32 per entry of both banks). */
export const TLB_ARRAY_BYTES = 2 * TLB_SIZE * 4;
/** The read TLB's tag, tagHi and base arrays, one after another; then the write TLB's; then the code TLB's. */
export const AREA_RTLB = 1024;
export const AREA_WTLB = AREA_RTLB + 3 * TLB_ARRAY_BYTES;
export const AREA_XTLB = AREA_WTLB + 3 * TLB_ARRAY_BYTES;
/** The jump cache of the wasm tier (wasm/jump-cache.ts): JUMP_ENTRIES pairs of int32s. */
export const AREA_JUMPS = 81920;
export const JUMP_ENTRIES = 8192;
/** Offsets of the tagHi and base arrays from a TLB's tag array. */
export const TLB_TAG_HI = TLB_ARRAY_BYTES;
export const TLB_BASE = 2 * TLB_ARRAY_BYTES;

/** Where a hart's area lies: a buffer and the byte offset of the area in it. */
export interface HartArea {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly offset: number;
}
