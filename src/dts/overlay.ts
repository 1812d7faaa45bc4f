/**
 * Generated nodes for overlays and symbol export: `/__symbols__` (-@: every label → its node's path),
 * `/__fixups__` (references this overlay cannot resolve itself) and `/__local_fixups__` (where phandles of its
 * own nodes sit, so a loader can renumber them). Order and layout follow dtc's generators byte for byte.
 */
import { cString } from './bytes.js';
import type { DiagnosticSink } from './diagnostics.js';
import { unescapeString } from './escape.js';
import { RefIndex } from './lookup.js';
import type { Phandles } from './phandles.js';
import { PropValue, type MarkerType } from './data.js';
import { Node, Property, type DeviceTree } from './tree.js';

/** The live child of that name, or a new one appended. */
function childNamed(parent: Node, name: string): Node {
  const found = parent.getChild(name);
  if (found) return found;
  const n = new Node(name);
  parent.addChild(n);
  return n;
}

function anyLabel(n: Node): boolean {
  if (n.labels.length) return true;
  for (const c of n.children) if (!c.deleted && anyLabel(c)) return true;
  return false;
}

/** Adds a property per label naming the labelled node (dtc's generate_label_tree), allocating phandles if asked. */
export function generateLabelTree(tree: DeviceTree, name: string, phandles: Phandles | undefined, diags: DiagnosticSink): void {
  if (!anyLabel(tree.root)) return;
  const an = childNamed(tree.root, name);
  const visit = (n: Node): void => {
    if (n.labels.length) {
      for (const l of n.labels) {
        if (l.deleted) continue;
        if (an.getProp(l.name)) {
          diags.warning('label_tree', `label ${l.name} already exists in /${an.name}`, l.src);
          continue;
        }
        const v = new PropValue(Uint8Array.from([...unescapeString(n.fullpath).bytes, 0]), [{ offset: 0, type: 'string' }]);
        an.addProp(new Property(l.name, v));
      }
      if (phandles) phandles.of(n);
    }
    for (const c of n.children) if (!c.deleted) visit(c);
  };
  visit(tree.root);
}

function appendToProperty(n: Node, name: string, type: MarkerType, data: Uint8Array): void {
  const p = n.getProp(name);
  if (p) p.value.append(type, name, data);
  else {
    const v = new PropValue();
    v.append(type, name, data);
    n.addProp(new Property(name, v));
  }
}

function eachPhandleRef(n: Node, fn: (n: Node, p: Property, offset: number, ref: string) => void): void {
  for (const p of n.props) {
    if (p.deleted) continue;
    for (const m of p.value.markers) if (m.type === 'ref-phandle') fn(n, p, m.offset, m.ref!);
  }
  for (const c of n.children) if (!c.deleted) eachPhandleRef(c, fn);
}

function anyRef(tree: DeviceTree, refs: RefIndex, resolved: boolean): boolean {
  let found = false;
  eachPhandleRef(tree.root, (_n, _p, _o, ref) => {
    if (!!refs.resolve(ref) === resolved) found = true;
  });
  return found;
}

/** `/__fixups__`: for each unresolved label, the list of "path:property:offset" places that use it. */
export function generateFixups(tree: DeviceTree, diags: DiagnosticSink): void {
  const refs = new RefIndex(tree.root);
  if (!anyRef(tree, refs, false)) return;
  const fn = childNamed(tree.root, '__fixups__');
  eachPhandleRef(tree.root, (n, p, offset, ref) => {
    if (refs.resolve(ref)) return;
    if (n.fullpath.includes(':') || p.name.includes(':')) {
      diags.error('fixups', `cannot record a fixup for ${n.fullpath}:${p.name}: names must not contain ':'`, p.src);
      return;
    }
    appendToProperty(fn, ref, 'string', cString(`${n.fullpath}:${p.name}:${offset}`));
  });
}

/** `/__local_fixups__`: a mirror of the tree holding, per property, the offsets of phandles to local nodes. */
export function generateLocalFixups(tree: DeviceTree): void {
  const refs = new RefIndex(tree.root);
  if (!anyRef(tree, refs, true)) return;
  const lfn = childNamed(tree.root, '__local_fixups__');
  eachPhandleRef(tree.root, (n, p, offset, ref) => {
    if (!refs.resolve(ref)) return;
    const names: string[] = [];
    for (let w: Node | undefined = n; w?.parent; w = w.parent) names.unshift(w.name);
    let w = lfn;
    for (const name of names) w = childNamed(w, name);
    const cell = new Uint8Array(4);
    new DataView(cell.buffer).setUint32(0, offset);
    appendToProperty(w, p.name, 'u32', cell);
  });
}
