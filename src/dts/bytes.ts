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

/** A string's bytes with its terminating NUL. */
export function cString(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
