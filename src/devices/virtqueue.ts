/**
 * Split virtqueues (virtio 1.x, section 2.7) in guest memory, seen from the device side: take available
 * descriptor chains, hand back used elements. Every guest-memory access is checked; anything malformed (an address
 * outside guest memory, a descriptor index out of range, a chain longer than the queue — a loop —, an indirect
 * descriptor, which the transport never offers, or an avail index running more than a queue ahead) throws a
 * {@link VirtqueueError}, which the transport turns into DEVICE_NEEDS_RESET.
 */
import { asObject, bool, int, type SavedState } from '../state/saved-state.js';
import type { GuestMemory } from './device.js';

export class VirtqueueError extends Error {}

export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/** One available descriptor chain: its head index and its device-readable then device-writable buffers. */
export interface Chain {
  readonly head: number;
  readonly readable: Segment[];
  readonly writable: Segment[];
}

const DESC_F_NEXT = 1;
const DESC_F_WRITE = 2;
const DESC_F_INDIRECT = 4;
const AVAIL_F_NO_INTERRUPT = 1;
const TWO32 = 0x100000000;

export const total = (segs: readonly Segment[]): number => segs.reduce((n, s) => n + s.len, 0);

export class SplitQueue {
  /** Configuration, as the driver wrote it through the transport. */
  size = 0;
  ready = false;
  descAddr = 0;
  driverAddr = 0;
  deviceAddr = 0;
  /** Device-side ring positions. */
  lastAvail = 0;
  usedIdx = 0;
  /** Set once the queue was found malformed: no more processing until reset. */
  broken = false;
  /** Used elements added since the transport last looked. */
  pushed = 0;

  constructor(private readonly mem: GuestMemory, readonly maxSize: number) {}

  reset(): void {
    this.size = 0;
    this.ready = false;
    this.descAddr = 0;
    this.driverAddr = 0;
    this.deviceAddr = 0;
    this.lastAvail = 0;
    this.usedIdx = 0;
    this.broken = false;
    this.pushed = 0;
  }

  save(): SavedState {
    return {
      size: this.size, ready: this.ready, descAddr: this.descAddr, driverAddr: this.driverAddr, deviceAddr: this.deviceAddr,
      lastAvail: this.lastAvail, usedIdx: this.usedIdx, broken: this.broken,
    };
  }

  restore(state: SavedState): void {
    const o = asObject(state, 'virtqueue');
    const w = 'virtqueue';
    const saved = {
      size: int(o, 'size', w, 0, this.maxSize), ready: bool(o, 'ready', w), descAddr: int(o, 'descAddr', w, 0),
      driverAddr: int(o, 'driverAddr', w, 0), deviceAddr: int(o, 'deviceAddr', w, 0), lastAvail: int(o, 'lastAvail', w, 0, 0xffff),
      usedIdx: int(o, 'usedIdx', w, 0, 0xffff), broken: bool(o, 'broken', w),
    };
    Object.assign(this, saved);
    this.pushed = 0;
  }

  private bytes(gpa: number, len: number): Uint8Array {
    const b = Number.isSafeInteger(gpa) && gpa >= 0 ? this.mem.read(gpa, len) : undefined;
    if (!b || b.length < len) throw new VirtqueueError(`guest memory 0x${gpa.toString(16)}+${len} is not accessible`);
    return b;
  }

  private u16(gpa: number): number {
    const b = this.bytes(gpa, 2); // two bytes, or it threw
    return new DataView(b.buffer, b.byteOffset, 2).getUint16(0, true);
  }

  private put(gpa: number, data: Uint8Array): void {
    if (!Number.isSafeInteger(gpa) || gpa < 0 || !this.mem.write(gpa, data)) {
      throw new VirtqueueError(`guest memory 0x${gpa.toString(16)}+${data.length} is not writable`);
    }
  }

  /** The next available chain, or undefined when the driver has made none available. */
  pop(): Chain | undefined {
    const n = this.size;
    const availIdx = this.u16(this.driverAddr + 2);
    if (availIdx === this.lastAvail) return undefined;
    if (((availIdx - this.lastAvail) & 0xffff) > n) throw new VirtqueueError(`avail index ${availIdx} runs more than the queue size ahead of ${this.lastAvail}`);
    const head = this.u16(this.driverAddr + 4 + 2 * (this.lastAvail % n));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let i = head;
    for (let count = 1; ; count++) {
      if (i >= n) throw new VirtqueueError(`descriptor index ${i} outside the queue (size ${n})`);
      if (count > n) throw new VirtqueueError(`descriptor chain from ${head} longer than the queue (a loop)`);
      const d = this.bytes(this.descAddr + 16 * i, 16);
      const v = new DataView(d.buffer, d.byteOffset, 16);
      const addr = v.getUint32(0, true) + v.getUint32(4, true) * TWO32;
      const len = v.getUint32(8, true);
      const flags = v.getUint16(12, true);
      const next = v.getUint16(14, true);
      if (flags & DESC_F_INDIRECT) throw new VirtqueueError('indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)');
      (flags & DESC_F_WRITE ? writable : readable).push({ addr, len });
      if (!(flags & DESC_F_NEXT)) break;
      i = next;
    }
    return { head, readable, writable };
  }

  /** Return a chain to the driver with `len` bytes written into its writable buffers. */
  push(head: number, len: number): void {
    const e = new Uint8Array(8);
    const v = new DataView(e.buffer);
    v.setUint32(0, head, true);
    v.setUint32(4, len >>> 0, true);
    this.put(this.deviceAddr + 4 + 8 * (this.usedIdx % this.size), e);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.put(this.deviceAddr + 2, Uint8Array.of(this.usedIdx & 0xff, this.usedIdx >> 8));
    this.pushed++;
  }

  /** Whether the driver wants an interrupt for used buffers (VIRTQ_AVAIL_F_NO_INTERRUPT clear). */
  wantsInterrupt(): boolean {
    return (this.u16(this.driverAddr) & AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** The bytes of a segment (throws if outside guest memory). */
  read(seg: Segment): Uint8Array {
    return this.bytes(seg.addr, seg.len);
  }

  /** `len` bytes starting `skip` bytes into the concatenation of `segs` (throws if they hold fewer). */
  gather(segs: readonly Segment[], skip: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let pos = 0;
    for (const s of segs) {
      if (pos >= len) break;
      if (skip >= s.len) { skip -= s.len; continue; }
      const take = Math.min(s.len - skip, len - pos);
      out.set(this.bytes(s.addr + skip, take), pos);
      pos += take;
      skip = 0;
    }
    if (pos < len) throw new VirtqueueError(`descriptor chain holds fewer than ${len} bytes`);
    return out;
  }

  /** Call `each` for the pieces of `segs` from byte `skip` on (`len` bytes at most), in order. */
  forEach(segs: readonly Segment[], skip: number, len: number, each: (addr: number, len: number, at: number) => void): void {
    let at = 0;
    for (const s of segs) {
      if (at >= len) break;
      if (skip >= s.len) { skip -= s.len; continue; }
      const take = Math.min(s.len - skip, len - at);
      each(s.addr + skip, take, at);
      at += take;
      skip = 0;
    }
  }

  /** Write `data` across `segs` from their start; returns the bytes written (all of `data` unless they are short). */
  scatter(segs: readonly Segment[], data: Uint8Array): number {
    let written = 0;
    this.forEach(segs, 0, data.length, (addr, len, at) => {
      this.put(addr, data.subarray(at, at + len));
      written += len;
    });
    return written;
  }

  /** Write raw bytes at a guest address (throws if outside guest memory). */
  store(addr: number, data: Uint8Array): void {
    this.put(addr, data);
  }
}
