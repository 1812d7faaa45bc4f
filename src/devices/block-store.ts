/**
 * The bytes behind a virtio disk. A host file is read where the guest reads it, as QEMU reads a raw image, instead
 * of being copied whole into memory when the guest is built (Linux's 8 MiB root disk cost 50-100 ms to read and
 * copy before the first instruction; a 1 GiB disk cost 1 GiB of memory). What the guest writes lives in an overlay
 * of 4 KiB chunks, so the file stays as it was unless the disk is written through (`writeback`).
 */
import { arr, asObject, bytes as savedBytes, int, toBase64, type SavedState } from '../state/saved-state.js';

export interface BlockStore {
  /** Bytes, a multiple of the sector size (the file's length rounded up). */
  readonly length: number;
  /** Copy [start, start + out.length) into `out`. */
  read(start: number, out: Uint8Array): void;
  write(start: number, data: Uint8Array): void;
  /** What the guest wrote (for a snapshot), and its restore. */
  save(): SavedState;
  restore(state: SavedState): void;
}

/** The host file access a lazily read disk needs. */
export interface RandomAccessFile {
  readonly size: number;
  /** Fill `out` from byte `offset` of the file (short at the end of the file: the rest stays 0). */
  readAt(offset: number, out: Uint8Array): void;
}

/** A disk held in memory (when the runtime can only read files whole). */
export function memoryStore(data: Uint8Array, sector: number): BlockStore {
  const bytes = new Uint8Array(Math.ceil(data.length / sector) * sector);
  bytes.set(data); // our own copy: guest writes never reach the host file through it
  return {
    length: bytes.length,
    read: (start, out) => out.set(bytes.subarray(start, start + out.length)),
    write: (start, data) => bytes.set(data, start),
    save: () => ({ bytes: toBase64(bytes) }),
    restore: (state) => bytes.set(savedBytes(asObject(state, 'disk'), 'bytes', 'disk', bytes.length)),
  };
}

const CHUNK = 4096;

/** A disk read from its host file on demand, with the guest's writes in an overlay of chunks. */
export function fileStore(file: RandomAccessFile, sector: number): BlockStore {
  const overlay = new Map<number, Uint8Array>();
  const length = Math.ceil(file.size / sector) * sector;
  /** The chunk's current bytes (for a partial write: the file's, then the guest's). */
  const chunk = (index: number): Uint8Array => {
    let c = overlay.get(index);
    if (!c) {
      c = new Uint8Array(CHUNK);
      if (index * CHUNK < file.size) file.readAt(index * CHUNK, c.subarray(0, Math.min(CHUNK, file.size - index * CHUNK)));
      overlay.set(index, c);
    }
    return c;
  };
  return {
    length,
    read(start, out) {
      let at = 0;
      while (at < out.length) {
        const pos = start + at;
        const index = Math.floor(pos / CHUNK), within = pos % CHUNK;
        const c = overlay.get(index);
        // A run of chunks the guest never wrote is one read of the file.
        let n = Math.min(out.length - at, CHUNK - within);
        if (c) out.set(c.subarray(within, within + n), at);
        else {
          while (at + n < out.length && !overlay.has(Math.floor((start + at + n) / CHUNK))) n = Math.min(out.length - at, n + CHUNK);
          const fromFile = Math.max(0, Math.min(n, file.size - pos));
          if (fromFile > 0) file.readAt(pos, out.subarray(at, at + fromFile));
          out.fill(0, at + fromFile, at + n);
        }
        at += n;
      }
    },
    write(start, data) {
      let at = 0;
      while (at < data.length) {
        const pos = start + at;
        const index = Math.floor(pos / CHUNK), within = pos % CHUNK;
        const n = Math.min(data.length - at, CHUNK - within);
        const c = within === 0 && n === CHUNK ? overlayFresh(overlay, index) : chunk(index);
        c.set(data.subarray(at, at + n), within);
        at += n;
      }
    },
    save: () => ({ chunks: [...overlay].map(([index, c]) => ({ index, bytes: toBase64(c) })) }),
    restore(state) {
      const chunks = arr(asObject(state, 'disk'), 'chunks', 'disk').map((c, i) => {
        const o = asObject(c, `disk.chunks[${i}]`);
        return { index: int(o, 'index', 'disk chunk', 0, Math.ceil(length / CHUNK) - 1), bytes: savedBytes(o, 'bytes', 'disk chunk', CHUNK) };
      });
      overlay.clear();
      for (const c of chunks) overlay.set(c.index, c.bytes);
    },
  };
}

/** A whole chunk about to be overwritten: no need to read the file first. */
function overlayFresh(overlay: Map<number, Uint8Array>, index: number): Uint8Array {
  let c = overlay.get(index);
  if (!c) overlay.set(index, (c = new Uint8Array(CHUNK)));
  return c;
}
