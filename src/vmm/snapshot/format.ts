/**
 * The snapshot file: a versioned, checksummed, compressed container of named sections.
 *
 *   "TSVSNAP\n"  u32 version  u32 reserved  32-byte SHA-256 of the compressed body  body
 *   body = deflate( sections ),  section = u8 name length, name, u32 length (low), u32 length (high), bytes
 *
 * The "state" section is JSON (what every part of the guest saved); "memory" is RAM written sparsely: a bitmap of
 * the 4 KiB pages that are not all zero, then those pages. Reading checks everything before anything is built from
 * it, so a truncated, altered or foreign file is refused with a clear message, never half restored.
 */
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';
import type * as Zlib from 'node:zlib';

/**
 * node:crypto and node:zlib, loaded at the first snapshot: every `tsvisor run` imports this file, and loading them
 * (OpenSSL's initialisation above all) was a tenth of a trivial run's start-up.
 */
const builtin = createRequire(import.meta.url);
const crypto = (): typeof Crypto => builtin('node:crypto') as typeof Crypto;
const zlib = (): typeof Zlib => builtin('node:zlib') as typeof Zlib;

export const SNAPSHOT_MAGIC = 'TSVSNAP\n';
export const SNAPSHOT_VERSION = 1;
const HEADER = 8 + 4 + 4 + 32;
const PAGE = 4096;
/** Most bytes a snapshot may unpack to (guest RAM is at most 2 GiB, plus its state). */
export const MAX_SNAPSHOT_BYTES = 2 ** 31 + 2 ** 28;

const ZLIB_CHUNK = 1 << 20;
/** Largest output chunk when inflating (only touched pages of it cost memory). */
const MAX_INFLATE_CHUNK = 1 << 28;

export class SnapshotError extends Error {}

export function encodeSnapshot(sections: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [name, data] of sections) {
    const head = Buffer.alloc(1 + name.length + 8);
    head[0] = name.length;
    head.write(name, 1, 'latin1');
    head.writeUInt32LE(data.length % 2 ** 32, 1 + name.length);
    head.writeUInt32LE(Math.floor(data.length / 2 ** 32), 5 + name.length);
    parts.push(head, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  // Level 3: as small as the default for RAM pages at half the time, and the fastest to inflate; zlib's 16 KiB default
  // output chunks made inflating a Linux snapshot 5x slower than 1 MiB ones.
  const body = zlib().deflateSync(Buffer.concat(parts), { level: 3, chunkSize: ZLIB_CHUNK });
  const header = Buffer.alloc(HEADER);
  header.write(SNAPSHOT_MAGIC, 0, 'latin1');
  header.writeUInt32LE(SNAPSHOT_VERSION, 8);
  crypto().createHash('sha256').update(body).digest().copy(header, 16);
  return Buffer.concat([header, body]);
}

export function decodeSnapshot(file: Uint8Array): Map<string, Uint8Array> {
  const f = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (f.length < HEADER || f.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) throw new SnapshotError('not a tsvisor snapshot');
  const version = f.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(`snapshot format version ${version}; this tsvisor reads version ${SNAPSHOT_VERSION}`);
  if (f.readUInt32LE(12) !== 0) throw new SnapshotError('corrupted (unknown header flags)');
  const body = f.subarray(HEADER);
  if (!crypto().createHash('sha256').update(body).digest().equals(f.subarray(16, 48))) {
    throw new SnapshotError('corrupted (its checksum does not match: truncated or altered)');
  }
  let raw: Buffer;
  try {
    // Output in one chunk where it fits (RAM pages deflate ~3.5x): chunks are joined by a copy of everything at the
    // end. Inflating a Linux snapshot (3 MB to 10.6 MB) in a fresh process: 74 ms in 1 MiB chunks, 48 ms in one.
    const chunkSize = Math.min(MAX_INFLATE_CHUNK, Math.max(ZLIB_CHUNK, 8 * body.length));
    raw = zlib().inflateSync(body, { maxOutputLength: MAX_SNAPSHOT_BYTES, chunkSize });
  } catch (e) {
    throw new SnapshotError(`corrupted (${(e as Error).message})`);
  }
  const sections = new Map<string, Uint8Array>();
  for (let at = 0; at < raw.length;) {
    const n = raw.readUInt8(at);
    if (at + 1 + n + 8 > raw.length) throw new SnapshotError('corrupted (a section header is cut short)');
    const name = raw.toString('latin1', at + 1, at + 1 + n);
    const length = raw.readUInt32LE(at + 1 + n) + raw.readUInt32LE(at + 5 + n) * 2 ** 32;
    const start = at + 9 + n;
    if (start + length > raw.length) throw new SnapshotError(`corrupted (section ${name} is cut short)`);
    sections.set(name, raw.subarray(start, start + length));
    at = start + length;
  }
  return sections;
}

/**
 * RAM, sparsely: a bitmap of the pages holding anything but zeros, then those pages in order. With `written` (a
 * byte per page, set for pages that may have been written: Bus.dirty), only those pages are looked at: the others
 * are zero, and reading them would make the host map every page of a guest's RAM (0.9 s for 256 MiB).
 */
export function encodeMemory(memory: Uint8Array, written?: Uint8Array): Uint8Array {
  const pages = Math.ceil(memory.length / PAGE);
  const bitmap = new Uint8Array(Math.ceil(pages / 8));
  const zero = Buffer.alloc(PAGE);
  const kept: Buffer[] = [];
  const m = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  for (let p = 0; p < pages; p++) {
    if (written && !written[p]) continue;
    const page = m.subarray(p * PAGE, Math.min(m.length, (p + 1) * PAGE));
    if (page.equals(zero.subarray(0, page.length))) continue;
    bitmap[p >> 3] = (bitmap[p >> 3] ?? 0) | (1 << (p & 7));
    kept.push(page);
  }
  const head = Buffer.alloc(8);
  head.writeUInt32LE(memory.length % 2 ** 32, 0);
  head.writeUInt32LE(Math.floor(memory.length / 2 ** 32), 4);
  return Buffer.concat([head, bitmap, ...kept]);
}

/**
 * Fill `memory` from `encodeMemory`'s bytes (marking the pages in `written`); the sizes must match. `zeroed`: the caller knows memory is all zeros
 * now, so the pages the snapshot leaves out are not cleared (clearing touches every page of a fresh guest's RAM:
 * 0.8 s for 256 MiB, against 12 ms for the pages a booted Linux holds).
 */
export function decodeMemory(data: Uint8Array, memory: Uint8Array, zeroed = false, written?: Uint8Array): void {
  const d = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (d.length < 8) throw new SnapshotError('corrupted (the memory section is cut short)');
  const length = d.readUInt32LE(0) + d.readUInt32LE(4) * 2 ** 32;
  if (length !== memory.length) throw new SnapshotError(`the snapshot holds ${length} bytes of guest memory; this guest has ${memory.length}`);
  const pages = Math.ceil(length / PAGE);
  const bitmap = d.subarray(8, 8 + Math.ceil(pages / 8));
  let at = 8 + bitmap.length;
  let expected = at;
  const kept = (p: number): boolean => ((bitmap[p >> 3] ?? 0) & (1 << (p & 7))) !== 0;
  for (let p = 0; p < pages; p++) if (kept(p)) expected += Math.min(PAGE, length - p * PAGE);
  if (bitmap.length * 8 < pages || expected !== d.length) throw new SnapshotError('corrupted (the memory section does not match its page map)');
  if (!zeroed) memory.fill(0);
  for (let p = 0; p < pages; p++) {
    if (!kept(p)) continue;
    const n = Math.min(PAGE, length - p * PAGE);
    memory.set(d.subarray(at, at + n), p * PAGE);
    if (written) written[p] = 1;
    at += n;
  }
}
