/**
 * A hart's architectural state as plain data, for snapshots and migration: registers, FPU, privilege, the S-mode
 * CSRs, the virtual clock (retired instructions and the clock offset), the Sstc comparator and the LR reservation.
 * Derived state (TLBs, the translation cache, the timer deadline, irqReady) is rebuilt from it, as QEMU rebuilds its
 * TLB after a load; a snapshot is taken between instructions, so no exit is ever in flight.
 */
import { asObject, bool, int, ints, num, type SavedState } from '../../state/saved-state.js';
import type { Hart } from './hart.js';
import { Priv } from './privilege.js';

const I32 = [-(2 ** 31), 2 ** 31 - 1] as const;

/** Word pairs (lo, hi) of the CSRs kept as two int32 fields. */
const CSR_PAIRS = ['stvec', 'sscratch', 'sepc', 'scause', 'stval', 'satp', 'stimecmp'] as const;

export function saveHart(h: Hart): SavedState {
  const csrs: Record<string, number[]> = {};
  for (const c of CSR_PAIRS) csrs[c] = [h[`${c}Lo`], h[`${c}Hi`]];
  return {
    x: [...h.x], f: [...h.fw], fflags: h.fflags, frm: h.frm, pc: [h.pcLo, h.pcHi], mode: h.mode, icount: h.icount,
    status: h.status, fs: h.fs, sie: h.sie, sipSoft: h.sipSoft, seip: h.seip, csrs, scounteren: h.scounteren,
    senvcfg: h.senvcfg, timeOffset: h.timeOffset, timeFloor: h.timeFloor, resValid: h.resValid, res: [h.resLo, h.resHi],
  };
}

/** Load what `saveHart` gave into `h` (checked whole first: a bad state changes nothing). */
export function restoreHart(h: Hart, state: SavedState): void {
  const o = asObject(state, 'hart');
  const w = 'hart';
  const csrObject = asObject(o.csrs, 'hart.csrs');
  const pairs = CSR_PAIRS.map((c) => ints(csrObject, c, 'hart.csrs', I32[0], I32[1], 2));
  const s = {
    x: ints(o, 'x', w, I32[0], I32[1], 64), f: ints(o, 'f', w, I32[0], I32[1], 64), fflags: int(o, 'fflags', w, 0, 31),
    frm: int(o, 'frm', w, 0, 7), pc: ints(o, 'pc', w, I32[0], I32[1], 2), mode: int(o, 'mode', w, Priv.User, Priv.Supervisor),
    icount: int(o, 'icount', w, 0), status: int(o, 'status', w, 0, 2 ** 31 - 1), fs: int(o, 'fs', w, 0, 3),
    sie: int(o, 'sie', w, 0, 0x222), sipSoft: int(o, 'sipSoft', w, 0, 2), seip: bool(o, 'seip', w),
    scounteren: int(o, 'scounteren', w, I32[0], 0xffffffff), senvcfg: int(o, 'senvcfg', w, 0, 1),
    timeOffset: num(o, 'timeOffset', w), timeFloor: num(o, 'timeFloor', w), resValid: bool(o, 'resValid', w),
    res: ints(o, 'res', w, I32[0], I32[1], 2),
  };
  h.x.set(s.x);
  h.fw.set(s.f);
  h.fflags = s.fflags; h.frm = s.frm;
  [h.pcLo = 0, h.pcHi = 0] = s.pc; // two words: ints() checked the length
  h.setMode(s.mode);
  h.icount = s.icount;
  h.status = s.status; h.fs = s.fs; h.sie = s.sie; h.sipSoft = s.sipSoft; h.seip = s.seip;
  CSR_PAIRS.forEach((c, i) => { [h[`${c}Lo`] = 0, h[`${c}Hi`] = 0] = pairs[i] ?? []; });
  h.satpMode = h.satpHi >>> 28;
  h.rootPpn = (h.satpHi & 0xfff) * 4294967296 + (h.satpLo >>> 0);
  h.scounteren = s.scounteren; h.senvcfg = s.senvcfg;
  h.timeOffset = s.timeOffset; h.timeFloor = s.timeFloor;
  h.resValid = s.resValid;
  [h.resLo = 0, h.resHi = 0] = s.res;
  h.flushTlb();
  h.refreshTimer(); // the deadline, STIP and irqReady follow from the clock and stimecmp
}
