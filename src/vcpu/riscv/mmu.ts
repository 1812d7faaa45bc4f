/**
 * Sv39 / Sv48 page-table walk (RISC-V privileged spec, "Virtual-Address Translation Process"), with hardware
 * update of the A and D bits as QEMU does. The walk runs only on a TLB miss; it may allocate and use doubles.
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
}

const TWO32 = 4294967296;
const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;

/** True when the virtual address is canonical for the mode (upper bits copy the top translated bit). */
export function canonical(mode: number, vHi: number): boolean {
  const top = mode === 8 ? vHi >> 6 : vHi >> 15;
  return top === 0 || top === -1;
}

/**
 * Translate the virtual address (vHi:vLo) for `access`, updating A/D in the page table. A `probe` (the debugger
 * reading memory) changes nothing and ignores the U bit and permissions: it sees what the page maps.
 */
export function walk(ctx: WalkContext, vLo: number, vHi: number, access: Access, out: WalkResult, probe = false): void {
  out.fault = PAGE_FAULT[access];
  if (!canonical(ctx.satpMode, vHi)) return;
  const levels = ctx.satpMode === 8 ? 3 : 4;
  const va = (vHi & (levels === 3 ? 0x7f : 0xffff)) * TWO32 + (vLo >>> 0); // the translated bits only
  let ppn = ctx.rootPpn;
  for (let level = levels - 1; level >= 0; level--) {
    const vpn = Math.floor(va / 2 ** (12 + 9 * level)) % 512;
    const pteAddr = ppn * 4096 + vpn * 8;
    const pteLo32 = pteAddr % TWO32;
    const pteHi32 = Math.floor(pteAddr / TWO32);
    const page = ctx.lookupPage(pteLo32 | 0, pteHi32 | 0);
    if (page < 0) { out.fault = ACCESS_FAULT[access]; return; }
    const index = ((page & -4096) + (pteLo32 & 4095)) >> 2;
    let lo = ctx.mem32[index];
    const hi = ctx.mem32[index + 1];
    if ((lo & PTE_V) === 0 || ((lo & PTE_R) === 0 && (lo & PTE_W) !== 0)) return;
    if ((hi >>> 22) !== 0) return; // reserved bits 63:54 (no Svnapot / Svpbmt)
    const nextPpn = (hi & 0x3fffff) * 4194304 + (lo >>> 10);
    if ((lo & (PTE_R | PTE_X)) === 0) {
      if ((lo & (PTE_A | PTE_D | PTE_U)) !== 0) return; // non-leaf PTEs keep these clear
      ppn = nextPpn;
      continue;
    }
    // Leaf.
    const u = (lo & PTE_U) !== 0;
    if (!probe && (ctx.user ? !u : u && (access === Access.Execute || !ctx.sum))) return;
    const canRead = (lo & PTE_R) !== 0 || (ctx.mxr && (lo & PTE_X) !== 0);
    const canWrite = (lo & PTE_W) !== 0;
    const canExecute = (lo & PTE_X) !== 0 && !(u && !ctx.user);
    if (!probe && (access === Access.Read ? !canRead : access === Access.Write ? !canWrite : !canExecute)) return;
    const span = 2 ** (9 * level);
    if (nextPpn % span !== 0) return; // misaligned superpage
    // Hardware A/D update (QEMU's behaviour; the spec allows it).
    const want = PTE_A | (access === Access.Write ? PTE_D : 0);
    if ((lo & want) !== want && !probe) {
      if ((page & 1) !== 0) { out.fault = ACCESS_FAULT[access]; return; } // page table in ROM
      lo |= want;
      ctx.mem32[index] = lo;
    }
    const pagePpn = nextPpn + (Math.floor(va / 4096) % span);
    const pa = pagePpn * 4096;
    out.paLo = pa % TWO32 | 0;
    out.paHi = Math.floor(pa / TWO32) | 0;
    out.canRead = canRead;
    // Stores through the fast path only once D is set, so the first store takes the walk and sets it.
    out.canWrite = canWrite && (lo & PTE_D) !== 0;
    out.canExecute = canExecute;
    out.fault = 0;
    return;
  }
}
