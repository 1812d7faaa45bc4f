/**
 * The flattened device tree (DTB) format, version 17, laid out exactly as dtc 1.6.1 writes it: header, 8-byte
 * aligned reserve map, structure block, then a strings block in which a name reuses any earlier string it is a
 * suffix of.
 */
import { ByteBuffer } from './bytes.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import { PropValue } from './data.js';
import { Node, Property, type DeviceTree, type ReserveEntry } from './tree.js';

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const HEADER_SIZE = 40;

export interface BlobOptions {
  /** Extra empty reserve-map slots (-R). */
  reserveSlots?: number;
  /** Minimum total size (-S), padding bytes (-p) and alignment of the total size (-a). */
  minSize?: number;
  padSize?: number;
  align?: number;
  /** Overrides the boot CPU (-b). */
  bootCpuid?: number;
}

/** dtc's string table: a name already present as the tail of an earlier string shares its bytes. */
class StringTable {
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

function flatten(n: Node, dt: ByteBuffer, strings: StringTable): void {
  dt.int(FDT_BEGIN_NODE, 32);
  dt.cstring(n.name);
  dt.align(4);
  for (const p of n.props) {
    if (p.deleted) continue;
    dt.int(FDT_PROP, 32);
    dt.int(p.value.length, 32);
    dt.int(strings.offsetOf(p.name), 32);
    dt.bytes(p.value.bytes);
    dt.align(4);
  }
  for (const c of n.children) if (!c.deleted) flatten(c, dt, strings);
  dt.int(FDT_END_NODE, 32);
}

export function toBlob(tree: DeviceTree, opts: BlobOptions = {}): Uint8Array {
  const dt = new ByteBuffer(4096);
  const strings = new StringTable();
  flatten(tree.root, dt, strings);
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

  const offRsv = HEADER_SIZE; // already 8-byte aligned
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
  h.setUint32(20, 17);
  h.setUint32(24, 16);
  h.setUint32(28, (opts.bootCpuid ?? tree.bootCpuid) >>> 0);
  h.setUint32(32, strings.sink.length);
  h.setUint32(36, dt.length);
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

/** Reads a DTB (versions 16 and 17). Malformed input throws BlobError with the offset of the problem. */
export function fromBlob(blob: Uint8Array): DeviceTree {
  if (blob.length < HEADER_SIZE) throw new BlobError(`file is too short for a DTB header (${blob.length} bytes)`, 0);
  const h = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (h.getUint32(0) !== FDT_MAGIC) throw new BlobError(`bad magic 0x${h.getUint32(0).toString(16)} (expected 0xd00dfeed): not a DTB`, 0);
  const total = h.getUint32(4);
  const offStruct = h.getUint32(8);
  const offStrings = h.getUint32(12);
  const offRsv = h.getUint32(16);
  const version = h.getUint32(20);
  const bootCpuid = h.getUint32(28);
  const sizeStrings = h.getUint32(32);
  const sizeStruct = h.getUint32(36);
  if (version < 16) throw new BlobError(`DTB version ${version} is not supported (16 or later)`, 20);
  if (total > blob.length) throw new BlobError(`header says ${total} bytes but the file has ${blob.length}`, 4);
  const inBlob = (off: number, len: number, what: string, at: number) => {
    if (off > total || len > total - off) throw new BlobError(`${what} (offset ${off}, size ${len}) lies outside the blob`, at);
  };
  inBlob(offStruct, sizeStruct, 'structure block', 8);
  inBlob(offStrings, sizeStrings, 'strings block', 12);
  inBlob(offRsv, 0, 'reserve map', 16);

  const reserves: ReserveEntry[] = [];
  let mapEnd = offRsv;
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
    let s = '';
    let i = from;
    for (; i < limit && blob[i] !== 0; i++) s += String.fromCharCode(blob[i]!);
    if (i >= limit) throw new BlobError(`unterminated ${what}`, from);
    return s;
  };

  let root: Node | undefined;
  const stack: Node[] = [];
  for (;;) {
    const tagAt = o;
    const tag = u32();
    if (tag === FDT_BEGIN_NODE) {
      const name = cstr(o, end, 'node name');
      o = (o + name.length + 1 + 3) & ~3;
      if (stack.length > MAX_NODE_DEPTH) throw new BlobError(tooDeep('nodes', MAX_NODE_DEPTH), tagAt);
      const n = new Node(stack.length === 0 ? '' : name);
      if (stack.length === 0) {
        if (root) throw new BlobError('second root node', tagAt);
        root = n;
      } else stack[stack.length - 1]!.addChild(n);
      stack.push(n);
    } else if (tag === FDT_PROP) {
      const len = u32();
      const nameOff = u32();
      const node = stack[stack.length - 1];
      if (!node) throw new BlobError('property outside any node', tagAt);
      if (nameOff >= sizeStrings) throw new BlobError(`property name offset ${nameOff} is outside the strings block`, tagAt);
      const name = cstr(offStrings + nameOff, offStrings + sizeStrings, 'property name');
      if (o + len > end) throw new BlobError(`property ${name} runs past the structure block`, tagAt);
      node.addProp(new Property(name, new PropValue(blob.slice(o, o + len))));
      o = (o + len + 3) & ~3;
    } else if (tag === FDT_END_NODE) {
      if (!stack.pop()) throw new BlobError('END_NODE without a node', tagAt);
    } else if (tag === FDT_NOP) {
      continue;
    } else if (tag === FDT_END) {
      if (stack.length) throw new BlobError('END reached inside a node', tagAt);
      break;
    } else {
      throw new BlobError(`invalid structure tag 0x${tag.toString(16)}`, tagAt);
    }
  }
  if (!root) throw new BlobError('no root node', offStruct);
  const tree: DeviceTree = { root, reserves, plugin: false, bootCpuid };
  if (reserveSlots) tree.reserveSlots = reserveSlots;
  return tree;
}
