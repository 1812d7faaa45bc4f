/**
 * Typed reads of device-tree properties, as Xvisor reads FDT attributes, with a located diagnostic for every value
 * of the wrong shape. A 64-bit attribute may be one cell (widened) or two; anything else is an error.
 */
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import type { Node, Property } from '../../dts/tree.js';

const TWO32 = 4294967296;

/** Reads properties of one node, reporting problems into a sink. */
export class PropReader {
  constructor(
    readonly node: Node,
    private readonly sink: DiagnosticSink,
    /** Name of the thing the node configures, for messages (e.g. `guest0/uart0`). */
    readonly what: string,
  ) {}

  has(name: string): boolean {
    return this.node.getProp(name) !== undefined;
  }

  prop(name: string): Property | undefined {
    return this.node.getProp(name);
  }

  /** Report a missing required attribute at the node. */
  missing(name: string, hint?: string): void {
    this.sink.error('missing_attribute', `${this.what}: missing required attribute '${name}'`, this.node.src, hint);
  }

  error(code: string, message: string, at: Property | Node | undefined, hint?: string): void {
    this.sink.error(code, `${this.what}: ${message}`, (at ?? this.node).src ?? this.node.src, hint);
  }

  warning(code: string, message: string, at: Property | Node | undefined, hint?: string): void {
    this.sink.warning(code, `${this.what}: ${message}`, (at ?? this.node).src ?? this.node.src, hint);
  }

  private bad(p: Property, expected: string): undefined {
    this.error('attribute_type', `attribute '${p.name}' must be ${expected}`, p);
    return undefined;
  }

  /** One 32-bit cell. */
  u32(name: string, required = false): number | undefined {
    const p = this.prop(name);
    if (!p) { if (required) this.missing(name); return undefined; }
    if (p.value.length !== 4) return this.bad(p, 'one 32-bit cell, e.g. <5>');
    return p.value.readU32(0);
  }

  /** A list of 32-bit cells (at least one). */
  u32List(name: string, required = false): number[] | undefined {
    const p = this.prop(name);
    if (!p) { if (required) this.missing(name); return undefined; }
    if (p.value.length === 0 || p.value.length % 4 !== 0) return this.bad(p, 'a list of 32-bit cells, e.g. <1 2>');
    const out: number[] = [];
    for (let i = 0; i < p.value.length; i += 4) out.push(p.value.readU32(i));
    return out;
  }

  /** A 64-bit value: one cell (widened) or two (high, low). Values beyond 2^53 are rejected. */
  u64(name: string, required = false): number | undefined {
    const p = this.prop(name);
    if (!p) { if (required) this.missing(name); return undefined; }
    if (p.value.length === 4) return p.value.readU32(0);
    if (p.value.length !== 8) return this.bad(p, 'one or two 32-bit cells, e.g. <0x80000000> or <0x0 0x80000000>');
    const hi = p.value.readU32(0);
    if (hi >= 0x200000) return this.bad(p, 'below 2^53');
    return hi * TWO32 + p.value.readU32(4);
  }

  string(name: string, required = false): string | undefined {
    const p = this.prop(name);
    if (!p) { if (required) this.missing(name); return undefined; }
    if (!p.value.isOneString()) return this.bad(p, 'a string, e.g. "text"');
    return p.value.asString();
  }

  /** A list of strings (a string property may hold several, NUL-separated). */
  stringList(name: string, required = false): string[] | undefined {
    const p = this.prop(name);
    if (!p) { if (required) this.missing(name); return undefined; }
    const b = p.value.bytes;
    if (b.length === 0 || b[b.length - 1] !== 0) return this.bad(p, 'one or more strings, e.g. "a", "b"');
    const out: string[] = [];
    let s = '';
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0) { out.push(s); s = ''; } else s += String.fromCharCode(b[i]!);
    }
    return out;
  }

  /** An empty (boolean) property: present or not. */
  flag(name: string): boolean {
    const p = this.prop(name);
    if (p && p.value.length !== 0) this.warning('attribute_type', `attribute '${p.name}' is a flag and takes no value`, p);
    return p !== undefined;
  }
}

/** `0x…` for addresses in messages. */
export const hex = (n: number): string => `0x${n.toString(16)}`;
