/**
 * Device state in a snapshot: plain data (JSON), so that any device can say what it holds and a snapshot file can
 * be checked before anything is built from it. Readers throw `SavedStateError` (a clear message naming the field)
 * on state of the wrong shape, so a corrupted snapshot never half-restores a device silently.
 */

export type SavedState = null | boolean | number | string | readonly SavedState[] | { readonly [key: string]: SavedState };

export class SavedStateError extends Error {}

export type SavedObject = { readonly [key: string]: SavedState };

export function asObject(s: SavedState | undefined, what: string): SavedObject {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new SavedStateError(`${what}: not an object`);
  return s as SavedObject;
}

export function num(o: SavedObject, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SavedStateError(`${what}.${key}: not a number`);
  return v;
}

/** An integer within [min, max]. */
export function int(o: SavedObject, key: string, what: string, min = -(2 ** 53), max = 2 ** 53): number {
  const v = num(o, key, what);
  if (!Number.isInteger(v) || v < min || v > max) throw new SavedStateError(`${what}.${key}: ${v} is not an integer in [${min}, ${max}]`);
  return v;
}

export function bool(o: SavedObject, key: string, what: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new SavedStateError(`${what}.${key}: not a boolean`);
  return v;
}

export function str(o: SavedObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new SavedStateError(`${what}.${key}: not a string`);
  return v;
}

/** A bigint saved as a decimal string. */
export function big(o: SavedObject, key: string, what: string): bigint {
  const v = str(o, key, what);
  if (!/^-?\d{1,40}$/.test(v)) throw new SavedStateError(`${what}.${key}: not an integer`);
  return BigInt(v);
}

export function arr(o: SavedObject, key: string, what: string): readonly SavedState[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new SavedStateError(`${what}.${key}: not an array`);
  return v as readonly SavedState[];
}

/** An array of integers in [min, max], of exactly `length` entries when given. */
export function ints(o: SavedObject, key: string, what: string, min: number, max: number, length?: number): number[] {
  const a = arr(o, key, what);
  if (length !== undefined && a.length !== length) throw new SavedStateError(`${what}.${key}: ${a.length} entries, expected ${length}`);
  return a.map((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new SavedStateError(`${what}.${key}[${i}]: not an integer in [${min}, ${max}]`);
    return v;
  });
}

/** Bytes saved as base64. */
export const toBase64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export function bytes(o: SavedObject, key: string, what: string, length?: number): Uint8Array {
  const v = str(o, key, what);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new SavedStateError(`${what}.${key}: not base64`);
  const b = new Uint8Array(Buffer.from(v, 'base64'));
  if (length !== undefined && b.length !== length) throw new SavedStateError(`${what}.${key}: ${b.length} bytes, expected ${length}`);
  return b;
}
