/** Why `Hart.run` returned. */
export enum Exit {
  /** The instruction budget is used up (or the run was asked to stop). */
  Budget = 0,
  /** ECALL from S mode: an SBI call. pc is at the ecall; finish it with `Hart.completeEcall`. */
  Ecall = 1,
  /** WFI with no interrupt pending and enabled; pc is past the wfi. */
  Wfi = 2,
  /** A load or store to a guest-physical address that is not RAM or ROM; see `Hart.mmio`. */
  Mmio = 3,
  /** An instruction fetch from a guest-physical address that is not RAM or ROM; pc is the fetch address. */
  FetchFault = 4,
  /**
   * The guest took 10000 traps in a row without retiring an instruction (its trap vector faults again, e.g. an
   * illegal instruction or an unmapped stvec): it can never make progress. pc is where it loops.
   */
  TrapLoop = 5,
  /** The debugger's stop (a breakpoint, watchpoint or completed step); `Hart.debug.stop` says which. */
  Debug = 6,
}

