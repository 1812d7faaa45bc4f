/**
 * A disk read on demand from its file, with the guest's writes in an overlay, reads exactly as the same disk held
 * whole in memory, under random reads and writes of every size and alignment; and it leaves the file untouched.
 */
import { describe, expect, it } from 'vitest';
import { fileStore, memoryStore, type RandomAccessFile } from '../../src/devices/block-store.js';

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) % n;
  };
}

describe('block store', () => {
  it('a disk read on demand, with an overlay, matches the disk in memory', () => {
    const size = 5 * 4096 + 777; // not a multiple of a chunk or a sector
    const content = Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
    const original = content.slice();
    let fileReads = 0;
    const file: RandomAccessFile = {
      size,
      readAt: (offset, out) => { fileReads++; out.set(content.subarray(offset, offset + out.length)); },
    };
    const lazy = fileStore(file, 512);
    const whole = memoryStore(content, 512);
    expect(lazy.length).toBe(whole.length);
    expect(lazy.length % 512).toBe(0);
    const next = rng(42);
    for (let i = 0; i < 3000; i++) {
      const start = next(lazy.length);
      const len = 1 + next(Math.min(3 * 4096, lazy.length - start));
      if (next(3) === 0) {
        const data = Uint8Array.from({ length: len }, () => next(256));
        lazy.write(start, data);
        whole.write(start, data);
      } else {
        const a = new Uint8Array(len), b = new Uint8Array(len);
        lazy.read(start, a);
        whole.read(start, b);
        expect(Buffer.compare(a, b), `read ${start}+${len}`).toBe(0);
      }
    }
    expect(Buffer.compare(content, original)).toBe(0); // the file was never written
    expect(fileReads).toBeGreaterThan(0);
  });

  it('reads nothing from the file until the guest does', () => {
    let reads = 0;
    const store = fileStore({ size: 1024 ** 4, readAt: () => { reads++; } }, 512);
    expect(store.length).toBe(1024 ** 4);
    expect(reads).toBe(0);
    const out = new Uint8Array(512);
    store.read(1024 ** 4 - 512, out);
    expect(reads).toBe(1);
  });
});
