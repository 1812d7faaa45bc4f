/**
 * DTS output in dtc 1.6.1's style. Values keep the form they were written in (the type markers from the
 * parser); values without markers (read from a DTB) are printed as the guessed type: string, cells or bytes.
 */
import { isTypeMarker, type Marker, type MarkerType, type PropValue } from './data.js';
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
function guessType(v: PropValue): MarkerType {
  const b = v.bytes;
  const len = b.length;
  let notString = 0;
  let nul = 0;
  for (let i = 0; i < len; i++) {
    if (!isStringChar(b[i]!)) notString++;
    if (b[i] === 0) nul++;
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
        s += '\\0';
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
        parts.push(hex(b[p]!, 2));
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

function propValue(p: Property): string {
  const v = p.value;
  const len = v.length;
  if (len === 0) return ';';
  let out = ' =';
  let markers: Marker[] = v.markers;
  if (!markers.some((m) => isTypeMarker(m.type))) markers = [{ offset: 0, type: guessType(v) }, ...markers];
  let emit: MarkerType | undefined;
  for (let i = 0; i < markers.length; i++) {
    const m = markers[i]!;
    const next = markers[i + 1];
    const chunk = (next ? next.offset : len) - m.offset;
    let nextType: Marker | undefined;
    for (let j = i + 1; j < markers.length; j++) {
      if (isTypeMarker(markers[j]!.type)) {
        nextType = markers[j];
        break;
      }
    }
    // As dtc computes it (`length ?: rest`): an empty typed chunk counts as running to the end of the value.
    const dataLen = (nextType ? nextType.offset - m.offset : 0) || len - m.offset;
    if (isTypeMarker(m.type)) {
      emit = m.type;
      out += ` ${DELIM_START[emit]}`;
    } else if (m.type === 'label') out += ` ${m.ref}:`;
    else if (m.offset) out += ' ';
    if (emit === undefined) continue;
    if (emit === 'string') out += writeString(v.bytes, m.offset, chunk);
    else out += writeInts(v.bytes, m.offset, chunk, WIDTH[emit]!);
    if (chunk === dataLen) {
      out += `${DELIM_END[emit] ?? ''}${m.offset + chunk === len ? '' : ','}`;
      emit = undefined;
    }
  }
  return out + ';';
}

function node(n: Node, level: number, out: string[]): void {
  const tabs = '\t'.repeat(level);
  out.push(`${tabs}${labelsPrefix(n.labels)}${n.name ? n.name : '/'} {\n`);
  for (const p of n.props) {
    if (p.deleted) continue;
    out.push(`${tabs}\t${labelsPrefix(p.labels)}${p.name}${propValue(p)}\n`);
  }
  for (const c of n.children) {
    if (c.deleted) continue;
    out.push('\n');
    node(c, level + 1, out);
  }
  out.push(`${tabs}};\n`);
}

/** One property as a DTS line without indentation (`name = <...>;`), as dtc would print it. */
export function propertyToDts(p: Property): string {
  return `${p.name}${propValue(p)}`;
}

/** A subtree as DTS, as dtc would print it inside a tree. */
export function nodeToDts(n: Node): string {
  const out: string[] = [];
  node(n, 0, out);
  return out.join('');
}

export function toDts(tree: DeviceTree): string {
  // dtc 1.6.1 does not write /plugin/ back out, even for an overlay.
  const out: string[] = ['/dts-v1/;\n\n'];
  for (const r of tree.reserves) {
    out.push(`${labelsPrefix(r.labels)}/memreserve/\t0x${hex(r.address, 16)} 0x${hex(r.size, 16)};\n`);
  }
  node(tree.root, 0, out);
  return out.join('');
}
