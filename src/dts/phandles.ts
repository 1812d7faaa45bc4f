/**
 * Phandle bookkeeping for one compilation: which live node holds each phandle, and dtc's allocator, which hands
 * out the lowest free number counting up from where it last stopped.
 */
import { PropValue } from './data.js';
import { Node, Property } from './tree.js';

export type PhandleFormat = 'epapr' | 'legacy' | 'both';

function isLive(n: Node): boolean {
  for (let p: Node | undefined = n; p; p = p.parent) if (p.deleted) return false;
  return true;
}

export function phandleIsValid(p: number): boolean {
  return p !== 0 && p !== 0xffffffff;
}

export class Phandles {
  private readonly byValue = new Map<number, Node>();
  private next = 1;

  constructor(private readonly format: PhandleFormat = 'epapr') {}

  /** The live node holding `phandle` (dtc's get_node_by_phandle). */
  lookup(phandle: number): Node | undefined {
    const n = this.byValue.get(phandle);
    return n && n.phandle === phandle && isLive(n) ? n : undefined;
  }

  set(n: Node, phandle: number): void {
    n.phandle = phandle;
    this.byValue.set(phandle, n);
  }

  /** The node's phandle, allocating one (and adding its property) if it has none (dtc's get_node_phandle). */
  of(n: Node): number {
    if (phandleIsValid(n.phandle)) return n.phandle;
    while (this.lookup(this.next)) this.next++;
    const p = this.next;
    this.set(n, p);
    const cell = (): PropValue => {
      const v = new PropValue(new Uint8Array(4), [{ offset: 0, type: 'u32' }]);
      v.writeU32(0, p);
      return v;
    };
    if (this.format !== 'epapr' && !n.getProp('linux,phandle')) n.addProp(new Property('linux,phandle', cell()));
    if (this.format !== 'legacy' && !n.getProp('phandle')) n.addProp(new Property('phandle', cell()));
    return p;
  }
}
