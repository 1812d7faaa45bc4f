/**
 * `-O yaml`: the tree as dtc 1.6.1's yamltree.c writes it through libyaml: one document holding a sequence with
 * the root mapping; properties as flow sequences of typed chunks (`!u8`, `!u16`, plain for 32-bit cells with
 * `!phandle` on references, `!u64`, double-quoted strings), empty properties as `true`. Flow sequences wrap as
 * libyaml wraps them (a new line once the column passes 80).
 */
import { isTypeMarker, type PropValue } from './data.js';
import type { DeviceTree, Node } from './tree.js';

const BEST_WIDTH = 80;

/** libyaml picks single quotes for a key that cannot be a plain scalar. */
function key(name: string): string {
  const plainOk = name.length > 0 && !/^[,[\]{}#&*!|>'"%@`]/.test(name) && !/^[-?:]( |$)/.test(name) && !/: |[ ]#|:$/.test(name);
  return plainOk ? name : `'${name.replace(/'/g, "''")}'`;
}

function quoted(bytes: Uint8Array): string {
  let s = '"';
  for (const c of bytes) {
    switch (c) {
      case 0:
        s += '\\0';
        break;
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
      case 27:
        s += '\\e';
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0x5c:
        s += '\\\\';
        break;
      default:
        s += c < 0x20 || c >= 0x7f ? `\\x${c.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(c);
    }
  }
  return s + '"';
}

/** One flow-sequence writer with libyaml's column tracking. */
class Flow {
  line: string;
  readonly lines: string[] = [];
  constructor(start: string) {
    this.line = start;
  }
  /** An item of a sequence at indent `indent`: `, ` before all but the first, a new line past the best width. */
  item(text: string, first: boolean, indent: number): void {
    if (!first) this.line += ',';
    if (this.line.length > BEST_WIDTH) {
      this.lines.push(this.line);
      this.line = ' '.repeat(indent) + text;
    } else this.line += (first && this.line.endsWith('[') ? '' : ' ') + text;
  }
}

function propValue(v: PropValue, flow: Flow, indent: number): void {
  const len = v.length;
  const chunks = v.markers.filter((m) => isTypeMarker(m.type));
  const outer = indent + 2;
  flow.line += ' [';
  let firstChunk = true;
  let remaining = len;
  for (const [i, m] of chunks.entries()) {
    const next = chunks[i + 1];
    // As yamltree.c: `type_marker_length(m) ?: len`, len being what is left.
    const chunkLen = Math.min((next ? next.offset - m.offset : 0) || remaining, len - m.offset);
    remaining -= chunkLen;
    if (chunkLen <= 0) continue; // dtc asserts here
    if (m.type === 'string') {
      flow.item(quoted(v.bytes.subarray(m.offset, m.offset + chunkLen - 1)), firstChunk, outer);
      firstChunk = false;
      continue;
    }
    const width = m.type === 'u8' ? 1 : m.type === 'u16' ? 2 : m.type === 'u64' ? 8 : 4;
    const tag = width === 4 ? '' : `!u${width * 8} `;
    flow.item(`${tag}[`, firstChunk, outer);
    firstChunk = false;
    const dv = new DataView(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
    for (let off = 0; off < chunkLen; off += width) {
      const at = m.offset + off;
      let text: string;
      if (width === 1) text = `0x${dv.getUint8(at).toString(16)}`;
      else if (width === 2) text = `0x${dv.getUint16(at).toString(16)}`;
      else if (width === 8) text = `0x${dv.getBigUint64(at).toString(16)}`;
      else {
        text = `0x${dv.getUint32(at).toString(16)}`;
        if (v.markers.some((r) => r.type === 'ref-phandle' && r.offset === at)) text = `!phandle ${text}`;
      }
      if (off === 0) flow.line += text;
      else flow.item(text, false, outer + 2);
    }
    flow.line += ']';
  }
  flow.line += ']';
}

function node(n: Node, indent: number, out: string[], first: boolean): void {
  const pad = ' '.repeat(indent);
  let firstKey = first;
  const prefix = () => {
    const p = firstKey ? '' : pad;
    firstKey = false;
    return p;
  };
  let any = false;
  for (const p of n.props) {
    if (p.deleted) continue;
    any = true;
    const start = `${prefix()}${key(p.name)}:`;
    if (p.value.length === 0) {
      out.push(`${start} true`);
      continue;
    }
    const flow = new Flow(start);
    propValue(p.value, flow, indent);
    out.push(...flow.lines, flow.line);
  }
  for (const c of n.children) {
    if (c.deleted) continue;
    any = true;
    const hasContent = c.props.some((p) => !p.deleted) || c.children.some((x) => !x.deleted);
    if (!hasContent) {
      out.push(`${prefix()}${key(c.name)}: {}`);
      continue;
    }
    out.push(`${prefix()}${key(c.name)}:`);
    const sub: string[] = [];
    node(c, indent + 2, sub, false);
    out.push(...sub);
  }
  if (!any) out.push(`${prefix()}{}`);
}

export function toYaml(tree: DeviceTree): string {
  const body: string[] = [];
  node(tree.root, 2, body, true);
  return `---\n- ${body.join('\n')}\n...\n`;
}
