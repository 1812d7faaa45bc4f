/**
 * The hart's software TLB: direct-mapped, 4 KiB entries, one set per access type (read, write, execute) and one
 * bank per privilege mode, so switching between S and U costs nothing.
 *
 * An entry maps a virtual page (tag = low word of the page address, tagHi = high word) to `base`, chosen so that
 * `(base + vaddrLo) | 0` is the byte offset in the guest's backing store. Translated code checks
 * `tag[e] === (vaddrLo & (-4096 | (size - 1)))`: one compare covers both the page match and natural alignment,
 * so a misaligned access simply takes the slow path.
 */
export const TLB_BITS = 10;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;
/** Offset of the U-mode bank; S mode uses bank 0. */
export const TLB_USER_BANK = TLB_SIZE;
/** A tag no masked address can equal (its low bit is set and the page tag's is not). */
const INVALID_TAG = 1;

/** Most entries installed between two flushes of the passing ones that `flushPassing` visits one by one. */
const PASSING_LIST = 512;

export class TlbSet {
  readonly tag: Int32Array;
  readonly tagHi: Int32Array;
  readonly base: Int32Array;
  /** Backing page number each entry maps (to find entries of one physical page). */
  readonly page = new Int32Array(2 * TLB_SIZE).fill(-1);
  /**
   * Entries that outlive a change of address space or of SUM/MXR (WalkResult.lasting: Linux's kernel mappings), and
   * the others installed since the last flush of them (all of them to look at once the list overflows). Linux's boot
   * changed satp or SUM 3,100 times; flushing everything each time cost 150,000 of its 180,000 page-table walks.
   */
  private readonly lasting = new Uint8Array(2 * TLB_SIZE);
  private readonly passing = new Int32Array(PASSING_LIST);
  private passingCount = 0;

  /**
   * A TLB of its own, or (a hart's, hart-area.ts) one whose tag, tagHi and base arrays lie one after another in
   * `buffer` from byte `offset`.
   */
  constructor(buffer: ArrayBuffer | SharedArrayBuffer = new ArrayBuffer(12 * TLB_SIZE * 2), offset = 0) {
    const n = 2 * TLB_SIZE;
    this.tag = new Int32Array(buffer, offset, n);
    this.tagHi = new Int32Array(buffer, offset + 4 * n, n);
    this.base = new Int32Array(buffer, offset + 8 * n, n);
    this.tag.fill(INVALID_TAG);
  }

  install(bank: number, vLo: number, vHi: number, pageOffset: number, lasting = false): void {
    const e = ((vLo >>> 12) & TLB_MASK) + bank;
    const vpage = vLo & -4096;
    this.tag[e] = vpage;
    this.tagHi[e] = vHi;
    this.base[e] = (pageOffset - vpage) | 0;
    this.page[e] = pageOffset >>> 12;
    this.lasting[e] = lasting ? 1 : 0;
    if (!lasting && this.passingCount <= PASSING_LIST) {
      if (this.passingCount < PASSING_LIST) this.passing[this.passingCount] = e;
      this.passingCount++;
    }
  }

  flush(): void {
    this.tag.fill(INVALID_TAG);
    this.page.fill(-1);
    this.passingCount = 0;
  }

  /** Drop every entry but the lasting ones (an address-space change: satp, `sfence.vma x0, asid`; SUM or MXR). */
  flushPassing(): void {
    const lasting = this.lasting;
    if (this.passingCount > PASSING_LIST) {
      for (let e = 0; e < lasting.length; e++) if (lasting[e] === 0) this.drop(e);
    } else {
      for (let k = 0; k < this.passingCount; k++) {
        const e = this.passing[k]!;
        if (lasting[e] === 0) this.drop(e);
      }
    }
    this.passingCount = 0;
  }

  private drop(e: number): void {
    this.tag[e] = INVALID_TAG;
    this.page[e] = -1;
  }

  /** Drop the entries for one virtual page (both banks). */
  flushPage(vLo: number, vHi: number): void {
    const e = (vLo >>> 12) & TLB_MASK;
    for (const i of [e, e + TLB_SIZE]) {
      if (this.tag[i] === (vLo & -4096) && this.tagHi[i] === vHi) {
        this.tag[i] = INVALID_TAG;
        this.page[i] = -1;
      }
    }
  }

  /** Drop every entry that maps the backing page `pageNumber`. */
  flushBackingPage(pageNumber: number): void {
    const page = this.page;
    for (let i = 0; i < page.length; i++) {
      if (page[i] === pageNumber) {
        this.tag[i] = INVALID_TAG;
        page[i] = -1;
      }
    }
  }
}
