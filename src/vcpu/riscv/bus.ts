/**
 * The hart's view of guest-physical memory. The address space implements it: RAM and ROM are one backing
 * ArrayBuffer the hart reads and writes directly (through its TLB), everything else is an exit to the runtime.
 */
export interface Bus {
  /** Backing store holding every RAM and ROM region of the guest (at most 2 GiB; shared in parallel mode). */
  readonly memory: ArrayBuffer | SharedArrayBuffer;
  /**
   * Backing offset of the 4 KiB guest-physical page containing the address (paHi:paLo), plus 1 when the page is
   * read-only (ROM); -1 when the address is not RAM or ROM (a device, or nothing: the access becomes an exit).
   */
  lookupPage(paLo: number, paHi: number): number;
  /**
   * A byte per 4 KiB page of `memory`, set when the page may have been written: by the hart when it lets stores to
   * the page through its TLB (or stores there the slow way), by the bus for loads and DMA. Snapshots write only these
   * pages; migration clears them (and the harts' write TLBs) each round and sends again what was set.
   */
  readonly dirty: Uint8Array;
}

