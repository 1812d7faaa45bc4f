/**
 * C-style escapes in strings and character literals, as dtc reads them: \a \b \t \n \v \f \r, up to three
 * octal digits, \x with up to two hex digits; any other escaped character stands for itself. The text holds one
 * byte per character (sources are read as latin1), so the result is exactly dtc's bytes.
 */

export interface Unescaped {
  bytes: number[];
  /** Set when `\x` has no hex digit after it (dtc refuses such input). */
  error?: string;
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13 };

function isOct(c: number): boolean {
  return c >= 0x30 && c <= 0x37;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

export function unescapeString(s: string): Unescaped {
  const bytes: number[] = [];
  let error: string | undefined;
  let i = 0;
  while (i < s.length) {
    let c = s.charCodeAt(i++);
    if (c === 0x5c && i < s.length) {
      const e = s[i]!;
      const ec = s.charCodeAt(i);
      if (SIMPLE[e] !== undefined) {
        c = SIMPLE[e];
        i++;
      } else if (isOct(ec)) {
        let v = 0;
        for (let n = 0; n < 3 && i < s.length && isOct(s.charCodeAt(i)); n++) v = v * 8 + (s.charCodeAt(i++) - 0x30);
        c = v & 0xff;
      } else if (e === 'x') {
        i++;
        let v = 0;
        let n = 0;
        for (; n < 2 && i < s.length && hexVal(s.charCodeAt(i)) >= 0; n++) v = v * 16 + hexVal(s.charCodeAt(i++));
        if (n === 0) error ??= '\\x used with no following hex digits';
        c = v;
      } else {
        c = ec;
        i++;
      }
    }
    bytes.push(c & 0xff);
  }
  return error !== undefined ? { bytes, error } : { bytes };
}
