/**
 * A hart for the tier tests: 1 MiB of RAM at RAM_BASE holding `words` from its start, and a code cache that either
 * interprets every block or has the wasm tier take each block from its first run (the hart then has its area in the
 * guest's WebAssembly memory).
 */
import { RamBus } from '../../../src/aspace/ram-bus.js';
import { Hart } from '../../../src/vcpu/riscv/hart.js';
import { CodeCache } from '../../../src/vcpu/riscv/translate.js';
import { HART_AREA_BYTES } from '../../../src/vcpu/riscv/hart-area.js';

export const RAM_BASE = 0x80000000;

export interface TierHart {
  readonly hart: Hart;
  readonly bus: RamBus;
  readonly code: CodeCache;
}

/** pc at RAM_BASE; `capacity`: most functions the wasm tier holds. */
export function tierHart(words: readonly number[], wasm: boolean, capacity?: number): TierHart {
  const bus = new RamBus([{ base: RAM_BASE, size: 1 << 20 }], wasm ? { wasm: { reserve: HART_AREA_BYTES } } : {});
  bus.write(RAM_BASE, new Uint8Array(new Uint32Array(words).buffer));
  const code = new CodeCache(bus.memory, { wasm: wasm ? { memory: bus.wasmMemory!, after: 1, capacity } : undefined });
  const hart = new Hart(bus, { code, area: wasm ? { buffer: bus.memory, offset: bus.reservedOffset } : undefined });
  hart.reset(RAM_BASE | 0, 0);
  return { hart, bus, code };
}
