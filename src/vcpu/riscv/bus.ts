/**
 * The hart's view of guest-physical memory. The address space implements it: RAM and ROM are one backing
 * ArrayBuffer the hart reads and writes directly (through its TLB), everything else is an exit to the runtime.
 */
export interface Bus {
  /** Backing store holding every RAM and ROM region of the guest (at most 2 GiB). */
  readonly memory: ArrayBuffer;
  /**
   * Backing offset of the 4 KiB guest-physical page containing the address (paHi:paLo), plus 1 when the page is
   * read-only (ROM); -1 when the address is not RAM or ROM (a device, or nothing: the access becomes an exit).
   */
  lookupPage(paLo: number, paHi: number): number;
}

