/**
 * A guest bus over RAM and ROM regions packed into one backing ArrayBuffer; any other address is an exit (MMIO).
 * The OS allocates the zeroed backing lazily, so a large, mostly untouched RAM costs little.
 */
import type { Bus } from '../vcpu/riscv/bus.js';

export interface MemoryRegionSpec {
  /** Guest-physical base address (4 KiB aligned, below 2^53). */
  readonly base: number;
  /** Size in bytes (a multiple of 4 KiB). */
  readonly size: number;
  readonly readOnly?: boolean;
  /** An alias: the region shows the memory at this guest-physical address (inside a RAM/ROM region listed before). */
  readonly aliasOf?: number;
}

interface Placed {
  readonly base: number;
  readonly end: number;
  /** Offset of the region in the backing store. */
  readonly offset: number;
  readonly readOnly: boolean;
}

const TWO32 = 4294967296;
/** Largest backing store: translated code indexes it with int32 arithmetic. */
export const MAX_BACKING = 2 ** 31 - 4096;

/** Where a bus keeps its backing store. */
export interface RamBusOptions {
  /**
   * Back RAM with a SharedArrayBuffer (parallel mode: harts on other threads use the same memory), or take the
   * shared backing store and written-page bytes another thread's bus made for the same regions.
   */
  readonly shared?: boolean | SharedBusBuffers;
  /**
   * Back RAM with a WebAssembly memory (the wasm tier's code addresses guest RAM directly), with `reserve` bytes more
   * after the regions for the harts' areas (vcpu/riscv/hart-area.ts); shared with `shared: true`.
   */
  readonly wasm?: { readonly reserve: number };
}

/** What a bus on another thread takes to share a bus's memory: `memory` is `wasm`'s buffer when there is one. */
export interface SharedBusBuffers {
  readonly memory: SharedArrayBuffer;
  readonly dirty: SharedArrayBuffer;
  readonly wasm?: WebAssembly.Memory;
}

/** Bytes of a WebAssembly memory page. */
const WASM_PAGE = 65536;

export class RamBus implements Bus {
  readonly memory: ArrayBuffer | SharedArrayBuffer;
  /** The WebAssembly memory whose buffer `memory` is (RamBusOptions.wasm), else undefined. */
  readonly wasmMemory: WebAssembly.Memory | undefined;
  /** Where the reserved bytes after the regions start in `memory` (RamBusOptions.wasm). */
  readonly reservedOffset: number;
  readonly bytes: Uint8Array;
  readonly dirty: Uint8Array;
  private readonly regions: Placed[] = [];

  constructor(regions: readonly MemoryRegionSpec[], options: RamBusOptions = {}) {
    let offset = 0;
    for (const r of regions) {
      if (r.base % 4096 !== 0 || r.size % 4096 !== 0 || r.size <= 0) {
        throw new RangeError(`memory region 0x${r.base.toString(16)}+0x${r.size.toString(16)} is not 4 KiB aligned`);
      }
      if (r.aliasOf !== undefined) {
        const target = this.regions.find((t) => r.aliasOf! >= t.base && r.aliasOf! + r.size <= t.end);
        if (!target || r.aliasOf % 4096 !== 0) {
          throw new RangeError(`alias at 0x${r.base.toString(16)} of 0x${r.aliasOf.toString(16)} is not inside one memory region`);
        }
        this.regions.push({ base: r.base, end: r.base + r.size, offset: target.offset + (r.aliasOf - target.base), readOnly: target.readOnly });
        continue;
      }
      this.regions.push({ base: r.base, end: r.base + r.size, offset, readOnly: r.readOnly ?? false });
      offset += r.size;
    }
    if (offset > MAX_BACKING) throw new RangeError(`guest memory of ${offset} bytes exceeds the ${MAX_BACKING}-byte limit`);
    const pages = Math.ceil(offset / 4096);
    const shared = options.shared;
    this.reservedOffset = offset;
    this.wasmMemory = undefined;
    if (typeof shared === 'object') {
      const size = shared.wasm ? shared.memory.byteLength >= offset : shared.memory.byteLength === offset;
      if (!size || shared.dirty.byteLength !== pages || (shared.wasm && shared.wasm.buffer !== shared.memory)) {
        throw new RangeError('shared guest memory does not match the regions');
      }
      this.wasmMemory = shared.wasm;
      this.memory = shared.memory;
      this.dirty = new Uint8Array(shared.dirty);
    } else if (options.wasm !== undefined) {
      const size = Math.ceil((offset + options.wasm.reserve) / WASM_PAGE);
      this.wasmMemory = new WebAssembly.Memory({ initial: size, maximum: size, shared: shared === true });
      this.memory = this.wasmMemory.buffer;
      this.dirty = shared ? new Uint8Array(new SharedArrayBuffer(pages)) : new Uint8Array(pages);
    } else if (shared) {
      this.memory = new SharedArrayBuffer(offset);
      this.dirty = new Uint8Array(new SharedArrayBuffer(pages));
    } else {
      this.memory = new ArrayBuffer(offset);
      this.dirty = new Uint8Array(pages);
    }
    // RAM and ROM only: the harts' areas are no guest memory.
    this.bytes = new Uint8Array(this.memory, 0, offset);
  }

  /** The backing store and written-page bytes, for a bus on another thread (a shared bus only). */
  sharedBuffers(): SharedBusBuffers | undefined {
    const memory = this.memory, dirty = this.dirty.buffer;
    if (!(memory instanceof SharedArrayBuffer && dirty instanceof SharedArrayBuffer)) return undefined;
    return this.wasmMemory ? { memory, dirty, wasm: this.wasmMemory } : { memory, dirty };
  }

  lookupPage(paLo: number, paHi: number): number {
    const pa = (paHi >>> 0) * TWO32 + (paLo >>> 0);
    for (const r of this.regions) {
      if (pa >= r.base && pa < r.end) return r.offset + Math.floor((pa - r.base) / 4096) * 4096 + (r.readOnly ? 1 : 0);
    }
    return -1;
  }

  /** Backing offset of a guest-physical address, or -1 if it is not RAM or ROM. */
  offsetOf(pa: number): number {
    for (const r of this.regions) if (pa >= r.base && pa < r.end) return r.offset + (pa - r.base);
    return -1;
  }

  /** Copy bytes into guest memory (ROM included); false if the range is not entirely inside one region. */
  write(pa: number, data: Uint8Array): boolean {
    const start = this.offsetOf(pa);
    if (start < 0 || (data.length > 0 && this.offsetOf(pa + data.length - 1) !== start + data.length - 1)) return false;
    this.bytes.set(data, start);
    if (data.length > 0) this.dirty.fill(1, start >>> 12, ((start + data.length - 1) >>> 12) + 1);
    return true;
  }

  /** Read `length` bytes of guest memory, or undefined if the range is not RAM/ROM. */
  read(pa: number, length: number): Uint8Array | undefined {
    const start = this.offsetOf(pa);
    if (start < 0 || (length > 0 && this.offsetOf(pa + length - 1) !== start + length - 1)) return undefined;
    return this.bytes.subarray(start, start + length);
  }
}
