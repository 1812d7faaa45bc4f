/**
 * The live device tree, modelled on dtc's livetree: deleted nodes, properties and labels stay in their lists
 * with a flag, because re-adding one later revives it in its original position, exactly as dtc does.
 */
import { PropValue } from './data.js';
import type { SourceRef } from './source.js';

export class Label {
  deleted = false;
  constructor(
    readonly name: string,
    readonly src?: SourceRef,
  ) {}
}

/** dtc keeps labels newest first; adding an existing one revives it instead. */
export function addLabel(labels: Label[], name: string, src?: SourceRef): void {
  for (const l of labels) {
    if (l.name === name) {
      l.deleted = false;
      return;
    }
  }
  labels.unshift(new Label(name, src));
}

export class Property {
  labels: Label[] = [];
  deleted = false;
  constructor(
    readonly name: string,
    public value: PropValue = new PropValue(),
    public src?: SourceRef,
  ) {}
}

export class Node {
  props: Property[] = [];
  children: Node[] = [];
  labels: Label[] = [];
  parent: Node | undefined;
  deleted = false;
  phandle = 0;
  omitIfUnused = false;
  referenced = false;
  /** Set by fillPaths() once the tree is complete. */
  fullpath = '';
  /** Where later `&ref { }` / `/ { }` blocks merged into this node were written (dtc's srcpos chain, for -T). */
  mergedSrcs: SourceRef[] = [];
  /** Where the body closes, and the same for each merged block (the line dtc's -T shows after `};`). */
  srcEnd: SourceRef | undefined;
  mergedEnds: SourceRef[] = [];
  constructor(
    public name: string,
    public src?: SourceRef,
  ) {}

  /** The name without its unit address. */
  get basename(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** The unit address, or '' when the name has none. */
  get unitAddress(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? '' : this.name.slice(at + 1);
  }

  /** The first live property of that name. */
  getProp(name: string): Property | undefined {
    for (const p of this.props) if (!p.deleted && p.name === name) return p;
    return undefined;
  }

  /** The first live child of that name. */
  getChild(name: string): Node | undefined {
    for (const c of this.children) if (!c.deleted && c.name === name) return c;
    return undefined;
  }

  addProp(p: Property): void {
    this.props.push(p);
  }

  addChild(c: Node): void {
    c.parent = this;
    this.children.push(c);
  }

  /** The path from the root, computed from the parent chain (fullpath is the cached form). */
  path(): string {
    if (!this.parent) return '/';
    const pp = this.parent.path();
    return pp === '/' ? `/${this.name}` : `${pp}/${this.name}`;
  }
}

export function deleteProperty(p: Property): void {
  p.deleted = true;
  for (const l of p.labels) l.deleted = true;
}

export function deleteNode(n: Node): void {
  n.deleted = true;
  for (const c of n.children) if (!c.deleted) deleteNode(c);
  for (const p of n.props) if (!p.deleted) deleteProperty(p);
  for (const l of n.labels) l.deleted = true;
}

/** Merges `add` into `into` (dtc's merge_nodes): later values win, deletions apply, children merge by name. */
export function mergeNodes(into: Node, add: Node): void {
  into.deleted = false;
  if (add.src) into.mergedSrcs.push(add.src);
  into.mergedSrcs.push(...add.mergedSrcs);
  if (add.srcEnd) into.mergedEnds.push(add.srcEnd);
  into.mergedEnds.push(...add.mergedEnds);
  for (const l of add.labels) addLabel(into.labels, l.name, l.src);
  for (const np of add.props) {
    if (np.deleted) {
      const old = into.props.find((p) => p.name === np.name);
      if (old) deleteProperty(old);
      continue;
    }
    const old = into.props.find((p) => p.name === np.name);
    if (old) {
      for (const l of np.labels) addLabel(old.labels, l.name, l.src);
      old.value = np.value;
      old.deleted = false;
      old.src = np.src;
    } else {
      into.addProp(np);
    }
  }
  for (const nc of add.children) {
    if (nc.deleted) {
      const old = into.children.find((c) => c.name === nc.name);
      if (old) deleteNode(old);
      continue;
    }
    const old = into.children.find((c) => c.name === nc.name);
    if (old) mergeNodes(old, nc);
    else into.addChild(nc);
  }
}

export interface ReserveEntry {
  address: bigint;
  size: bigint;
  labels: Label[];
}

/** A whole compiled tree: what dtc calls dt_info. */
export interface DeviceTree {
  root: Node;
  reserves: ReserveEntry[];
  plugin: boolean;
  bootCpuid: number;
  /**
   * Read from a DTB: the empty reserve-map entries after the terminator (what `-R N` or a last `/memreserve/ 0 0`
   * writes). Like bootCpuid, a header matter: pass it back as BlobOptions.reserveSlots to write the same blob.
   */
  reserveSlots?: number;
}

/** Depth-first, parent before children, skipping deleted nodes: the order every dtc pass uses. */
export function walk(n: Node, fn: (n: Node) => void): void {
  fn(n);
  for (const c of n.children) if (!c.deleted) walk(c, fn);
}

/** Fills in fullpath for every live node (dtc's fill_fullpaths). */
export function fillPaths(n: Node, prefix = ''): void {
  n.fullpath = prefix.endsWith('/') ? prefix + n.name : `${prefix}/${n.name}`;
  for (const c of n.children) if (!c.deleted) fillPaths(c, n.fullpath);
}
