/** Privilege modes, exception causes, sstatus fields and interrupt bits of the guest's S-mode view. */

export const Priv = {
  User: 0,
  Supervisor: 1,
} as const;

/** Interrupt bits in sip / sie (and interrupt causes = bit numbers). */
export const IRQ_SOFTWARE = 1 << 1;
export const IRQ_TIMER = 1 << 5;
export const IRQ_EXTERNAL = 1 << 9;

/** sstatus bits the hart implements (low word). */
export const SSTATUS_SIE = 1 << 1;
export const SSTATUS_SPIE = 1 << 5;
export const SSTATUS_SPP = 1 << 8;
export const SSTATUS_FS = 3 << 13;
export const SSTATUS_SUM = 1 << 18;
export const SSTATUS_MXR = 1 << 19;

/** Exception causes (scause values without the interrupt bit). */
export const Cause = {
  MisalignedFetch: 0,
  FetchAccess: 1,
  IllegalInstruction: 2,
  Breakpoint: 3,
  MisalignedLoad: 4,
  LoadAccess: 5,
  MisalignedStore: 6,
  StoreAccess: 7,
  EcallFromU: 8,
  EcallFromS: 9,
  FetchPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;
