/**
 * The CSRs an S-mode guest can reach: supervisor CSRs, FP CSRs, counters and Sstc's stimecmp. Machine and
 * hypervisor CSRs do not exist for the guest (illegal instruction), exactly as under Xvisor.
 */
import type { Hart } from './hart.js';
import { IRQ_SOFTWARE, Priv, SSTATUS_FS, SSTATUS_MXR, SSTATUS_SIE, SSTATUS_SPIE, SSTATUS_SPP, SSTATUS_SUM } from './privilege.js';

export const CSR = {
  fflags: 0x001, frm: 0x002, fcsr: 0x003,
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, senvcfg: 0x10a,
  sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143, sip: 0x144, stimecmp: 0x14d,
  satp: 0x180,
  cycle: 0xc00, time: 0xc01, instret: 0xc02,
} as const;

const TWO32 = 4294967296;
const SSTATUS_WRITABLE = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR;
const SIE_WRITABLE = 0x222;

// The value read, as (vLo, vHi): module-level so CSR access allocates nothing.
let vLo = 0;
let vHi = 0;

function setNumber(n: number): void {
  vLo = n % TWO32 | 0;
  vHi = Math.floor(n / TWO32) | 0;
}

/** Read a CSR into (vLo, vHi); false when it does not exist or may not be read from the current mode. */
function read(h: Hart, csr: number): boolean {
  vHi = 0;
  switch (csr) {
    case CSR.fflags: vLo = h.fflags; return true;
    case CSR.frm: vLo = h.frm; return true;
    case CSR.fcsr: vLo = (h.frm << 5) | h.fflags; return true;
    case CSR.sstatus:
      vLo = h.status | (h.fs << 13);
      vHi = 2 | (h.fs === 3 ? -0x80000000 : 0); // UXL = 64 bits; SD summarises FS = dirty
      return true;
    case CSR.sie: vLo = h.sie; return true;
    case CSR.sip: vLo = h.sip(); return true;
    case CSR.stvec: vLo = h.stvecLo; vHi = h.stvecHi; return true;
    case CSR.scounteren: vLo = h.scounteren; return true;
    case CSR.senvcfg: vLo = h.senvcfg; return true;
    case CSR.sscratch: vLo = h.sscratchLo; vHi = h.sscratchHi; return true;
    case CSR.sepc: vLo = h.sepcLo; vHi = h.sepcHi; return true;
    case CSR.scause: vLo = h.scauseLo; vHi = h.scauseHi; return true;
    case CSR.stval: vLo = h.stvalLo; vHi = h.stvalHi; return true;
    case CSR.stimecmp: vLo = h.stimecmpLo; vHi = h.stimecmpHi; return true;
    case CSR.satp: vLo = h.satpLo; vHi = h.satpHi; return true;
  }
  if (csr >= 0xc00 && csr <= 0xc1f) {
    // Counters: U mode needs the scounteren bit (the hypervisor grants all of mcounteren).
    if (h.mode === Priv.User && ((h.scounteren >>> (csr - 0xc00)) & 1) === 0) return false;
    if (csr === CSR.time) setNumber(h.time());
    else if (csr === CSR.cycle || csr === CSR.instret) setNumber(h.icount);
    else vLo = 0; // hpmcounter3..31: implemented as constant zero
    return true;
  }
  return false;
}

/** Write (lo, hi) to a CSR that `read` accepted. */
function write(h: Hart, csr: number, lo: number, hi: number): void {
  switch (csr) {
    case CSR.fflags: h.fflags = lo & 0x1f; h.fs = 3; return;
    case CSR.frm: h.frm = lo & 7; h.fs = 3; return;
    case CSR.fcsr: h.fflags = lo & 0x1f; h.frm = (lo >>> 5) & 7; h.fs = 3; return;
    case CSR.sstatus: {
      const changed = (h.status ^ lo) & (SSTATUS_SUM | SSTATUS_MXR);
      h.status = lo & SSTATUS_WRITABLE;
      h.fs = (lo & SSTATUS_FS) >>> 13;
      if (changed) h.flushTlbPassing(); // permissions cached in the TLB depend on SUM and MXR (not a lasting entry's)
      h.updateIrq();
      return;
    }
    case CSR.sie: h.sie = lo & SIE_WRITABLE; h.updateIrq(); return;
    case CSR.sip: h.sipSoft = lo & IRQ_SOFTWARE; h.updateIrq(); return;
    case CSR.stvec: if ((lo & 3) < 2) { h.stvecLo = lo; h.stvecHi = hi; } return; // reserved modes: write ignored
    case CSR.scounteren: h.scounteren = lo; return;
    case CSR.senvcfg: h.senvcfg = lo & 1; return; // FIOM only
    case CSR.sscratch: h.sscratchLo = lo; h.sscratchHi = hi; return;
    case CSR.sepc: h.sepcLo = lo & -2; h.sepcHi = hi; return;
    case CSR.scause: h.scauseLo = lo; h.scauseHi = hi; return;
    case CSR.stval: h.stvalLo = lo; h.stvalHi = hi; return;
    case CSR.stimecmp: h.setTimer(lo, hi); return;
    case CSR.satp: {
      const mode = hi >>> 28;
      if (mode !== 0 && mode !== 8 && mode !== 9) return; // unsupported MODE: the whole write is ignored
      // Another address space keeps the global mappings (lasting entries) of the same translation mode, as the TLB of
      // a hart with ASIDs does (Linux's kernel mappings are global); a new mode keeps nothing.
      if (mode === h.satpMode) h.flushTlbPassing();
      else h.flushTlb();
      h.satpLo = lo; h.satpHi = hi;
      h.satpMode = mode;
      h.rootPpn = (hi & 0xfff) * TWO32 + (lo >>> 0);
      return;
    }
  }
}

/**
 * Execute a Zicsr instruction. `op` is funct3 (1..3 register forms, 5..7 immediate forms), `src` the rs1 number or
 * the immediate. Returns false for an illegal access (the caller raises the exception).
 */
export function csrAccess(h: Hart, op: number, rd: number, src: number, csr: number): boolean {
  const level = (csr >>> 8) & 3;
  if (level > h.mode) return false; // hypervisor and machine CSRs do not exist for the guest
  if (csr <= CSR.fcsr && h.fs === 0) return false;
  const kind = op & 3;
  const imm = op >= 5;
  const writes = kind === 1 || src !== 0;
  if (writes && (csr >>> 10) === 3) return false; // read-only CSR
  if (!read(h, csr)) return false;
  const oldLo = vLo, oldHi = vHi;
  if (writes) {
    const sLo = imm ? src : h.x[2 * src]!;
    const sHi = imm ? 0 : h.x[2 * src + 1]!;
    let nLo = sLo, nHi = sHi;
    if (kind === 2) { nLo = oldLo | sLo; nHi = oldHi | sHi; }
    else if (kind === 3) { nLo = oldLo & ~sLo; nHi = oldHi & ~sHi; }
    write(h, csr, nLo, nHi);
  }
  if (rd !== 0) { h.x[2 * rd] = oldLo; h.x[2 * rd + 1] = oldHi; }
  return true;
}

/**
 * The debugger's view of a CSR (GDB's register reads and writes), of every CSR the guest has, whatever the hart's mode,
 * with no side effect on read. Returns the value as [lo, hi] words, or undefined when the CSR does not exist.
 */
export function debugReadCsr(h: Hart, csr: number): [number, number] | undefined {
  const mode = h.mode;
  h.mode = Priv.Supervisor; // counters are readable from S mode whatever scounteren says
  const ok = read(h, csr);
  h.mode = mode;
  return ok ? [vLo, vHi] : undefined;
}

/** Write a CSR as the debugger (false when it does not exist or is read-only). */
export function debugWriteCsr(h: Hart, csr: number, lo: number, hi: number): boolean {
  if ((csr >>> 10) === 3 || !read(h, csr)) return false;
  write(h, csr, lo, hi);
  return true;
}
