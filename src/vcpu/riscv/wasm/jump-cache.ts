/**
 * The wasm tier's jump cache, one per hart in its area (hart-area.ts): the wasm function of recently run blocks by
 * backing offset, so that the tier's driver goes from one block to the next without returning to
 * JavaScript (QEMU's tb_jmp_cache, direct-mapped). Going back to the code cache's loop after every block cost about
 * 14 ns a block, a sixth of the benchmark guest's time.
 *
 * An entry is two int32s: the key (the block's backing offset | 1; 0 when empty) and the value (its function index
 * << N_BITS | its instruction count). The code cache fills entries as it calls blocks, and drops them with their
 * page's blocks. A block's function runs it up to its first system instruction or CSR write, if any, whose own
 * block stays interpreted and is never in the cache: so the driver stops there.
 */
import { JUMP_ENTRIES } from '../hart-area.js';

/** Bits of an entry's value holding the block's instruction count (at most 64). */
export const N_BITS = 7;
/** The bit that makes a key non-zero (backing offsets of instructions are even). */
export const KEY_TAG = 1;
/** The shift of the page bits folded into the slot: a page's 2048 offsets still fill 2048 distinct slots. */
export const FOLD_SHIFT = 14;

/** The entry index of a key. The driver computes the same in wasm (wasm-tier.ts). */
export function jumpSlot(key: number): number {
  return ((key >>> 1) ^ (key >>> FOLD_SHIFT)) & (JUMP_ENTRIES - 1);
}

/** Remember that the block at backing offset `backing` is wasm function `index` of `n` instructions. */
export function rememberJump(cache: Int32Array, backing: number, index: number, n: number): void {
  const key = backing | KEY_TAG;
  const at = 2 * jumpSlot(key);
  cache[at] = key;
  cache[at + 1] = (index << N_BITS) | n;
}

/** Forget the blocks of the page at backing offset `pageOffset`. */
export function forgetPage(cache: Int32Array, pageOffset: number): void {
  for (let off = 0; off < 4096; off += 2) {
    const key = (pageOffset + off) | KEY_TAG;
    const at = 2 * jumpSlot(key);
    if (cache[at] === key) cache[at] = 0;
  }
}
