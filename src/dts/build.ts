/**
 * Applies a parsed source to a live tree in source order, as dtc's parser actions do: the first `/ { }` makes
 * the root, later ones and `&ref { }` merge into it, `/delete-node/` and `/omit-if-no-ref/` act on what exists
 * at that point, and in an overlay (`/plugin/`) references to unknown nodes become `fragment@N` nodes.
 */
import type { IToken } from 'chevrotain';
import type { CellItem, DtsAst, IntExpr, NodeBody, ValuePart } from './ast.js';
import { cString, latin1 } from './bytes.js';
import { ValueBuilder } from './data.js';
import type { DiagnosticSink } from './diagnostics.js';
import { unescapeString } from './escape.js';
import { evaluate, firstToken, smallLiteral, type ExprError } from './expr.js';
import { findFile, type FileReader } from './files.js';
import { refOf } from './lexer.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import type { SourceBuffer, SourceRef } from './source.js';
import { getNodeByPath, getNodeByRef } from './lookup.js';
import { addLabel, deleteNode, mergeNodes, Node, Property, type DeviceTree, type Label, type ReserveEntry } from './tree.js';

export interface BuildContext {
  diags: DiagnosticSink;
  files: FileReader;
  includePaths: readonly string[];
  /** The end of the input, where "no tree at all" is reported (as dtc reports its syntax error there). */
  end?: SourceRef;
}

const BITS_TYPE = { 8: 'u8', 16: 'u16', 32: 'u32', 64: 'u64' } as const;

export function buildTree(ast: DtsAst, ctx: BuildContext): DeviceTree | undefined {
  return new TreeBuilder(ctx).build(ast);
}

class TreeBuilder {
  private fragments = 0;
  constructor(private readonly ctx: BuildContext) {}

  private error(message: string, at: IToken, code = 'syntax', hint?: string): void {
    this.ctx.diags.error(code, message, refOf(at), hint);
  }

  build(ast: DtsAst): DeviceTree | undefined {
    const plugin = this.headers(ast);
    const reserves: ReserveEntry[] = [];
    let root: Node | undefined;
    for (const item of ast.items) {
      if (item.kind === 'memreserve') {
        if (root) this.error('/memreserve/ must come before the tree', item.tok);
        const entry: ReserveEntry = { address: this.int(item.address), size: this.int(item.size), labels: [] };
        addLabels(entry.labels, item.labels);
        reserves.push(entry);
        continue;
      }
      if (item.kind === 'root') {
        // `lbl: / { }` is how dtc prints a labelled root (dtc cannot read it back; tsvisor can).
        const n = this.node(item.body, '', refOf(item.tok));
        addLabels(n.labels, item.labels);
        if (root) mergeNodes(root, n);
        else root = n;
        continue;
      }
      if (!root) {
        if (item.kind === 'ref' && item.labels.length === 0) {
          // An overlay may start with `&label { }`; anything else needs a root first.
          const ref = refName(item.ref);
          if (!plugin) this.error(`label or path ${ref} not found`, item.ref, 'reference');
          root = new Node('', refOf(item.ref));
          this.orphan(root, this.node(item.body, '__overlay__', refOf(item.ref)), ref);
          continue;
        }
        const first = item.labels[0] ?? (item.kind === 'ref' ? item.ref : item.tok);
        this.error('the tree must start with "/ {"', first);
        continue;
      }
      if (item.kind === 'ref') this.refItem(root, item.labels, item.ref, item.body, plugin);
      else {
        const [label] = item.labels;
        if (label) this.error(`a label cannot be put on ${item.tok.image}`, label);
        const target = getNodeByRef(root, refName(item.ref));
        if (!target) this.error(`label or path ${refName(item.ref)} not found`, item.ref, 'reference');
        else if (item.kind === 'delete') deleteNode(target);
        else target.omitIfUnused = true;
      }
    }
    if (!root) {
      const eofLike = ast.headers[ast.headers.length - 1]?.tok;
      if (eofLike) this.error('no tree: expected "/ { ... };"', eofLike);
      else if (ast.items.length === 0) {
        this.ctx.diags.error('syntax', 'no device tree in the input: expected "/dts-v1/;" and then "/ { ... };"', this.ctx.end, 'the input is empty, or holds only comments, preprocessor directives or line markers');
      }
      return undefined;
    }
    const deep = tooDeepNode(root);
    if (deep) this.ctx.diags.error('syntax', tooDeep('nodes', MAX_NODE_DEPTH), deep.src, 'merging into a deep node with &{/path} { } made the tree deeper than the limit');
    return { root, reserves, plugin, bootCpuid: guessBootCpuid(root) };
  }

  /** Headers are `/dts-v1/;` optionally followed by `/plugin/;`, repeated with the same flags. */
  private headers(ast: DtsAst): boolean {
    const hs = ast.headers;
    if (hs.length === 0) {
      const at = ast.items[0];
      const tok = at ? (at.labels[0] ?? (at.kind === 'ref' ? at.ref : at.tok)) : undefined;
      if (tok) this.error('missing "/dts-v1/;" at the start of the file', tok, 'syntax', 'dtc only reads version 1 sources: begin the file with /dts-v1/;');
      return false;
    }
    let first: boolean | undefined;
    for (let i = 0, h = hs[0]; h; h = hs[++i]) {
      if (h.plugin) {
        this.error('"/plugin/;" must follow "/dts-v1/;"', h.tok);
        continue;
      }
      const plugin = hs[i + 1]?.plugin === true;
      if (plugin) i++;
      if (first === undefined) first = plugin;
      else if (first !== plugin) this.error("header flags don't match earlier ones", h.tok);
    }
    return first ?? false;
  }

  private refItem(root: Node, labels: IToken[], refTok: IToken, body: NodeBody, plugin: boolean): void {
    const ref = refName(refTok);
    const [label, second] = labels;
    if (second) this.error('only one label can be added to a node reference', second);
    const n = this.node(body, '', refOf(refTok));
    if (label) {
      const target = getNodeByRef(root, ref);
      if (!target) return this.error(`label or path ${ref} not found`, refTok, 'reference');
      addLabel(target.labels, labelName(label), refOf(label));
      mergeNodes(target, n);
      return;
    }
    if (refTok.image.startsWith('&{') && plugin) return this.orphan(root, renamed(n, '__overlay__'), ref);
    const target = getNodeByRef(root, ref);
    if (target) return mergeNodes(target, n);
    if (plugin && !refTok.image.startsWith('&{')) return this.orphan(root, renamed(n, '__overlay__'), ref);
    this.error(`label or path ${ref} not found`, refTok, 'reference', plugin ? undefined : 'define the label first, or compile as an overlay (/plugin/;)');
  }

  /** An overlay fragment for a target outside this file (dtc's add_orphan_node). */
  private orphan(root: Node, overlay: Node, ref: string): void {
    const frag = new Node(`fragment@${this.fragments++}`, overlay.src);
    const v = new ValueBuilder();
    let prop: Property;
    if (ref.startsWith('/')) {
      v.mark('string', ref);
      v.bytes(cString(ref));
      prop = new Property('target-path', v.build());
    } else {
      v.mark('ref-phandle', ref, overlay.src);
      v.int(0xffffffff, 32);
      prop = new Property('target', v.build());
    }
    frag.addProp(prop);
    frag.addChild(overlay);
    root.addChild(frag);
  }

  private node(body: NodeBody, name: string, src: ReturnType<typeof refOf>): Node {
    const n = new Node(name, src);
    n.srcEnd = refOf(body.close);
    let seenChild = false;
    for (const item of body.items) {
      const name = propNodeName(item.name);
      if (item.kind === 'prop' || item.kind === 'delprop') {
        const [omit] = item.omit;
        if (omit) this.error('/omit-if-no-ref/ applies to nodes, not properties', omit);
        if (seenChild) this.error('properties must precede subnodes', item.start);
        const p = new Property(name, undefined, refOf(item.name));
        if (item.kind === 'delprop') p.deleted = true;
        else p.value = this.value(item.value ?? []);
        addLabels(p.labels, item.labels);
        n.addProp(p);
        continue;
      }
      seenChild = true;
      const c = item.kind === 'node' ? this.node(item.body!, name, refOf(item.name)) : new Node(name, refOf(item.name));
      if (item.kind === 'delnode') c.deleted = true;
      if (item.omit.length) c.omitIfUnused = true;
      addLabels(c.labels, item.labels);
      n.addChild(c);
    }
    return n;
  }

  private value(parts: ValuePart[]) {
    const v = new ValueBuilder();
    for (const part of parts) {
      switch (part.kind) {
        case 'label':
          v.mark('label', labelName(part.tok), refOf(part.tok));
          break;
        case 'string': {
          const u = unescapeString(part.tok.image.slice(1, -1));
          if (u.error) this.error(u.error, part.tok, 'lexical');
          v.mark('string');
          v.bytes(u.bytes);
          v.byte(0);
          break;
        }
        case 'cells':
          this.cells(v, part.bits, part.items);
          break;
        case 'bytes':
          v.mark('u8');
          for (const t of part.items) {
            if (t.image.endsWith(':')) v.mark('label', labelName(t), refOf(t));
            else v.byte(parseInt(t.image, 16));
          }
          break;
        case 'ref': {
          const ref = refName(part.tok);
          v.mark('string', ref, refOf(part.tok));
          v.mark('ref-path', ref, refOf(part.tok));
          break;
        }
        case 'incbin':
          this.incbin(v, part);
          break;
      }
    }
    return v.build();
  }

  private cells(v: ValueBuilder, bitsTok: IToken | undefined, items: CellItem[]): void {
    let bits = 32;
    if (bitsTok) {
      const b = smallLiteral(bitsTok.image);
      if (b === 8 || b === 16 || b === 32 || b === 64) bits = b;
      else this.error('array elements must be 8, 16, 32 or 64-bits', bitsTok);
    }
    v.mark(BITS_TYPE[bits as 8 | 16 | 32 | 64]);
    for (const item of items) {
      if (item.kind === 'label') {
        v.mark('label', labelName(item.tok), refOf(item.tok));
      } else if (item.kind === 'ref') {
        if (bits === 32) v.mark('ref-phandle', refName(item.tok), refOf(item.tok));
        else this.error('references are only allowed in arrays with 32-bit elements', item.tok);
        v.bigint((1n << BigInt(bits)) - 1n, bits);
      } else {
        const e = item.expr;
        const small = e.kind === 'literal' && bits !== 64 ? smallLiteral(e.tok.image) : -1;
        if (small >= 0 && small <= 0xffffffff) {
          if (bits < 32 && small >= 1 << bits) this.rangeError(bits, e);
          v.int(small, bits);
          continue;
        }
        const val = this.int(e);
        if (bits < 64) {
          const mask = (1n << BigInt(bits)) - 1n;
          if (val > mask && (val | mask) !== 0xffffffffffffffffn) this.rangeError(bits, e);
        }
        v.bigint(val, bits);
      }
    }
  }

  private rangeError(bits: number, e: IntExpr): void {
    this.error(`value out of range for ${bits}-bit array element`, firstToken(e));
  }

  private incbin(v: ValueBuilder, part: Extract<ValuePart, { kind: 'incbin' }>): void {
    const name = latin1(unescapeString(part.file.image.slice(1, -1)).bytes);
    const from = (part.file.payload as SourceBuffer).path;
    const found = findFile(this.ctx.files, name, from, this.ctx.includePaths);
    v.mark('none');
    if (!found) {
      this.error(`couldn't open "${name}": no such file`, part.file, 'incbin', 'add its directory with -i DIR');
      return;
    }
    let data = found.data;
    if (part.offset && part.length) {
      const off = this.int(part.offset);
      const len = this.int(part.length);
      const start = off > BigInt(data.length) ? data.length : Number(off);
      const end = len > BigInt(data.length - start) ? data.length : start + Number(len);
      data = data.subarray(start, end);
    }
    v.bytes(data);
  }

  private int(e: IntExpr): bigint {
    const errors: ExprError[] = [];
    const v = evaluate(e, errors);
    for (const err of errors) this.error(err.message, err.at, 'expression');
    return v;
  }
}

/** The first live node deeper than MAX_NODE_DEPTH (merges can make a tree deeper than any one source block). */
function tooDeepNode(root: Node): Node | undefined {
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > MAX_NODE_DEPTH) return n;
    for (const c of [...n.children].reverse()) if (!c.deleted) stack.push([c, d + 1]);
  }
  return undefined;
}

function renamed(n: Node, name: string): Node {
  n.name = name;
  return n;
}

/** Add the labels written before a definition (`a: b: node`), the last first, as dtc does. */
function addLabels(into: Label[], labels: readonly IToken[]): void {
  for (const l of [...labels].reverse()) addLabel(into, labelName(l), refOf(l));
}

function labelName(t: IToken): string {
  return t.image.slice(0, -1);
}

/** `&label` → `label`; `&{/path}` → `/path`. */
function refName(t: IToken): string {
  return t.image.startsWith('&{') ? t.image.slice(2, -1) : t.image.slice(1);
}

function propNodeName(t: IToken): string {
  return t.image.startsWith('\\') ? t.image.slice(1) : t.image;
}

/** dtc takes the boot CPU from the `reg` of the first node under /cpus, deleted or not. */
function guessBootCpuid(root: Node): number {
  const cpus = getNodeByPath(root, '/cpus');
  const first = cpus?.children[0];
  const reg = first?.getProp('reg');
  if (!reg || reg.value.length !== 4) return 0;
  return reg.value.readU32(0);
}
