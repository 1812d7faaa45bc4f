/**
 * Text is held one character per byte (latin1) throughout the toolchain, so strings in a tree are exactly the
 * bytes dtc would store. These convert at the edges.
 */

export function latin1(bytes: Uint8Array | readonly number[]): string {
  let s = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + CHUNK));
  }
  return s;
}

/** The big-endian 32-bit value at `offset` of `b` (a RangeError when the four bytes are not all there). */
export function readU32BE(b: Uint8Array, offset: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(offset);
}

/** A string's bytes with its terminating NUL. */
export function cString(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** A growable big-endian byte buffer: the one writer behind property values and DTB blocks. */
export class ByteBuffer {
  protected buf: Uint8Array;
  protected len = 0;

  constructor(initialSize = 32) {
    this.buf = new Uint8Array(initialSize);
  }

  get length(): number {
    return this.len;
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  byte(v: number): void {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
  }

  bytes(src: Uint8Array | readonly number[]): void {
    this.grow(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** A big-endian integer of 8, 16 or 32 bits from a number (upper bits are dropped). */
  int(v: number, bits: number): void {
    this.grow(bits >> 3);
    const b = this.buf;
    if (bits >= 32) {
      b[this.len++] = (v >>> 24) & 0xff;
      b[this.len++] = (v >>> 16) & 0xff;
    }
    if (bits >= 16) b[this.len++] = (v >>> 8) & 0xff;
    b[this.len++] = v & 0xff;
  }

  /** A string as one byte per character, NUL-terminated. */
  cstring(s: string): void {
    this.grow(s.length + 1);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i) & 0xff;
    this.buf[this.len++] = 0;
  }

  /** Zero-pads to a multiple of n (a power of two). */
  align(n: number): void {
    const target = (this.len + n - 1) & ~(n - 1);
    this.grow(target - this.len);
    this.buf.fill(0, this.len, target);
    this.len = target;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
