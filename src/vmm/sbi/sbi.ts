/**
 * The SBI (v2.0) the runtime offers its guests, as Xvisor does from HS mode: the guest's ECALL from S mode exits
 * the hart; `handleSbiCall` decodes a7 (extension) / a6 (function) / a0..a5, acts through the platform, and writes
 * a0 (error) and a1 (value) back. Legacy extensions 0x00..0x08 return only a0.
 */
import type { Hart } from '../../vcpu/riscv/hart.js';

export const SbiError = {
  Success: 0, Failed: -1, NotSupported: -2, InvalidParam: -3, Denied: -4, InvalidAddress: -5,
  AlreadyAvailable: -6, AlreadyStarted: -7, AlreadyStopped: -8,
} as const;

export const SbiExt = {
  LegacySetTimer: 0x00, LegacyPutchar: 0x01, LegacyGetchar: 0x02, LegacyClearIpi: 0x03, LegacySendIpi: 0x04,
  LegacyRemoteFenceI: 0x05, LegacyRemoteSfenceVma: 0x06, LegacyRemoteSfenceVmaAsid: 0x07, LegacyShutdown: 0x08,
  Base: 0x10, Time: 0x54494d45, Ipi: 0x735049, Rfence: 0x52464e43, Srst: 0x53525354, Dbcn: 0x4442434e,
  Hsm: 0x48534d,
} as const;

/** HSM hart states. */
export const HartState = { Started: 0, Stopped: 1, StartPending: 2, StopPending: 3, Suspended: 4 } as const;

/** Hart state management, for machines with more than one hart. */
export interface SbiHsm {
  /** Start a stopped hart at `addr` with a1 = `opaque`; returns an SBI error code. */
  start(hartId: number, addr: number, opaque: number): number;
  /** Stop the calling hart (returns an error code only on failure). */
  stop(caller: Hart): number;
  /** The HSM state of a hart, or undefined if there is no such hart. */
  status(hartId: number): number | undefined;
  /** Retentive suspend of the caller: it resumes after the next interrupt, like WFI. */
  suspend(caller: Hart): void;
}

/** SBI implementation id of tsvisor (ids 0..10 are taken; Xvisor is 2). */
export const TSVISOR_SBI_IMPL_ID = 0x7473;
export const SBI_SPEC_VERSION = (2 << 24) | 0;

/** What the SBI needs from the machine around the hart. */
export interface SbiPlatform {
  /** Console output. */
  putByte(byte: number): void;
  /** Console output of many bytes at once (DBCN write); without it, one `putByte` per byte. */
  putBytes?(bytes: Uint8Array): void;

  /** Next console input byte, or -1. */
  getByte(): number;
  /** Read guest-physical memory (for DBCN), or undefined if the range is not RAM/ROM. */
  readMemory(pa: number, length: number): Uint8Array | undefined;
  /** Write guest-physical RAM (DBCN console_read); false if the range is not RAM. */
  writeMemory(pa: number, data: Uint8Array): boolean;
  /** The guest asked for a system reset: type 0 shutdown, 1 cold reboot, 2 warm reboot; reason 1 = failure. */
  systemReset(type: number, reason: number): void;
  /** Hart ids of the guest's harts (for IPI masks). */
  hartIds(): readonly number[];
  /** Raise a software interrupt on a guest hart. */
  sendIpi(hartId: number): void;
  /**
   * Make a guest hart's instruction fetches see earlier stores (remote fence.i). Its TLB stays: Linux patches its
   * text (static keys) with a remote fence.i each time, 331 times in its boot, and a TLB flush each time cost it
   * ~100,000 page-table walks.
   */
  remoteFenceI(hartId: number): void;
  /** Flush a guest hart's address translations (remote sfence.vma, with or without an ASID). */
  remoteSfenceVma(hartId: number): void;
  /** Implementation version reported by BASE. */
  readonly implVersion: number;
  /** Hart state management; without it the HSM extension is absent. */
  readonly hsm?: SbiHsm;
}

const TWO32 = 4294967296;

function ret(h: Hart, error: number, value?: number): void {
  h.x[20] = error; h.x[21] = error >> 31;
  if (value !== undefined) { h.x[22] = value % TWO32 | 0; h.x[23] = Math.floor(value / TWO32) | 0; }
}

/** Register a<i> (x10 + i) as an unsigned number (exact below 2^53). */
const arg = (h: Hart, i: number): number => h.reg(10 + i);
/** Register a<i> as a signed 32-bit-or-more integer where -1 matters (mask bases). */
const argIsAllOnes = (h: Hart, i: number): boolean => h.x[20 + 2 * i] === -1 && h.x[21 + 2 * i] === -1;
/** The low and high 32 bits of argument register a<i> (the register file holds all 32 registers as halves). */
const argLo = (h: Hart, i: number): number => h.x[20 + 2 * i] ?? 0;
const argHi = (h: Hart, i: number): number => h.x[21 + 2 * i] ?? 0;

/** Hart ids selected by an SBI hart mask, or undefined when the mask names a hart that does not exist. */
function selectHarts(p: SbiPlatform, mask: number, base: number, all: boolean): number[] | undefined {
  const ids = p.hartIds();
  if (all) return [...ids];
  const chosen: number[] = [];
  for (let bit = 0; bit < 53 && mask > 0; bit++) {
    if (Math.floor(mask / 2 ** bit) % 2 === 1) {
      if (!ids.includes(base + bit)) return undefined;
      chosen.push(base + bit);
    }
  }
  return chosen;
}

const EXTENSIONS = new Set<number>([
  SbiExt.LegacySetTimer, SbiExt.LegacyPutchar, SbiExt.LegacyGetchar, SbiExt.LegacyClearIpi, SbiExt.LegacySendIpi,
  SbiExt.LegacyRemoteFenceI, SbiExt.LegacyRemoteSfenceVma, SbiExt.LegacyRemoteSfenceVmaAsid, SbiExt.LegacyShutdown,
  SbiExt.Base, SbiExt.Time, SbiExt.Ipi, SbiExt.Rfence, SbiExt.Srst, SbiExt.Dbcn,
]);

/** Handle the SBI call the hart exited with, then continue it past the ECALL. */
export function handleSbiCall(h: Hart, p: SbiPlatform): void {
  const ext = h.reg(17);
  const fid = h.reg(16);
  dispatch(h, p, ext, fid);
  h.completeEcall();
}

function dispatch(h: Hart, p: SbiPlatform, ext: number, fid: number): void {
  switch (ext) {
    case SbiExt.LegacySetTimer: h.setTimer(argLo(h, 0), argHi(h, 0)); ret(h, 0); return;
    case SbiExt.LegacyPutchar: p.putByte(argLo(h, 0) & 0xff); ret(h, 0); return;
    case SbiExt.LegacyGetchar: ret(h, p.getByte()); return;
    case SbiExt.LegacyClearIpi: h.sipSoft &= ~2; h.updateIrq(); ret(h, 0); return;
    case SbiExt.LegacySendIpi:
    case SbiExt.LegacyRemoteFenceI:
    case SbiExt.LegacyRemoteSfenceVma:
    case SbiExt.LegacyRemoteSfenceVmaAsid: {
      // The argument is the address of a hart mask in guest memory (legacy ABI).
      const bytes = p.readMemory(arg(h, 0), 8);
      if (!bytes) { ret(h, SbiError.InvalidAddress); return; }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const mask = view.getUint32(0, true) + view.getUint16(4, true) * TWO32; // 48 bits: exact in a double
      const harts = selectHarts(p, mask, 0, false) ?? [];
      for (const id of harts) {
        if (ext === SbiExt.LegacySendIpi) p.sendIpi(id);
        else if (ext === SbiExt.LegacyRemoteFenceI) p.remoteFenceI(id);
        else p.remoteSfenceVma(id);
      }
      ret(h, 0);
      return;
    }
    case SbiExt.LegacyShutdown: p.systemReset(0, 0); ret(h, 0); return;
    case SbiExt.Base: base(h, p, fid); return;
    case SbiExt.Time:
      if (fid !== 0) { ret(h, SbiError.NotSupported); return; }
      h.setTimer(argLo(h, 0), argHi(h, 0));
      ret(h, 0, 0);
      return;
    case SbiExt.Ipi: {
      if (fid !== 0) { ret(h, SbiError.NotSupported); return; }
      const harts = selectHarts(p, arg(h, 0), arg(h, 1), argIsAllOnes(h, 1));
      if (!harts) { ret(h, SbiError.InvalidParam, 0); return; }
      for (const id of harts) p.sendIpi(id);
      ret(h, 0, 0);
      return;
    }
    case SbiExt.Rfence: {
      if (fid > 6) { ret(h, SbiError.NotSupported); return; }
      if (fid >= 3) { ret(h, SbiError.NotSupported); return; } // hypervisor fences: no H extension for guests
      const harts = selectHarts(p, arg(h, 0), arg(h, 1), argIsAllOnes(h, 1));
      if (!harts) { ret(h, SbiError.InvalidParam, 0); return; }
      // fid 0: remote fence.i; 1 and 2: remote sfence.vma (every address and ASID flushed: the range is a hint).
      for (const id of harts) {
        if (fid === 0) p.remoteFenceI(id);
        else p.remoteSfenceVma(id);
      }
      ret(h, 0, 0);
      return;
    }
    case SbiExt.Srst: {
      if (fid !== 0) { ret(h, SbiError.NotSupported); return; }
      const type = arg(h, 0), reason = arg(h, 1);
      if (type > 2) { ret(h, SbiError.InvalidParam); return; }
      if (reason > 1 && reason < 0xe0000000) { ret(h, SbiError.InvalidParam); return; }
      p.systemReset(type, reason);
      ret(h, 0, 0);
      return;
    }
    case SbiExt.Dbcn: dbcn(h, p, fid); return;
    case SbiExt.Hsm: if (p.hsm) { hsm(h, p.hsm, fid); return; } break;
  }
  ret(h, SbiError.NotSupported);
}

function base(h: Hart, p: SbiPlatform, fid: number): void {
  switch (fid) {
    case 0: ret(h, 0, SBI_SPEC_VERSION); return;
    case 1: ret(h, 0, TSVISOR_SBI_IMPL_ID); return;
    case 2: ret(h, 0, p.implVersion); return;
    case 3: ret(h, 0, EXTENSIONS.has(arg(h, 0)) || (arg(h, 0) === SbiExt.Hsm && p.hsm !== undefined) ? 1 : 0); return;
    case 4: case 5: case 6: ret(h, 0, 0); return; // mvendorid, marchid, mimpid
  }
  ret(h, SbiError.NotSupported);
}

function dbcn(h: Hart, p: SbiPlatform, fid: number): void {
  if (fid === 2) { p.putByte(argLo(h, 0) & 0xff); ret(h, 0, 0); return; }
  if (fid > 2) { ret(h, SbiError.NotSupported); return; }
  // The spec lets a call move fewer bytes than asked; a page at a time bounds what one call costs the host.
  const count = Math.min(arg(h, 0), 4096);
  const pa = arg(h, 1) + arg(h, 2) * TWO32;
  if (fid === 0) {
    const bytes = p.readMemory(pa, count);
    if (!bytes) { ret(h, SbiError.InvalidParam, 0); return; }
    if (p.putBytes) p.putBytes(bytes);
    else for (const b of bytes) p.putByte(b);
    ret(h, 0, count);
    return;
  }
  // console_read: whatever typed input is waiting, up to `count` bytes (0 when none), written to guest RAM.
  if (count > 0 && !p.readMemory(pa, count)) { ret(h, SbiError.InvalidParam, 0); return; }
  const bytes: number[] = [];
  while (bytes.length < count) {
    const b = p.getByte();
    if (b < 0) break;
    bytes.push(b);
  }
  if (bytes.length > 0 && !p.writeMemory(pa, Uint8Array.from(bytes))) { ret(h, SbiError.InvalidParam, 0); return; }
  ret(h, 0, bytes.length);
}

function hsm(h: Hart, m: SbiHsm, fid: number): void {
  switch (fid) {
    case 0: ret(h, m.start(arg(h, 0), arg(h, 1), arg(h, 2)), 0); return;
    case 1: ret(h, m.stop(h), 0); return;
    case 2: {
      const state = m.status(arg(h, 0));
      if (state === undefined) ret(h, SbiError.InvalidParam, 0);
      else ret(h, 0, state);
      return;
    }
    case 3: {
      const type = argLo(h, 0) >>> 0;
      if (type !== 0) { ret(h, SbiError.NotSupported, 0); return; } // only retentive suspend
      m.suspend(h);
      ret(h, 0, 0);
      return;
    }
  }
  ret(h, SbiError.NotSupported);
}
