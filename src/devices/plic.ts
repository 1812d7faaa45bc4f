/**
 * SiFive PLIC (`sifive,plic0` / `riscv,plic0`), per the RISC-V PLIC specification.
 *
 * Sources 1..num_irq (source 0 is reserved and reads as 0). Register map (32-bit registers, 4-byte accesses only;
 * anything else reads 0 and ignores writes):
 *   0x000000 + 4·src          priority of `src`, 0..max_priority (WARL: larger values are clamped)
 *   0x001000 + 4·w            pending bits of sources 32w..32w+31 (read only)
 *   0x002000 + 0x80·c + 4·w   enable bits of context `c`
 *   0x200000 + 0x1000·c       priority threshold of context `c`
 *   0x200004 + 0x1000·c       claim (read) / complete (write) of context `c`
 * Two contexts per hart: even `2h` is hart h's M-mode context (present in the register map, never wired), odd
 * `2h+1` its S-mode context, wired to `ctx.hartExternalIrq(h)`.
 *
 * Gateways are level triggered: a source becomes pending when its input line is high and it is not in service, and
 * stays pending until claimed (a line that drops before the claim does not take the request back); a
 * claim returns the highest-priority pending source enabled for the context with priority above the context's
 * threshold (ties: lowest id; none: 0), clears its pending bit and puts it in service; a completion by the
 * context that claimed it ends the service (and, if the line is still high, the source is pending again). A
 * completion of a source that context did not claim is ignored. A context's output is high while any pending,
 * enabled, not-in-service source has priority above its threshold.
 *
 * The PLIC is the one device whose interrupt inputs the runtime wires: `createPlic` returns a {@link PlicDevice},
 * whose `input(n)` is guest interrupt `n` (what other devices' `ctx.irq(n)` should return). The registry's
 * factory returns the same object typed as `MmioDevice`; recover the inputs with {@link isPlic}.
 */
import type { DeviceContext, DeviceFactory, IrqLine, MmioDevice } from './device.js';
import { arr, asObject, ints, SavedStateError, type SavedState } from '../state/saved-state.js';
import { NO_IRQ, OutputLine, validAccess } from './util.js';
import type { IrqChip } from './irq.js';

/** The PLIC as a device plus its interrupt inputs; as an interrupt chip, line `n` is source `n`. */
export interface PlicDevice extends MmioDevice, IrqChip {
  /** Input line of source `n` (1..numIrq); a line that does nothing for any other `n`. */
  input(n: number): IrqLine;
  readonly numIrq: number;
  readonly maxPriority: number;
  /** Number of contexts (two per hart). */
  readonly contextCount: number;
}

/** Whether a device built by the registry is the PLIC (and so offers `input(n)`). */
export function isPlic(dev: MmioDevice): dev is PlicDevice {
  return typeof (dev as Partial<PlicDevice>).input === 'function';
}

const PRIORITY_BASE = 0x0;
const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x200000;
const CONTEXT_STRIDE = 0x1000;
/** The spec's limits: 1023 sources, 15872 contexts. */
const MAX_SOURCES = 1023;
const MAX_CONTEXTS = 15872;

export function createPlic(ctx: DeviceContext): PlicDevice {
  const numIrq = Math.min(MAX_SOURCES, Math.max(0, ctx.attributes.u32('num_irq') ?? MAX_SOURCES));
  const maxPriority = Math.max(0, ctx.attributes.u32('max_priority') ?? 7) >>> 0;
  const harts = Math.max(0, Math.min(MAX_CONTEXTS / 2, ctx.hartCount | 0));
  const contexts = harts * 2;
  const words = (numIrq >> 5) + 1; // bits 0..numIrq
  /** Valid-source mask per word (source 0 and sources above numIrq are hardwired to 0). */
  const validMask = new Uint32Array(words);
  for (let s = 1; s <= numIrq; s++) validMask[s >> 5]! |= 1 << (s & 31);

  const priority = new Uint32Array(numIrq + 1);
  const level = new Uint8Array(numIrq + 1);
  const pending = new Uint32Array(words);
  const inService = new Uint32Array(words);
  /** Context that claimed each in-service source. */
  const claimedBy = new Int32Array(numIrq + 1).fill(-1);
  const enable = Array.from({ length: contexts }, () => new Uint32Array(words));
  const threshold = new Uint32Array(contexts);
  const outputs: (OutputLine | undefined)[] = [];
  for (let h = 0; h < harts; h++) {
    outputs[2 * h] = undefined; // M context: never wired
    outputs[2 * h + 1] = new OutputLine(ctx.hartExternalIrq(h));
  }

  const setBit = (a: Uint32Array, s: number, on: boolean): void => {
    const w = s >> 5;
    const m = 1 << (s & 31);
    a[w] = on ? a[w]! | m : a[w]! & ~m;
  };
  const bit = (a: Uint32Array, s: number): boolean => (a[s >> 5]! & (1 << (s & 31))) !== 0;

  /** The best claimable source for context `c` (0 if none). */
  const best = (c: number): number => {
    const en = enable[c]!;
    const th = threshold[c]!;
    let bestId = 0;
    let bestPrio = th;
    for (let w = 0; w < words; w++) {
      let bits = (pending[w]! & en[w]! & ~inService[w]!) >>> 0;
      while (bits !== 0) {
        const low = bits & -bits;
        const s = (w << 5) + (31 - Math.clz32(low));
        bits = (bits ^ low) >>> 0;
        const p = priority[s]!;
        if (p > bestPrio) { bestPrio = p; bestId = s; }
      }
    }
    return bestId;
  };

  const update = (): void => {
    for (let c = 1; c < contexts; c += 2) outputs[c]!.set(best(c) !== 0);
  };

  /** Source `n`'s input line changed. */
  const handle = (n: number, high: boolean): void => {
    if (!Number.isInteger(n) || n < 1 || n > numIrq) return;
    const l = high ? 1 : 0;
    if (level[n] === l) return;
    level[n] = l;
    // The gateway forwards a request when the line goes high and the source is not in service; the request stays
    // pending until claimed even if the line drops first (the PLIC specification's gateways, as QEMU keeps it).
    if (high && !bit(inService, n)) setBit(pending, n, true);
    update();
  };
  const inputs = new Map<number, IrqLine>();
  const input = (n: number): IrqLine => {
    if (!Number.isInteger(n) || n < 1 || n > numIrq) return NO_IRQ;
    let line = inputs.get(n);
    if (!line) {
      line = { set: (high: boolean): void => handle(n, high) };
      inputs.set(n, line);
    }
    return line;
  };

  const claim = (c: number): number => {
    const s = best(c);
    if (s !== 0) {
      setBit(pending, s, false);
      setBit(inService, s, true);
      claimedBy[s] = c;
      update();
    }
    return s;
  };

  const complete = (c: number, s: number): void => {
    if (s < 1 || s > numIrq || !bit(inService, s) || claimedBy[s] !== c) return;
    setBit(inService, s, false);
    claimedBy[s] = -1;
    if (level[s]) setBit(pending, s, true);
    update();
  };

  const read = (offset: number, size: 1 | 2 | 4): number => {
    if (!validAccess(offset, size) || size !== 4 || (offset & 3) !== 0) return 0;
    if (offset < PENDING_BASE) {
      const s = (offset - PRIORITY_BASE) >> 2;
      return s <= numIrq ? priority[s] ?? 0 : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >> 2;
      return w < words ? (pending[w] ?? 0) >>> 0 : 0;
    }
    if (offset < CONTEXT_BASE) {
      const c = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      return w < words ? (enable[c]?.[w] ?? 0) >>> 0 : 0;
    }
    const c = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (c >= contexts) return 0;
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (reg === 0) return threshold[c] ?? 0;
    if (reg === 4) return claim(c);
    return 0;
  };

  const write = (offset: number, size: 1 | 2 | 4, value: number): void => {
    if (!validAccess(offset, size) || size !== 4 || (offset & 3) !== 0) return;
    const v = value >>> 0;
    if (offset < PENDING_BASE) {
      const s = (offset - PRIORITY_BASE) >> 2;
      if (s >= 1 && s <= numIrq) {
        priority[s] = Math.min(v, maxPriority);
        update();
      }
      return;
    }
    if (offset < ENABLE_BASE) return; // pending bits are read only
    if (offset < CONTEXT_BASE) {
      const c = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      const en = enable[c];
      if (en && w < words) {
        en[w] = v & (validMask[w] ?? 0);
        update();
      }
      return;
    }
    const c = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (c >= contexts) return;
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (reg === 0) {
      threshold[c] = Math.min(v, maxPriority);
      update();
    } else if (reg === 4) {
      complete(c, v);
    }
  };

  const reset = (): void => {
    priority.fill(0);
    inService.fill(0);
    claimedBy.fill(-1);
    threshold.fill(0);
    for (const e of enable) e.fill(0);
    // Input lines keep their level (the devices driving them reset themselves); gateways start idle.
    pending.fill(0);
    for (let s = 1; s <= numIrq; s++) if (level[s]) setBit(pending, s, true);
    update();
  };

  const save = (): SavedState => ({
    priority: [...priority], level: [...level], pending: [...pending], inService: [...inService], claimedBy: [...claimedBy],
    enable: enable.map((e) => [...e]), threshold: [...threshold],
  });

  const restore = (state: SavedState): void => {
    const o = asObject(state, 'plic');
    const w = 'plic';
    const saved = {
      priority: ints(o, 'priority', w, 0, maxPriority, numIrq + 1),
      level: ints(o, 'level', w, 0, 1, numIrq + 1),
      pending: ints(o, 'pending', w, 0, 0xffffffff, words),
      inService: ints(o, 'inService', w, 0, 0xffffffff, words),
      claimedBy: ints(o, 'claimedBy', w, -1, contexts - 1, numIrq + 1),
      threshold: ints(o, 'threshold', w, 0, maxPriority, contexts),
      enable: arr(o, 'enable', w).map((e, c) => ints({ e }, 'e', `${w}.enable[${c}]`, 0, 0xffffffff, words)),
    };
    if (saved.enable.length !== contexts) throw new SavedStateError(`${w}.enable: ${saved.enable.length} contexts, expected ${contexts}`);
    // Checked whole before any of it is taken: a bad state leaves the PLIC as it was.
    priority.set(saved.priority); level.set(saved.level); pending.set(saved.pending); inService.set(saved.inService);
    claimedBy.set(saved.claimedBy); threshold.set(saved.threshold);
    enable.forEach((en, c) => en.set(saved.enable[c] ?? [])); // as many contexts: checked above
    update();
  };

  return { name: ctx.name, handle, read, write, reset, save, restore, input, numIrq, maxPriority, contextCount: contexts };
}

export const plicFactory: DeviceFactory = createPlic;
