/**
 * Sv39 / Sv48 page-table walk (RISC-V privileged spec, "Virtual-Address Translation Process"), with hardware
 * update of the A and D bits as QEMU does. The walk runs only on a TLB miss (Linux's boot: 141,000 of them), in
 * 32-bit integer arithmetic.
 */

/** Access types. */
export enum Access {
  Read = 0,
  Write = 1,
  Execute = 2,
}

/** Exception causes for a page fault of each access type. */
export const PAGE_FAULT = [13, 15, 12] as const;
/** Exception causes for an access fault of each access type. */
export const ACCESS_FAULT = [5, 7, 1] as const;

/** What the walk needs of the hart and memory. */
export interface WalkContext {
  /** satp.MODE: 8 = Sv39, 9 = Sv48. */
  readonly satpMode: number;
  /** Root page-table physical page number. */
  readonly rootPpn: number;
  /** Running in U mode. */
  readonly user: boolean;
  readonly sum: boolean;
  readonly mxr: boolean;
  /** Backing offset of a guest-physical page (see Bus.lookupPage), or -1. */
  lookupPage(paLo: number, paHi: number): number;
  readonly mem32: Int32Array;
  /** Set in parallel mode (harts on other threads share the page tables): A/D updates are atomic then. */
  readonly barrier: Int32Array | undefined;
}

/** Result of a walk: permissions of the leaf for the current mode and the physical page. */
export interface WalkResult {
  /** 0 on success, else the exception cause to raise. */
  fault: number;
  paLo: number;
  paHi: number;
  canRead: boolean;
  canWrite: boolean;
  canExecute: boolean;
  /**
   * The translation outlives a change of address space or of sstatus.SUM/MXR (TlbSet's `lasting` entries): a global
   * mapping (G set at some level of the walk: it is the same in every address space) of a page that is not a user
   * page (SUM does not touch it), readable without MXR.
   */
  lasting: boolean;
}

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_G = 32, PTE_A = 64, PTE_D = 128;

/** True when the virtual address is canonical for the mode (upper bits copy the top translated bit). */
export function canonical(mode: number, vHi: number): boolean {
  const top = mode === 8 ? vHi >> 6 : vHi >> 15;
  return top === 0 || top === -1;
}

/** VPN[level] of the virtual address (vHi:vLo): 9 bits from bit 12 + 9 * level. */
function vpn(vLo: number, vHi: number, level: number): number {
  switch (level) {
    case 0: return (vLo >>> 12) & 511;
    case 1: return (vLo >>> 21) & 511;
    case 2: return ((vLo >>> 30) | (vHi << 2)) & 511;
    default: return (vHi >>> 7) & 511;
  }
}

/**
 * Translate the virtual address (vHi:vLo) for `access`, updating A/D in the page table. A `probe` (the debugger
 * reading memory) changes nothing and ignores the U bit and permissions: it sees what the page maps.
 *
 * Physical addresses are two 32-bit words throughout: a PTE's PPN (bits 10..53) is bits 12..55 of the address,
 * so the low word is `(lo << 2) & -4096` and the high word `(lo >>> 30) | ((hi & 0x3fffff) << 2)`.
 */
export function walk(ctx: WalkContext, vLo: number, vHi: number, access: Access, out: WalkResult, probe = false): void {
  out.fault = PAGE_FAULT[access];
  if (!canonical(ctx.satpMode, vHi)) return;
  // The root table's address from satp.PPN (at most 44 bits, a number).
  const root = ctx.rootPpn;
  let tableLo = (root * 4096) % 4294967296 | 0;
  let tableHi = Math.floor(root / 1048576) | 0;
  // A G bit in a non-leaf PTE makes every mapping below it global.
  let global = 0;
  for (let level = ctx.satpMode === 8 ? 2 : 3; level >= 0; level--) {
    const pteLo32 = tableLo | (vpn(vLo, vHi, level) << 3);
    const page = ctx.lookupPage(pteLo32, tableHi);
    if (page < 0) { out.fault = ACCESS_FAULT[access]; return; }
    const index = ((page & -4096) + (pteLo32 & 4095)) >> 2;
    let lo = ctx.mem32[index]!;
    const hi = ctx.mem32[index + 1]!;
    if ((lo & PTE_V) === 0 || ((lo & PTE_R) === 0 && (lo & PTE_W) !== 0)) return;
    if ((hi >>> 22) !== 0) return; // reserved bits 63:54 (no Svnapot / Svpbmt)
    const nextLo = (lo << 2) & -4096;
    const nextHi = (lo >>> 30) | ((hi & 0x3fffff) << 2);
    global |= lo & PTE_G;
    if ((lo & (PTE_R | PTE_X)) === 0) {
      if ((lo & (PTE_A | PTE_D | PTE_U)) !== 0) return; // non-leaf PTEs keep these clear
      tableLo = nextLo;
      tableHi = nextHi;
      continue;
    }
    // Leaf.
    const u = (lo & PTE_U) !== 0;
    if (!probe && (ctx.user ? !u : u && (access === Access.Execute || !ctx.sum))) return;
    const canRead = (lo & PTE_R) !== 0 || (ctx.mxr && (lo & PTE_X) !== 0);
    const canWrite = (lo & PTE_W) !== 0;
    const canExecute = (lo & PTE_X) !== 0 && !(u && !ctx.user);
    if (!probe && (access === Access.Read ? !canRead : access === Access.Write ? !canWrite : !canExecute)) return;
    // A superpage: its PPN's low 9 * level bits must be zero (else misaligned), and the address's own bits below
    // 12 + 9 * level pass through.
    let paLo = nextLo, paHi = nextHi;
    if (level > 0) {
      const lowBits = level === 1 ? 0x1fffff : level === 2 ? 0x3fffffff : -1; // of the address's low word
      if ((nextLo & lowBits) !== 0 || (level === 3 && (nextHi & 0x7f) !== 0)) return; // misaligned superpage
      paLo = nextLo | (vLo & lowBits & -4096);
      if (level === 3) paHi = nextHi | (vHi & 0x7f);
    }
    // Hardware A/D update (QEMU's behaviour; the spec allows it).
    const want = PTE_A | (access === Access.Write ? PTE_D : 0);
    if ((lo & want) !== want && !probe) {
      if ((page & 1) !== 0) { out.fault = ACCESS_FAULT[access]; return; } // page table in ROM
      if (ctx.barrier !== undefined) {
        // Another hart (the guest's kernel) may change this PTE meanwhile: set A/D only on the PTE this walk read,
        // else walk again (QEMU's MTTCG does the same compare-and-swap).
        if (Atomics.compareExchange(ctx.mem32, index, lo, lo | want) !== lo) return walk(ctx, vLo, vHi, access, out, probe);
        lo |= want;
      } else {
        lo |= want;
        ctx.mem32[index] = lo;
      }
    }
    out.paLo = paLo;
    out.paHi = paHi;
    out.canRead = canRead;
    // Stores through the fast path only once D is set, so the first store takes the walk and sets it.
    out.canWrite = canWrite && (lo & PTE_D) !== 0;
    out.canExecute = canExecute;
    out.lasting = global !== 0 && !u && (lo & PTE_R) !== 0;
    out.fault = 0;
    return;
  }
}
