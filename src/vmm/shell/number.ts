/** Numbers as the shell reads them. */

/**
 * A number in the DTS/Xvisor syntax (C's strtoull base 0): decimal, 0x hex or 0-prefixed octal, no sign, no
 * fraction, at most 2^53 - 1 (exact in a JavaScript number). Returns the value or an error text.
 */
export function parseNumber(text: string | undefined, what: string): number | string {
  if (text === undefined || text === '') return `missing ${what}`;
  const t = text.trim();
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = t.length > 2 + 14 ? Infinity : parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) v = t.length > 19 ? Infinity : parseInt(t.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(t)) v = t.length > 16 ? Infinity : Number(t);
  else return `invalid ${what} "${text}" (a decimal, 0x hex or 0 octal number)`;
  if (!Number.isSafeInteger(v)) return `${what} "${text}" is out of range (at most 2^53 - 1)`;
  return v;
}

/** Most virtual time one `sleep` may wait (a day): a typo cannot leave the terminal waiting for ever. */
export const MAX_SLEEP_NS = 86_400e9;

/**
 * `sleep` durations in virtual time: seconds as Xvisor's `sleep <seconds>` takes them (a fraction allowed), or
 * with a unit: `250ms`, `100us`, `2s`. Returns ns or an error text.
 */
export function parseDuration(text: string | undefined): number | string {
  if (text === undefined) return 'missing duration';
  const m = /^(\d+(?:\.\d+)?)(s|ms|us|ns)?$/.exec(text);
  if (!m) return `"${text}" is not a duration (seconds, or a number with ms, us or s)`;
  const scale = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[m[2] as 's' | 'ms' | 'us' | 'ns' | undefined ?? 's'];
  const ns = Math.round(Number(m[1]) * scale);
  if (!Number.isFinite(ns) || ns > MAX_SLEEP_NS) return `"${text}" is longer than a day`;
  return ns;
}
