/**
 * The flattened device tree (DTB) format, laid out exactly as dtc 1.6.1 writes it: header, 8-byte aligned
 * reserve map, structure block, then a strings block in which a name reuses any earlier string it is a suffix of.
 *
 * Versions (as dtc's flattree.c has them): 17 is the default. 16 lacks size_dt_struct (a 36-byte header). 1 to 3
 * differ more: node begin tokens hold full paths (`/cpus/cpu@0`), every node gets a `name` property, a property
 * value of 8 bytes or more starts 8-byte aligned (in the structure block), NOP is not part of the format; the
 * header is 28 bytes in v1, 32 in v2 (boot_cpuid_phys), 36 in v3 (size_dt_strings). dtc writes 2, 3, 16 and 17
 * (and 1); it reads every version, taking < 16 as the old layout.
 */
import { ByteBuffer, latin1 } from './bytes.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import { PropValue } from './data.js';
import { Node, Property, type DeviceTree, type ReserveEntry } from './tree.js';

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const V1_HEADER_SIZE = 28;

export interface BlobOptions {
  /** Extra empty reserve-map slots (-R). */
  reserveSlots?: number;
  /** Minimum total size (-S), padding bytes (-p) and alignment of the total size (-a). */
  minSize?: number;
  padSize?: number;
  align?: number;
  /** Overrides the boot CPU (-b). */
  bootCpuid?: number;
  /** The DTB version to write (-V): 1, 2, 3, 16 or 17 (the default). */
  version?: number;
}

/** dtc's string table: a name already present as the tail of an earlier string shares its bytes. */
export class StringTable {
  readonly sink = new ByteBuffer(1024);
  private readonly offsets = new Map<string, number>();

  offsetOf(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const at = this.sink.length;
    this.sink.cstring(s);
    for (let k = 0; k <= s.length; k++) {
      const tail = k === 0 ? s : s.slice(k);
      if (!this.offsets.has(tail)) this.offsets.set(tail, at + k);
    }
    return at;
  }
}

/** The DTB versions dtc 1.6.1 writes (`-V`). */
export const BLOB_VERSIONS = [1, 2, 3, 16, 17] as const;
export type BlobVersion = (typeof BLOB_VERSIONS)[number];

/** Header size by version (dtc's FDT_V1_SIZE ... FDT_V17_SIZE). */
function headerSize(version: number): number {
  return version >= 17 ? 40 : version >= 3 ? 36 : version >= 2 ? 32 : 28;
}

function flatten(root: Node, dt: ByteBuffer, strings: StringTable, version: number): void {
  const old = version < 16;
  const varAlign = (len: number) => {
    if (old && len >= 8) while (dt.length % 8) dt.byte(0);
  };
  // Depth-first without recursion; a frame's child index -1 means "not begun".
  const stack: { n: Node; path: string; next: number }[] = [{ n: root, path: '/', next: -1 }];
  for (let f = stack.at(-1); f; f = stack.at(-1)) {
    const n = f.n;
    if (f.next < 0) {
      dt.int(FDT_BEGIN_NODE, 32);
      dt.cstring(old ? f.path : n.name);
      dt.align(4);
      let sawName = false;
      for (const p of n.props) {
        if (p.deleted) continue;
        if (p.name === 'name') sawName = true;
        dt.int(FDT_PROP, 32);
        dt.int(p.value.length, 32);
        dt.int(strings.offsetOf(p.name), 32);
        varAlign(p.value.length);
        dt.bytes(p.value.bytes);
        dt.align(4);
      }
      if (old && !sawName) {
        const base = n.basename;
        dt.int(FDT_PROP, 32);
        dt.int(base.length + 1, 32);
        dt.int(strings.offsetOf('name'), 32);
        varAlign(base.length + 1);
        dt.cstring(base);
        dt.align(4);
      }
      f.next = 0;
    }
    let child = n.children[f.next];
    while (child?.deleted) child = n.children[++f.next];
    if (child) f.next++;
    if (child) {
      stack.push({ n: child, path: f.path === '/' ? `/${child.name}` : `${f.path}/${child.name}`, next: -1 });
      continue;
    }
    dt.int(FDT_END_NODE, 32);
    stack.pop();
  }
}

export function toBlob(tree: DeviceTree, opts: BlobOptions = {}): Uint8Array {
  const version = opts.version ?? 17;
  if (!(BLOB_VERSIONS as readonly number[]).includes(version)) throw new RangeError(`unknown DTB version ${version}`);
  const dt = new ByteBuffer(4096);
  const strings = new StringTable();
  flatten(tree.root, dt, strings, version);
  dt.int(FDT_END, 32);

  const rsv = new ByteBuffer(64);
  const reserveEntry = (address: bigint, size: bigint) => {
    rsv.int(Number(address >> 32n), 32);
    rsv.int(Number(address & 0xffffffffn), 32);
    rsv.int(Number(size >> 32n), 32);
    rsv.int(Number(size & 0xffffffffn), 32);
  };
  for (const r of tree.reserves) reserveEntry(r.address, r.size);
  for (let i = 0; i < (opts.reserveSlots ?? 0); i++) reserveEntry(0n, 0n);
  reserveEntry(0n, 0n);

  const hdr = headerSize(version);
  const offRsv = (hdr + 7) & ~7;
  const offStruct = offRsv + rsv.length;
  const offStrings = offStruct + dt.length;
  let total = offStrings + strings.sink.length;

  let pad = 0;
  if (opts.minSize && opts.minSize > 0) pad = Math.max(0, opts.minSize - total);
  if (opts.padSize && opts.padSize > 0) pad = opts.padSize;
  if (opts.align && opts.align > 0) pad = Math.ceil((total + pad) / opts.align) * opts.align - total;
  total += pad;

  const out = new Uint8Array(total);
  const h = new DataView(out.buffer);
  h.setUint32(0, FDT_MAGIC);
  h.setUint32(4, total);
  h.setUint32(8, offStruct);
  h.setUint32(12, offStrings);
  h.setUint32(16, offRsv);
  h.setUint32(20, version);
  h.setUint32(24, version >= 16 ? 16 : 1);
  if (version >= 2) h.setUint32(28, (opts.bootCpuid ?? tree.bootCpuid) >>> 0);
  if (version >= 3) h.setUint32(32, strings.sink.length);
  if (version >= 17) h.setUint32(36, dt.length);
  out.set(rsv.view(), offRsv);
  out.set(dt.view(), offStruct);
  out.set(strings.sink.view(), offStrings);
  return out;
}

export class BlobError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'BlobError';
  }
}

/** Reads a DTB of any version, as dtc does. Malformed input throws BlobError with the offset of the problem. */
export function fromBlob(blob: Uint8Array): DeviceTree {
  if (blob.length < 8) throw new BlobError(`file is too short for a DTB header (${blob.length} bytes)`, 0);
  const h = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (h.getUint32(0) !== FDT_MAGIC) throw new BlobError(`bad magic 0x${h.getUint32(0).toString(16)} (expected 0xd00dfeed): not a DTB`, 0);
  const total = h.getUint32(4);
  if (total < V1_HEADER_SIZE) throw new BlobError(`DT blob size (${total}) is too small`, 4);
  if (total > blob.length) throw new BlobError(`header says ${total} bytes but the file has ${blob.length}`, 4);
  const offStruct = h.getUint32(8);
  const offStrings = h.getUint32(12);
  const offRsv = h.getUint32(16);
  const version = h.getUint32(20);
  // As dtc does, every version is read; the header fields a version lacks are not looked at (boot_cpuid_phys
  // of a v1 blob is the padding before its reserve map, as in dtc).
  const bootCpuid = total >= 32 ? h.getUint32(28) : 0;
  const old = version < 16;
  if (offRsv >= total) throw new BlobError(`reserve map offset ${offRsv} is outside the blob`, 16);
  if (offStruct >= total) throw new BlobError(`structure block offset ${offStruct} is outside the blob`, 8);
  if (offStrings > total) throw new BlobError(`strings block offset ${offStrings} is outside the blob`, 12);
  const sizeStrings = version >= 3 ? h.getUint32(32) : total - offStrings;
  const sizeStruct = version >= 17 ? h.getUint32(36) : total - offStruct;
  const inBlob = (off: number, len: number, what: string, at: number) => {
    if (off > total || len > total - off) throw new BlobError(`${what} (offset ${off}, size ${len}) lies outside the blob`, at);
  };
  inBlob(offStruct, sizeStruct, 'structure block', 8);
  inBlob(offStrings, sizeStrings, 'strings block', 12);

  const reserves: ReserveEntry[] = [];
  let mapEnd: number;
  let reserveSlots = 0;
  for (let o = offRsv; ; o += 16) {
    if (o + 16 > total) throw new BlobError('reserve map is not terminated', o);
    const address = h.getBigUint64(o);
    const size = h.getBigUint64(o + 8);
    mapEnd = o + 16;
    if (address === 0n && size === 0n) break;
    reserves.push({ address, size, labels: [] });
  }
  // `/memreserve/ 0 0;` in a source writes an entry that reads as the terminator. dtc's reader drops it and every
  // entry after it; tsvisor keeps them when non-empty entries follow before the structure block, so the DTB
  // reads back and writes out the same.
  if (offRsv < offStruct && offStruct <= total) {
    let last = -1;
    for (let o = mapEnd; o + 16 <= offStruct; o += 16) if (h.getBigUint64(o) !== 0n || h.getBigUint64(o + 8) !== 0n) last = o;
    for (let o = mapEnd - 16; o <= last; o += 16) reserves.push({ address: h.getBigUint64(o), size: h.getBigUint64(o + 8), labels: [] });
    if (last >= 0) mapEnd = last + 32;
    for (let o = mapEnd; o + 16 <= offStruct; o += 16) reserveSlots++;
  }

  const end = offStruct + sizeStruct;
  let o = offStruct;
  const u32 = (): number => {
    if (o + 4 > end) throw new BlobError('structure block ends unexpectedly', o);
    const v = h.getUint32(o);
    o += 4;
    return v;
  };
  const cstr = (from: number, limit: number, what: string): string => {
    let i = from;
    while (i < limit && blob[i] !== 0) i++;
    if (i >= limit) throw new BlobError(`unterminated ${what}`, from);
    return latin1(blob.subarray(from, i));
  };

  let root: Node | undefined;
  const stack: Node[] = [];
  /** Full paths of the open nodes, for versions < 16 (their begin tokens hold paths). */
  const paths: string[] = [];
  {
    const first = u32();
    if (first !== FDT_BEGIN_NODE) throw new BlobError(`the structure block begins with 0x${first.toString(16).padStart(8, '0')}, not FDT_BEGIN_NODE`, offStruct);
    o -= 4;
  }
  for (;;) {
    const tagAt = o;
    const tag = u32();
    if (tag === FDT_BEGIN_NODE) {
      const flat = cstr(o, end, 'node name');
      o = (o + flat.length + 1 + 3) & ~3;
      if (stack.length > MAX_NODE_DEPTH) throw new BlobError(tooDeep('nodes', MAX_NODE_DEPTH), tagAt);
      let name = flat;
      if (old) {
        // dtc's nodename_from_path: the parent's path, then '/' unless the parent is the root.
        const parent = paths[paths.length - 1] ?? '';
        if (!flat.startsWith(parent)) throw new BlobError(`path "${flat}" is not valid as a child of "${parent}"`, tagAt);
        name = flat.slice(parent === '/' ? parent.length : parent.length + 1);
        paths.push(flat);
      }
      const n = new Node(name);
      const parent = stack.at(-1);
      if (parent) parent.addChild(n);
      else root = n;
      stack.push(n);
    } else if (tag === FDT_PROP) {
      const len = u32();
      const nameOff = u32();
      const node = stack.at(-1);
      if (!node) throw new BlobError('a property outside any node', tagAt);
      if (nameOff >= sizeStrings) throw new BlobError(`property name offset ${nameOff} is outside the strings block`, tagAt);
      const name = cstr(offStrings + nameOff, offStrings + sizeStrings, 'property name');
      if (old && len >= 8) o = offStruct + ((o - offStruct + 7) & ~7);
      if (o + len > end) throw new BlobError(`property ${name} runs past the structure block`, tagAt);
      node.addProp(new Property(name, new PropValue(blob.slice(o, o + len))));
      o = offStruct + ((o + len - offStruct + 3) & ~3);
    } else if (tag === FDT_END_NODE) {
      stack.pop();
      paths.pop();
      if (stack.length === 0) {
        // dtc: the root's end must be followed by FDT_END itself (no NOP in between).
        const endAt = o;
        const last = u32();
        if (last !== FDT_END) throw new BlobError(`the structure block does not end with FDT_END after the root node (0x${last.toString(16).padStart(8, '0')})`, endAt);
        break;
      }
    } else if (tag === FDT_NOP) {
      continue; // dtc warns about a NOP in a version < 16 blob, and ignores it
    } else if (tag === FDT_END) {
      throw new BlobError('FDT_END inside a node', tagAt);
    } else {
      throw new BlobError(`invalid structure tag 0x${tag.toString(16)}`, tagAt);
    }
  }
  if (!root) throw new BlobError('no root node', offStruct);
  const tree: DeviceTree = { root, reserves, plugin: false, bootCpuid };
  if (reserveSlots) tree.reserveSlots = reserveSlots;
  return tree;
}
