/**
 * Finding nodes by label, path and phandle with dtc's rules: pre-order, live nodes and live labels only,
 * path components matched on the full name (unit address included).
 */
import type { Node } from './tree.js';

export function getNodeByLabel(n: Node, label: string): Node | undefined {
  for (const l of n.labels) if (!l.deleted && l.name === label) return n;
  for (const c of n.children) {
    if (c.deleted) continue;
    const r = getNodeByLabel(c, label);
    if (r) return r;
  }
  return undefined;
}

export function getNodeByPath(n: Node, path: string): Node | undefined {
  let i = 0;
  while (path[i] === '/') i++;
  if (i >= path.length) return n.deleted ? undefined : n;
  const slash = path.indexOf('/', i);
  const part = slash < 0 ? path.slice(i) : path.slice(i, slash);
  for (const c of n.children) {
    if (c.deleted || c.name !== part) continue;
    return slash < 0 ? c : getNodeByPath(c, path.slice(slash + 1));
  }
  return undefined;
}

/**
 * `/` is the root, `/a/b` a path, `label` a label; tsvisor also reads `label/sub/path` (a path below a label),
 * which dtc 1.6.1 does not.
 */
export function getNodeByRef(root: Node, ref: string): Node | undefined {
  if (ref === '/') return root;
  if (ref.startsWith('/')) return getNodeByPath(root, ref);
  const slash = ref.indexOf('/');
  if (slash < 0) return getNodeByLabel(root, ref);
  const base = getNodeByLabel(root, ref.slice(0, slash));
  return base && getNodeByPath(base, ref.slice(slash + 1));
}

/**
 * getNodeByRef with labels looked up in a map built once: for the many references resolved after the tree is
 * complete. Valid while no labels or nodes are added or deleted.
 */
export class RefIndex {
  private readonly labels = new Map<string, Node>();

  constructor(private readonly root: Node) {
    const visit = (n: Node): void => {
      for (const l of n.labels) if (!l.deleted && !this.labels.has(l.name)) this.labels.set(l.name, n);
      for (const c of n.children) if (!c.deleted) visit(c);
    };
    visit(root);
  }

  resolve(ref: string): Node | undefined {
    if (ref === '/') return this.root;
    if (ref.startsWith('/')) return getNodeByPath(this.root, ref);
    const slash = ref.indexOf('/');
    if (slash < 0) return this.labels.get(ref);
    const base = this.labels.get(ref.slice(0, slash));
    return base && getNodeByPath(base, ref.slice(slash + 1));
  }
}
