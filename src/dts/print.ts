/**
 * DTS output in dtc 1.6.1's style. Values keep the form they were written in (the type markers from the
 * parser); values without markers (read from a DTB) are printed as the guessed type: string, cells or bytes.
 */
import { isTypeMarker, type Marker, type MarkerType, type PropValue } from './data.js';
import { describe, type SourceRef } from './source.js';
import type { DeviceTree, Label, Node, Property } from './tree.js';

const DELIM_START: Partial<Record<MarkerType, string>> = { u8: '[', u16: '/bits/ 16 <', u32: '<', u64: '/bits/ 64 <', string: '' };
const DELIM_END: Partial<Record<MarkerType, string>> = { u8: ']', u16: '>', u32: '>', u64: '>', string: '' };

function isStringChar(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0 || (c >= 7 && c <= 13);
}

function hex(v: number | bigint, minDigits: number): string {
  return v.toString(16).padStart(minDigits, '0');
}

function labelsPrefix(labels: Label[]): string {
  let s = '';
  for (const l of labels) if (!l.deleted) s += `${l.name}: `;
  return s;
}

/** dtc's guess for a value with no type information. */
function guessType(v: Pick<PropValue, 'bytes' | 'markers'>): MarkerType {
  const b = v.bytes;
  const len = b.length;
  let notString = 0;
  let nul = 0;
  for (const c of b) {
    if (!isStringChar(c)) notString++;
    if (c === 0) nul++;
  }
  let labelNotAtString = 0;
  let labelNotAtCell = 0;
  for (const m of v.markers) {
    if (m.type !== 'label') continue;
    if (m.offset > 0 && b[m.offset - 1] !== 0) labelNotAtString++;
    if (m.offset % 4 !== 0) labelNotAtCell++;
  }
  if (b[len - 1] === 0 && notString === 0 && nul <= len - nul && labelNotAtString === 0) return 'string';
  if (len % 4 === 0 && labelNotAtCell === 0) return 'u32';
  return 'u8';
}

function writeString(b: Uint8Array, start: number, len: number): string {
  if (len === 0) return '';
  let s = '"';
  const end = start + len - 1;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    switch (c) {
      case 7:
        s += '\\a';
        break;
      case 8:
        s += '\\b';
        break;
      case 9:
        s += '\\t';
        break;
      case 10:
        s += '\\n';
        break;
      case 11:
        s += '\\v';
        break;
      case 12:
        s += '\\f';
        break;
      case 13:
        s += '\\r';
        break;
      case 0x5c:
        s += '\\\\';
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0:
        // `\0` then a digit would read back as one octal escape (dtc prints that, wrongly).
        s += i + 1 < end && b[i + 1]! >= 0x30 && b[i + 1]! <= 0x37 ? '\\x00' : '\\0';
        break;
      default:
        s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${hex(c, 2)}`;
    }
  }
  return s + '"';
}

function writeInts(b: Uint8Array, start: number, len: number, width: number): string {
  const parts: string[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = start; p + width <= start + len; p += width) {
    switch (width) {
      case 1:
        parts.push(hex(dv.getUint8(p), 2));
        break;
      case 2:
        parts.push(`0x${hex(dv.getUint16(p), 2)}`);
        break;
      case 4:
        parts.push(`0x${hex(dv.getUint32(p), 2)}`);
        break;
      default:
        parts.push(`0x${hex(dv.getBigUint64(p), 2)}`);
    }
  }
  return parts.join(' ');
}

const WIDTH: Partial<Record<MarkerType, number>> = { u8: 1, u16: 2, u32: 4, u64: 8 };

/**
 * A value as dtc 1.6.1 prints it. dtc's printer goes wrong in a few cases (an empty `[]` or `<>` inside a list,
 * `/incbin/` data after a string, data that does not fill its type); then the value is printed by `safeValue`,
 * which always reads back as the same bytes and labels.
 */
function propValue(p: Property): string {
  const v = p.value;
  if (v.length === 0) return ';';
  return dtcValue(v) ?? safeValue(v);
}

/** dtc's write_propval, or undefined when its output would not read back as this value. */
function dtcValue(v: PropValue): string | undefined {
  const len = v.length;
  let out = ' =';
  // dtc keeps no marker for /incbin/ data: it runs on in the type before it (checked below).
  let markers: Marker[] = v.markers.filter((m) => m.type !== 'none');
  if (!markers.some((m) => isTypeMarker(m.type))) markers = [{ offset: 0, type: guessType(v) }, ...markers];
  if ((markers[0]?.offset ?? 0) > 0) return undefined;
  let emit: MarkerType | undefined;
  let runEnd = 0;
  for (const [i, m] of markers.entries()) {
    const next = markers[i + 1];
    const chunk = (next ? next.offset : len) - m.offset;
    const nextType = markers.slice(i + 1).find((x) => isTypeMarker(x.type));
    // As dtc computes it (`length ?: rest`): an empty typed chunk counts as running to the end of the value.
    const typedLen = nextType ? nextType.offset - m.offset : 0;
    if (isTypeMarker(m.type) && nextType && typedLen === 0) return undefined;
    const dataLen = typedLen || len - m.offset;
    if (isTypeMarker(m.type)) {
      if (emit !== undefined) return undefined;
      emit = m.type;
      runEnd = m.offset + dataLen;
      out += ` ${DELIM_START[emit]}`;
    } else if (m.type === 'label') out += ` ${m.ref}:`;
    else if (m.offset) out += ' ';
    if (emit === undefined) {
      if (chunk > 0) return undefined; // bytes outside any typed run: dtc would leave them out
      continue;
    }
    if (emit === 'string') {
      if (m.type === 'label') return undefined; // `"a" L:"b"` does not parse
      if (chunk > 0 && v.bytes[m.offset + chunk - 1] !== 0) return undefined;
      out += writeString(v.bytes, m.offset, chunk);
    } else {
      const width = WIDTH[emit];
      if (width === undefined || chunk % width !== 0) return undefined;
      out += writeInts(v.bytes, m.offset, chunk, width);
    }
    if (chunk === dataLen || m.offset + chunk === runEnd) {
      if (m.offset + chunk === len && nextType) return undefined; // dtc would leave out the comma before `<>`
      out += `${DELIM_END[emit] ?? ''}${m.offset + chunk === len ? '' : ','}`;
      emit = undefined;
    }
  }
  return emit === undefined ? out + ';' : undefined;
}

/**
 * Every value as DTS that reads back exactly: each typed run (and each untyped run, such as `/incbin/` data, with
 * its type guessed as for a DTB) in its own delimiters, empty runs as `[]` or `<>`, labels where they sit.
 */
function safeValue(v: PropValue): string {
  const len = v.length;
  const b = v.bytes;
  interface Run {
    offset: number;
    type: MarkerType;
  }
  const runs: Run[] = [];
  const labels = v.markers.filter((m) => m.type === 'label');
  for (const m of v.markers) if (isTypeMarker(m.type) || m.type === 'none') runs.push({ offset: m.offset, type: m.type });
  if ((runs[0]?.offset ?? 1) > 0) runs.unshift({ offset: 0, type: 'none' }); // none, or not from the start
  const parts: string[] = [];
  let li = 0;
  const labelsAt = (off: number, inside: boolean): string => {
    let s = '';
    for (let l = labels[li]; l && (l.offset < off || (l.offset === off && inside)); l = labels[++li]) s += `${l.ref}: `;
    return s;
  };
  for (const [r, run] of runs.entries()) {
    const start = run.offset;
    const end = runs[r + 1]?.offset ?? len;
    let type = run.type;
    if (type === 'none') type = end > start ? guessType(new PropValueView(b.subarray(start, end))) : 'u8';
    if (type === 'string' && (end === start || b[end - 1] !== 0)) type = 'u8';
    if (type !== 'string' && type !== 'u8' && (end - start) % (WIDTH[type] ?? 1) !== 0) type = 'u8';
    let s = labelsAt(start, false);
    if (type === 'string') {
      // One quoted string per NUL-terminated piece, labels between them.
      const pieces: string[] = [];
      let p = start;
      while (p < end) {
        let q = p;
        while (b[q] !== 0) q++;
        pieces.push(labelsAt(p, true) + writeString(b, p, q + 1 - p));
        p = q + 1;
      }
      s += pieces.join(', ');
    } else {
      const w = WIDTH[type] ?? 1;
      const cells: string[] = [];
      for (let p = start; p < end; p += w) cells.push(labelsAt(p, true) + writeInts(b, p, w, w));
      const tail = labelsAt(end, true);
      s += `${DELIM_START[type]}${cells.join(' ')}${tail ? ' ' + tail.trimEnd() : ''}${DELIM_END[type]}`;
    }
    parts.push(s);
  }
  const after = labelsAt(len + 1, true).trimEnd();
  return ` = ${parts.join(', ')}${after ? ' ' + after : ''};`;
}

/** Just enough of a PropValue for guessType on a slice. */
class PropValueView {
  readonly markers: Marker[] = [];
  constructor(readonly bytes: Uint8Array) {}
  get length(): number {
    return this.bytes.length;
  }
}

/** `-T`: where a node or property was written, as dtc's annotations give it (`file:line`, a list for merged nodes). */
function where(srcs: readonly (SourceRef | undefined)[], initialPath: string | undefined): string {
  const parts: string[] = [];
  for (const s of srcs) {
    if (!s || s.payload === undefined) continue;
    const d = describe(s);
    parts.push(`${initialPath === undefined ? d.file : shortenToInitialPath(d.file, initialPath)}:${d.line}`);
  }
  return parts.length ? ` /* ${parts.join(', ')} */` : '';
}

/**
 * dtc names files in -T annotations relative to the main input's directory: the part after the last '/' the
 * name shares with the main file's name, with a `../` for each further directory of the main file's path.
 */
function shortenToInitialPath(fname: string, initial: string): string {
  let slashes = 0;
  let prevSlash = -1;
  for (let i = 0; i < fname.length && i < initial.length && fname[i] === initial[i]; i++) {
    if (fname[i] === '/') {
      prevSlash = i;
      slashes++;
    }
  }
  if (prevSlash < 0) return fname;
  let initialSlashes = 0;
  for (const c of initial) if (c === '/') initialSlashes++;
  return '../'.repeat(Math.max(0, initialSlashes - slashes)) + fname.slice(prevSlash + 1);
}

function node(n: Node, level: number, out: string[], annotate: boolean | string): void {
  const tabs = '\t'.repeat(level);
  const initial = typeof annotate === 'string' ? annotate : undefined;
  const at = annotate !== false ? where([n.src, ...n.mergedSrcs], initial) : '';
  out.push(`${tabs}${labelsPrefix(n.labels)}${n.name ? n.name : '/'} {${at}\n`);
  for (const p of n.props) {
    if (p.deleted) continue;
    out.push(`${tabs}\t${labelsPrefix(p.labels)}${p.name}${propValue(p)}${annotate !== false ? where([p.src], initial) : ''}\n`);
  }
  for (const c of n.children) {
    if (c.deleted) continue;
    out.push('\n');
    node(c, level + 1, out, annotate);
  }
  out.push(`${tabs}};${annotate !== false ? where([n.srcEnd, ...n.mergedEnds], initial) : ''}\n`);
}

/** One property as a DTS line without indentation (`name = <...>;`), as dtc would print it. */
export function propertyToDts(p: Property): string {
  return `${p.name}${propValue(p)}`;
}

/** A subtree as DTS, as dtc would print it inside a tree. */
export function nodeToDts(n: Node): string {
  const out: string[] = [];
  node(n, 0, out, false);
  return out.join('');
}

/**
 * The tree as DTS. `annotate` (dtc's -T) adds where each node and property was written; given as the main input's
 * file name, file names are shortened relative to it as dtc does.
 */
export function toDts(tree: DeviceTree, annotate: boolean | string = false): string {
  // dtc 1.6.1 does not write /plugin/ back out, even for an overlay.
  const out: string[] = ['/dts-v1/;\n\n'];
  for (const r of tree.reserves) {
    out.push(`${labelsPrefix(r.labels)}/memreserve/\t0x${hex(r.address, 16)} 0x${hex(r.size, 16)};\n`);
  }
  node(tree.root, 0, out, annotate);
  return out.join('');
}
