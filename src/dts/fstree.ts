/**
 * `-I fs`: a tree read from a directory laid out as Linux's /proc/device-tree (dtc's fstree.c): each directory a
 * node, each regular file a property holding the file's bytes. Entries are taken in name order (dtc takes them
 * in readdir order, which depends on the filesystem; with -s both agree). Nesting is bounded by limits.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PropValue } from './data.js';
import { MAX_NODE_DEPTH, tooDeep } from './limits.js';
import { Node, Property, type DeviceTree } from './tree.js';

export class FsTreeError extends Error {}

export function fromFs(dir: string): DeviceTree {
  const root = new Node('');
  const stack: { node: Node; path: string; depth: number }[] = [{ node: root, path: dir, depth: 0 }];
  while (stack.length) {
    const { node, path, depth } = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      throw new FsTreeError(`Couldn't opendir() "${path}": ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const dirs: { node: Node; path: string; depth: number }[] = [];
    for (const name of names) {
      const p = join(path, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isFile()) {
        node.addProp(new Property(name, new PropValue(new Uint8Array(readFileSync(p)))));
      } else if (st.isDirectory()) {
        if (depth + 1 > MAX_NODE_DEPTH) throw new FsTreeError(`${p}: ${tooDeep('nodes', MAX_NODE_DEPTH)}`);
        const c = new Node(name);
        node.addChild(c);
        dirs.push({ node: c, path: p, depth: depth + 1 });
      }
    }
    for (let i = dirs.length - 1; i >= 0; i--) stack.push(dirs[i]!);
  }
  return { root, reserves: [], plugin: false, bootCpuid: 0 };
}
