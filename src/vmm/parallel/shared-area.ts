/**
 * The memory a guest's threads share in parallel mode, besides its RAM: a block of words per VCPU (interrupts posted
 * to it, its SEIP line, fences asked of it, the reply to its last request) and, per worker, a ring of code pages
 * other threads changed or started translating. Every word is read and written with Atomics.
 */
import type { CodeSharing } from '../../vcpu/riscv/translate.js';

/** Words per VCPU in `ctl`. */
export const VCPU_WORDS = 8;

/** A VCPU's words (offsets in its block). */
export const enum Word {
  /** Interrupt bits posted to the VCPU (SSIP for an IPI), taken by its worker. */
  Posted = 0,
  /** The level of its SEIP line (driven by the PLIC on the main thread). */
  Seip = 1,
  /** Fences asked of it (Fence bits); cleared by its worker once done. */
  Fence = 2,
  /** Who runs it: 0 nobody (the main thread holds it), w + 1 worker w. */
  Where = 3,
  /** 0 while a request to the main thread is pending, then ReplyStatus. */
  Reply = 4,
  ReplyLo = 5,
  ReplyHi = 6,
}

export const enum Fence {
  /** Flush its TLBs (remote sfence.vma, remote fence.i). */
  Tlb = 1,
}

export const enum ReplyStatus {
  Pending = 0,
  Ok = 1,
  /** An MMIO access to no device. */
  NoDevice = 2,
}

/** Slots of a code-page ring (a power of two); a worker that falls this far behind drops all its code. */
export const RING_SLOTS = 4096;
/** Ring words: [0] the producers' count, then the slots. */
const RING_HEADER = 1;

/** What a worker gets to build its view of a guest. */
export interface SharedGuestBuffers {
  readonly ctl: SharedArrayBuffer;
  readonly owners: SharedArrayBuffer;
  /** A ring per worker. */
  readonly rings: readonly SharedArrayBuffer[];
}

export function createSharedGuest(vcpus: number, pages: number, workers: number): SharedGuestBuffers {
  return {
    ctl: new SharedArrayBuffer(vcpus * VCPU_WORDS * 4),
    owners: new SharedArrayBuffer(pages * 4),
    rings: Array.from({ length: workers }, () => new SharedArrayBuffer((RING_HEADER + RING_SLOTS) * 4)),
  };
}

/** A message in a ring: drop the blocks of `page`, or take stores to it the slow way (another thread's code). */
const dropMessage = (page: number): number => page + 1;
const protectMessage = (page: number): number => -(page + 1);

/**
 * One thread's side of the code sharing of one guest: thread 0 is the main thread (it never runs code but writes
 * RAM for devices and loaders), worker w is thread w + 1.
 */
export class SharedCode implements CodeSharing {
  readonly owners: Int32Array;
  readonly bit: number;
  private readonly rings: Int32Array[];
  /** This worker's ring, and how far it has read it. */
  private readonly mine: Int32Array | undefined;
  private head = 0;

  constructor(buffers: SharedGuestBuffers, readonly thread: number) {
    this.owners = new Int32Array(buffers.owners);
    this.bit = 1 << thread;
    this.rings = buffers.rings.map((b) => new Int32Array(b));
    this.mine = thread > 0 ? this.rings[thread - 1] : undefined;
    if (this.mine) this.head = Atomics.load(this.mine, 0);
  }

  firstCode(page: number): void {
    this.rings.forEach((ring, w) => { if (w + 1 !== this.thread) push(ring, protectMessage(page)); });
  }

  stale(page: number, others: number): void {
    this.rings.forEach((ring, w) => { if (others & (1 << (w + 1))) push(ring, dropMessage(page)); });
  }

  /** Whether messages wait in this worker's ring (a cheap test before `drain`). */
  pending(): boolean {
    return this.mine !== undefined && Atomics.load(this.mine, 0) !== this.head;
  }

  /**
   * Act on the messages in this worker's ring: `drop(page)`, `protect(page)`; `overflow()` when messages were lost
   * (drop everything instead).
   */
  drain(drop: (page: number) => void, protect: (page: number) => void, overflow: () => void): void {
    const ring = this.mine;
    if (ring === undefined) return;
    const tail = Atomics.load(ring, 0);
    if (tail - this.head > RING_SLOTS) {
      overflow();
      for (let i = 0; i < RING_SLOTS; i++) Atomics.store(ring, RING_HEADER + i, 0);
      this.head = tail;
      return;
    }
    while (this.head !== tail) {
      const slot = RING_HEADER + (this.head & (RING_SLOTS - 1));
      const m = Atomics.exchange(ring, slot, 0);
      if (m === 0) return; // counted but not yet written: read on the next drain
      if (m > 0) drop(m - 1);
      else protect(-m - 1);
      this.head = (this.head + 1) | 0;
    }
  }
}

function push(ring: Int32Array, message: number): void {
  const n = Atomics.add(ring, 0, 1);
  Atomics.store(ring, RING_HEADER + (n & (RING_SLOTS - 1)), message);
}
