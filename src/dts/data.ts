import { ByteBuffer, latin1, readU32BE } from './bytes.js';
import type { SourceRef } from './source.js';

/**
 * A property value: its bytes plus markers, dtc's way of remembering what the bytes were written as (strings,
 * cells of some width, bytes), where labels sit inside the value and where references must be filled in.
 */

export type TypeMarker = 'u8' | 'u16' | 'u32' | 'u64' | 'string';
export type MarkerType = TypeMarker | 'none' | 'label' | 'ref-phandle' | 'ref-path';

export interface Marker {
  offset: number;
  type: MarkerType;
  /** The label name for `label`, the reference for `ref-*`. */
  ref?: string;
  /** Where the reference or label was written, for diagnostics. */
  src?: SourceRef;
}

export function isTypeMarker(t: MarkerType): t is TypeMarker {
  return t === 'u8' || t === 'u16' || t === 'u32' || t === 'u64' || t === 'string';
}

export class PropValue {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public markers: Marker[] = [],
  ) {}

  get length(): number {
    return this.bytes.length;
  }

  /** Inserts bytes at a marker's offset and shifts every later marker (dtc's data_insert_at_marker). */
  insertAt(markerIndex: number, insert: Uint8Array): void {
    const m = this.markers[markerIndex];
    if (!m) throw new RangeError(`no marker ${markerIndex} in a value of ${this.markers.length}`);
    const out = new Uint8Array(this.bytes.length + insert.length);
    out.set(this.bytes.subarray(0, m.offset), 0);
    out.set(insert, m.offset);
    out.set(this.bytes.subarray(m.offset), m.offset + insert.length);
    this.bytes = out;
    for (const later of this.markers.slice(markerIndex + 1)) later.offset += insert.length;
  }

  /** Appends data with a leading marker (dtc's append_to_property). */
  append(type: MarkerType, ref: string | undefined, data: Uint8Array): void {
    const m: Marker = { offset: this.bytes.length, type };
    if (ref !== undefined) m.ref = ref;
    this.markers.push(m);
    const out = new Uint8Array(this.bytes.length + data.length);
    out.set(this.bytes, 0);
    out.set(data, this.bytes.length);
    this.bytes = out;
  }

  readU32(offset: number): number {
    return readU32BE(this.bytes, offset);
  }

  writeU32(offset: number, v: number): void {
    const b = this.bytes;
    b[offset] = v >>> 24;
    b[offset + 1] = (v >>> 16) & 0xff;
    b[offset + 2] = (v >>> 8) & 0xff;
    b[offset + 3] = v & 0xff;
  }

  /** One NUL-terminated string and nothing else (dtc's data_is_one_string). */
  isOneString(): boolean {
    const b = this.bytes;
    if (b.length === 0 || b[b.length - 1] !== 0) return false;
    for (let i = 0; i < b.length - 1; i++) if (b[i] === 0) return false;
    return true;
  }

  /** The value as text up to the first NUL (for messages and string properties). */
  asString(): string {
    const b = this.bytes;
    let end = b.indexOf(0);
    if (end < 0) end = b.length;
    return latin1(b.subarray(0, end));
  }
}

const EMPTY = new Uint8Array(0);

/** Accumulates a value while parsing: bytes in a growable buffer, markers in source order. */
export class ValueBuilder extends ByteBuffer {
  readonly markers: Marker[] = [];

  mark(type: MarkerType, ref?: string, src?: SourceRef): void {
    const m: Marker = { offset: this.len, type };
    if (ref !== undefined) m.ref = ref;
    if (src !== undefined) m.src = src;
    this.markers.push(m);
  }

  /** A big-endian integer of 8..64 bits from a 64-bit unsigned value. */
  bigint(v: bigint, bits: number): void {
    if (bits === 64) {
      this.int(Number((v >> 32n) & 0xffffffffn), 32);
      this.int(Number(v & 0xffffffffn), 32);
    } else {
      this.int(Number(v & 0xffffffffn), bits);
    }
  }

  build(): PropValue {
    return new PropValue(this.view().slice(), this.markers);
  }
}
