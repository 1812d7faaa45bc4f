/**
 * dtc 1.6.1's semantic checks, mostly warnings: property types, #address-cells/#size-cells and reg/ranges, bus
 * bridges and unit addresses, /chosen and /aliases, phandle + argument lists, interrupts and the OF graph. Each
 * follows dtc's condition and message; they run in checks.ts's table, in dtc's order, after the reference fix-ups.
 * Bridges record the bus a node is (dtc's node->bus) and addr_size_cells records each node's cells in the run's
 * state, for the checks after them.
 */
import { latin1 } from './bytes.js';
import type { Check, CheckContext, Failer } from './checks.js';
import { phandleIsValid } from './phandles.js';
import type { Node, Property } from './tree.js';

type Bus = 'pci' | 'simple-bus' | 'i2c' | 'spi' | 'graph-port' | 'graph-ports';

/** What checks learn about nodes for later checks (dtc keeps these in struct node). */
export interface CheckState {
  /** #address-cells / #size-cells as written, -1 when absent; a node the fix-up never saw reads 0, as in dtc. */
  addrCells: Map<Node, number>;
  sizeCells: Map<Node, number>;
  bus: Map<Node, Bus>;
}

function state(ctx: CheckContext): CheckState {
  return (ctx.state ??= { addrCells: new Map(), sizeCells: new Map(), bus: new Map() });
}

const rawAddrCells = (ctx: CheckContext, n: Node): number => state(ctx).addrCells.get(n) ?? 0;
const rawSizeCells = (ctx: CheckContext, n: Node): number => state(ctx).sizeCells.get(n) ?? 0;
/** dtc's node_addr_cells / node_size_cells: the defaults 2 and 1 when the property is absent. */
const addrCells = (ctx: CheckContext, n: Node): number => {
  const v = rawAddrCells(ctx, n);
  return v === -1 ? 2 : v;
};
const sizeCells = (ctx: CheckContext, n: Node): number => {
  const v = rawSizeCells(ctx, n);
  return v === -1 ? 1 : v;
};
const busOf = (ctx: CheckContext, n: Node | undefined): Bus | undefined => (n ? state(ctx).bus.get(n) : undefined);

/** Cell `i` of a value (dtc's propval_cell_n); bytes past the end read as 0. */
function cell(p: Property, i = 0): number {
  const b = p.value.bytes;
  const o = i * 4;
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

/** The value up to its first NUL, as C code sees a char pointer. */
function cstr(p: Property): string {
  return p.value.asString();
}

function isMultipleOf(multiple: number, divisor: number): boolean {
  return divisor === 0 ? multiple === 0 : multiple % divisor === 0;
}

function isStringList(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length) {
    const z = b.indexOf(0, i);
    if (z < 0) return false;
    i = z + 1;
  }
  return true;
}

function* liveProps(n: Node): Generator<Property> {
  for (const p of n.props) if (!p.deleted) yield p;
}

function* liveChildren(n: Node): Generator<Node> {
  for (const c of n.children) if (!c.deleted) yield c;
}

const hex = (v: number | bigint): string => v.toString(16);

function isCompatible(n: Node, compat: string): boolean {
  const p = n.getProp('compatible');
  if (!p) return false;
  const b = p.value.bytes;
  let i = 0;
  while (i < b.length) {
    let z = b.indexOf(0, i);
    if (z < 0) z = b.length;
    if (latin1(b.subarray(i, z)) === compat) return true;
    i = z + 1;
  }
  return false;
}

function isDisabled(n: Node): boolean {
  const p = n.getProp('status');
  return !!p && cstr(p) === 'disabled';
}

function isInterruptProvider(n: Node): boolean {
  return !!n.getProp('interrupt-controller') || !!n.getProp('interrupt-map');
}

/** dtc's get_node_by_path, which (unlike reference lookup) finds nothing for "/" itself. */
function nodeByPath(tree: Node, path: string): Node | undefined {
  if (path === '') return tree.deleted ? undefined : tree;
  let i = 0;
  while (path[i] === '/') i++;
  const rest = path.slice(i);
  const slash = rest.indexOf('/');
  for (const c of liveChildren(tree)) {
    if (slash >= 0 && rest.slice(0, slash) === c.name) return nodeByPath(c, rest.slice(slash + 1));
    if (slash < 0 && rest === c.name) return c;
  }
  return undefined;
}

/** A check that one property, when present, has the shape `ok` accepts (dtc's WARNING_PROPERTY_* family). */
function propertyShape(name: string, prop: string, ok: (v: Property['value']) => boolean, message: string): Check {
  return {
    name,
    level: 'warning',
    prereqs: [],
    node: (c, _ctx, n) => {
      const p = n.getProp(prop);
      if (p && !ok(p.value)) c.fail(n, p, message);
    },
  };
}

const isString = (name: string, prop: string): Check =>
  propertyShape(name, prop, (v) => v.isOneString(), 'property is not a string');
const isCell = (name: string, prop: string): Check =>
  propertyShape(name, prop, (v) => v.length === 4, 'property is not a single cell');

function checkStringList(c: Failer, n: Node, p: Property | undefined): void {
  if (p && !isStringList(p.value.bytes)) c.fail(n, p, 'property is not a string list');
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const STRICT = new Set(LOWER + UPPER + DIGITS + ',-');
const ALIAS_CHARS = new Set(LOWER + DIGITS + '-');

function strspn(s: string, set: Set<string>): number {
  let n = 0;
  while (n < s.length && set.has(s.charAt(n))) n++;
  return n;
}

function rangesFormat(name: string, prop: string): Check {
  return {
    name,
    level: 'warning',
    prereqs: ['addr_size_cells'],
    node: (c, ctx, n) => {
      const p = n.getProp(prop);
      if (!p) return;
      if (!n.parent) {
        c.fail(n, p, `Root node has a "${prop}" property`);
        return;
      }
      const pa = addrCells(ctx, n.parent);
      const ps = sizeCells(ctx, n.parent);
      const ca = addrCells(ctx, n);
      const cs = sizeCells(ctx, n);
      const len = p.value.length;
      if (len === 0) {
        if (pa !== ca) c.fail(n, p, `empty "${prop}" property but its #address-cells (${ca}) differs from ${n.parent.fullpath} (${pa})`);
        if (ps !== cs) c.fail(n, p, `empty "${prop}" property but its #size-cells (${cs}) differs from ${n.parent.fullpath} (${ps})`);
      } else if (!isMultipleOf(len, (pa + ca + cs) * 4)) {
        c.fail(n, p, `"${prop}" property has invalid length (${len} bytes) (parent #address-cells == ${pa}, child #address-cells == ${ca}, #size-cells == ${cs})`);
      }
    },
  };
}

function uniqueUnitAddress(c: Failer, ctx: CheckContext, n: Node, ifEnabled: boolean): void {
  if (rawAddrCells(ctx, n) < 0 || rawSizeCells(ctx, n) < 0) return;
  const kids = [...liveChildren(n)];
  // dtc reports the earlier node of each pair, ordered by the later one.
  for (const [i, a] of kids.entries()) {
    const addr = a.unitAddress;
    if (!addr) continue;
    if (ifEnabled && isDisabled(a)) continue;
    for (const b of kids.slice(0, i)) {
      if (ifEnabled && isDisabled(b)) continue;
      if (b.unitAddress === addr) c.fail(b, undefined, `duplicate unit-address (also used in node ${a.fullpath})`);
    }
  }
}

interface Provider {
  prop: string;
  cells: string;
  optional: boolean;
}

/** dtc's check_property_phandle_args: a list of phandles, each followed by as many cells as its provider says. */
function phandleArgs(c: Failer, ctx: CheckContext, n: Node, p: Property, provider: Provider): void {
  const len = p.value.length;
  if (!isMultipleOf(len, 4)) {
    c.fail(n, p, `property size (${len}) is invalid, expected multiple of 4`);
    return;
  }
  const markers = p.value.markers;
  let cellsize: number;
  for (let i = 0; i < len / 4; i += cellsize + 1) {
    const phandle = cell(p, i);
    if (!phandleIsValid(phandle)) {
      // Some bindings use 0 or -1 to skip an optional entry.
      if (ctx.tree.plugin) break;
      cellsize = 0;
      continue;
    }
    if (markers.length > 0 && !markers.some((m) => m.type === 'ref-phandle' && m.offset === i * 4)) {
      c.fail(n, p, `cell ${i} is not a phandle reference`);
    }
    const target = ctx.phandles.lookup(phandle);
    if (!target) {
      c.fail(n, p, `Could not get phandle node for (cell ${i})`);
      break;
    }
    const cp = target.getProp(provider.cells);
    if (cp) cellsize = cell(cp);
    else if (provider.optional) cellsize = 0;
    else {
      c.fail(n, undefined, `Missing property '${provider.cells}' in node ${target.fullpath} or bad phandle (referred from ${p.name}[${i}])`);
      break;
    }
    const expected = ((i + cellsize + 1) * 4) % 2 ** 32;
    if (expected <= i || len < expected) {
      c.fail(n, p, `property size (${len}) too small for cell size ${cellsize | 0}`);
      break;
    }
  }
}

function phandleCells(name: string, prop: string, cells: string, optional = false): Check[] {
  const provider: Provider = { prop, cells, optional };
  return [
    {
      name: `${name}_property`,
      level: 'warning',
      prereqs: [`${name}_is_cell`, 'phandle_references'],
      node: (c, ctx, n) => {
        const p = n.getProp(prop);
        if (p) phandleArgs(c, ctx, n, p, provider);
      },
    },
    isCell(`${name}_is_cell`, cells),
  ];
}

function isGpio(p: Property): boolean {
  const name = p.name;
  if (name.endsWith(',nr-gpios')) return false;
  return name.endsWith('-gpios') || name === 'gpios' || name.endsWith('-gpio') || name === 'gpio';
}

function graphReg(c: Failer, ctx: CheckContext, n: Node): void {
  const p = n.getProp('reg');
  if (!p) return;
  if (p.value.length !== 4) {
    c.fail(n, undefined, "graph node malformed 'reg' property");
    return;
  }
  const want = hex(cell(p));
  if (n.unitAddress !== want) c.fail(n, undefined, `graph node unit address error, expected "${want}"`);
  const parent = n.parent!;
  if (rawAddrCells(ctx, parent) !== 1) c.fail(n, n.getProp('#address-cells'), `graph node '#address-cells' is ${rawAddrCells(ctx, parent)}, must be 1`);
  if (rawSizeCells(ctx, parent) !== 0) c.fail(n, n.getProp('#size-cells'), `graph node '#size-cells' is ${rawSizeCells(ctx, parent)}, must be 0`);
}

function remoteEndpoint(c: Failer, ctx: CheckContext, ep: Node): Node | undefined {
  const p = ep.getProp('remote-endpoint');
  if (!p) return undefined;
  const phandle = cell(p);
  if (!phandleIsValid(phandle)) return undefined;
  const n = ctx.phandles.lookup(phandle);
  if (!n) c.fail(ep, p, 'graph phandle is not valid');
  return n;
}

/** The checks after the reference fix-ups, in dtc 1.6.1's order. */
export function semanticChecks(): Check[] {
  return [
    isCell('address_cells_is_cell', '#address-cells'),
    isCell('size_cells_is_cell', '#size-cells'),
    isString('device_type_is_string', 'device_type'),
    isString('model_is_string', 'model'),
    isString('status_is_string', 'status'),
    isString('label_is_string', 'label'),
    {
      name: 'compatible_is_string_list',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => checkStringList(c, n, n.getProp('compatible')),
    },
    {
      name: 'names_is_string_list',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => {
        for (const p of liveProps(n)) if (p.name.endsWith('-names')) checkStringList(c, n, n.getProp(p.name));
      },
    },
    {
      name: 'property_name_chars_strict',
      level: 'off',
      prereqs: [],
      node: (c, _ctx, n) => {
        for (const p of liveProps(n)) {
          let name = p.name;
          let k = strspn(name, STRICT);
          if (k === name.length || name === 'device_type') continue;
          // '#' may start a name, after any vendor prefix.
          if (name[k] === '#' && (k === 0 || name[k - 1] === ',')) {
            name = name.slice(k + 1);
            k = strspn(name, STRICT);
          }
          if (k < name.length) c.fail(n, p, `Character '${name[k]}' not recommended in property name`);
        }
      },
    },
    {
      name: 'node_name_chars_strict',
      level: 'off',
      prereqs: [],
      node: (c, _ctx, n) => {
        const k = strspn(n.name, STRICT);
        if (k < n.basename.length) c.fail(n, undefined, `Character '${n.name[k]}' not recommended in node name`);
      },
    },
    {
      name: 'addr_size_cells',
      level: 'warning',
      prereqs: ['address_cells_is_cell', 'size_cells_is_cell'],
      node: (_c, ctx, n) => {
        const st = state(ctx);
        const a = n.getProp('#address-cells');
        const s = n.getProp('#size-cells');
        st.addrCells.set(n, a ? cell(a) | 0 : -1);
        st.sizeCells.set(n, s ? cell(s) | 0 : -1);
      },
    },
    {
      name: 'reg_format',
      level: 'warning',
      prereqs: ['addr_size_cells'],
      node: (c, ctx, n) => {
        const p = n.getProp('reg');
        if (!p) return;
        if (!n.parent) {
          c.fail(n, undefined, 'Root node has a "reg" property');
          return;
        }
        const len = p.value.length;
        if (len === 0) c.fail(n, p, 'property is empty');
        const a = addrCells(ctx, n.parent);
        const s = sizeCells(ctx, n.parent);
        if (!isMultipleOf(len, (a + s) * 4)) c.fail(n, p, `property has invalid length (${len} bytes) (#address-cells == ${a}, #size-cells == ${s})`);
      },
    },
    rangesFormat('ranges_format', 'ranges'),
    rangesFormat('dma_ranges_format', 'dma-ranges'),
    {
      name: 'unit_address_vs_reg',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => {
        if (n.getChild('__overlay__')) return; // overlay fragments are a special case
        let p = n.getProp('reg');
        if (!p) {
          p = n.getProp('ranges');
          if (p && p.value.length === 0) p = undefined;
        }
        if (p) {
          if (!n.unitAddress) c.fail(n, undefined, 'node has a reg or ranges property, but no unit name');
        } else if (n.unitAddress) c.fail(n, undefined, 'node has a unit name, but no reg or ranges property');
      },
    },
    {
      name: 'unit_address_format',
      level: 'warning',
      prereqs: ['node_name_format', 'pci_bridge', 'simple_bus_bridge'],
      node: (c, ctx, n) => {
        if (busOf(ctx, n.parent)) return;
        let unit = n.unitAddress;
        if (!unit) return;
        if (unit.startsWith('0x')) {
          c.fail(n, undefined, 'unit name should not have leading "0x"');
          unit = unit.slice(2);
        }
        if (unit[0] === '0' && /^[0-9a-fA-F]$/.test(unit[1] ?? '')) c.fail(n, undefined, 'unit name should not have leading 0s');
      },
    },
    {
      name: 'pci_bridge',
      level: 'warning',
      prereqs: ['device_type_is_string', 'addr_size_cells'],
      node: (c, ctx, n) => {
        const dt = n.getProp('device_type');
        if (!dt || cstr(dt) !== 'pci') return;
        state(ctx).bus.set(n, 'pci');
        if (n.basename !== 'pci' && n.basename !== 'pcie') c.fail(n, undefined, 'node name is not "pci" or "pcie"');
        if (!n.getProp('ranges')) c.fail(n, undefined, 'missing ranges for PCI bridge (or not a bridge)');
        if (addrCells(ctx, n) !== 3) c.fail(n, undefined, 'incorrect #address-cells for PCI bridge');
        if (sizeCells(ctx, n) !== 2) c.fail(n, undefined, 'incorrect #size-cells for PCI bridge');
        const br = n.getProp('bus-range');
        if (!br) return;
        if (br.value.length !== 8) {
          c.fail(n, br, 'value must be 2 cells');
          return;
        }
        if (cell(br, 0) > cell(br, 1)) c.fail(n, br, '1st cell must be less than or equal to 2nd cell');
        if (cell(br, 1) > 0xff) c.fail(n, br, 'maximum bus number must be less than 256');
      },
    },
    {
      name: 'pci_device_reg',
      level: 'warning',
      prereqs: ['reg_format', 'pci_bridge'],
      node: (c, ctx, n) => {
        if (busOf(ctx, n.parent) !== 'pci') return;
        const p = n.getProp('reg');
        if (!p) return;
        if (cell(p, 1) || cell(p, 2)) c.fail(n, p, 'PCI reg config space address cells 2 and 3 must be 0');
        const reg = cell(p, 0);
        const dev = (reg & 0xf800) >>> 11;
        const func = (reg & 0x700) >>> 8;
        if (reg & 0xff000000) c.fail(n, p, 'PCI reg address is not configuration space');
        if (reg & 0xff) c.fail(n, p, 'PCI reg config space address register number must be 0');
        if (func === 0 && n.unitAddress === hex(dev)) return;
        const want = `${hex(dev)},${hex(func)}`;
        if (n.unitAddress !== want) c.fail(n, undefined, `PCI unit address format error, expected "${want}"`);
      },
    },
    {
      name: 'pci_device_bus_num',
      level: 'warning',
      prereqs: ['reg_format', 'pci_bridge'],
      node: (c, ctx, n) => {
        if (!n.parent || busOf(ctx, n.parent) !== 'pci') return;
        const p = n.getProp('reg');
        if (!p) return;
        const bus = (cell(p, 0) & 0x00ff0000) >>> 16;
        const br = n.parent.getProp('bus-range');
        // dtc 1.6.1 reads both bounds from the first cell of bus-range.
        const min = br ? cell(br, 0) : 0;
        const max = min;
        if (bus < min || bus > max) c.fail(n, br, `PCI bus number ${bus} out of range, expected (${min | 0} - ${max | 0})`);
      },
    },
    {
      name: 'simple_bus_bridge',
      level: 'warning',
      prereqs: ['addr_size_cells', 'compatible_is_string_list'],
      node: (_c, ctx, n) => {
        if (isCompatible(n, 'simple-bus')) state(ctx).bus.set(n, 'simple-bus');
      },
    },
    {
      name: 'simple_bus_reg',
      level: 'warning',
      prereqs: ['reg_format', 'simple_bus_bridge'],
      node: (c, ctx, n) => {
        if (!n.parent || busOf(ctx, n.parent) !== 'simple-bus') return;
        let p = n.getProp('reg');
        let first = 0;
        if (!p) {
          const r = n.getProp('ranges');
          if (r && r.value.length) {
            p = r;
            first = addrCells(ctx, n); // skip the child address
          }
        }
        if (!p) {
          if (n.parent.parent && busOf(ctx, n) !== 'simple-bus') c.fail(n, undefined, 'missing or empty reg/ranges property');
          return;
        }
        let reg = 0n;
        for (let k = 0, size = addrCells(ctx, n.parent); k < size; k++) {
          reg = ((reg << 32n) | BigInt(cell(p, first + k))) & 0xffffffffffffffffn;
        }
        const want = hex(reg);
        if (n.unitAddress !== want) c.fail(n, undefined, `simple-bus unit address format error, expected "${want}"`);
      },
    },
    {
      name: 'i2c_bus_bridge',
      level: 'warning',
      prereqs: ['addr_size_cells'],
      node: (c, ctx, n) => {
        const base = n.basename;
        if (base === 'i2c-bus' || base === 'i2c-arb') state(ctx).bus.set(n, 'i2c');
        else if (base === 'i2c') {
          // dtc compares each child's first basename-length characters with "i2c-bus": never equal.
          for (const ch of liveChildren(n)) if (ch.name.slice(0, base.length) === 'i2c-bus') return;
          state(ctx).bus.set(n, 'i2c');
        } else return;
        if (n.children.length === 0) return;
        if (addrCells(ctx, n) !== 1) c.fail(n, undefined, 'incorrect #address-cells for I2C bus');
        if (sizeCells(ctx, n) !== 0) c.fail(n, undefined, 'incorrect #size-cells for I2C bus');
      },
    },
    {
      name: 'i2c_bus_reg',
      level: 'warning',
      prereqs: ['reg_format', 'i2c_bus_bridge'],
      node: (c, ctx, n) => {
        if (busOf(ctx, n.parent) !== 'i2c') return;
        const p = n.getProp('reg');
        if (!p) {
          c.fail(n, undefined, 'missing or empty reg property');
          return;
        }
        const OWN_SLAVE = 1 << 30;
        const TEN_BIT = 0x80000000;
        const want = hex((cell(p, 0) & ~OWN_SLAVE) >>> 0);
        if (n.unitAddress !== want) c.fail(n, undefined, `I2C bus unit address format error, expected "${want}"`);
        for (let len = p.value.length, i = 0; len > 0; len -= 4, i++) {
          const reg = (cell(p, i) & ~OWN_SLAVE) >>> 0;
          // As dtc 1.6.1: a ten-bit address within range still gets the seven-bit complaint.
          if (reg & TEN_BIT && (reg & ~TEN_BIT) >>> 0 > 0x3ff) {
            c.fail(n, p, `I2C address must be less than 10-bits, got "0x${hex(reg)}"`);
          } else if (reg > 0x7f) {
            c.fail(n, p, `I2C address must be less than 7-bits, got "0x${hex(reg)}". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property`);
          }
        }
      },
    },
    {
      name: 'spi_bus_bridge',
      level: 'warning',
      prereqs: ['addr_size_cells'],
      node: (c, ctx, n) => {
        const st = state(ctx);
        if (n.basename === 'spi') st.bus.set(n, 'spi');
        else {
          // SPI buses without the proper node name: a child with an spi-* property.
          if (addrCells(ctx, n) !== 1 || sizeCells(ctx, n) !== 0) return;
          const found = [...liveChildren(n)].some((ch) => [...liveProps(ch)].some((p) => p.name.startsWith('spi-')));
          if (found) st.bus.set(n, 'spi');
          if (found && n.getProp('reg')) c.fail(n, undefined, "node name for SPI buses should be 'spi'");
        }
        if (st.bus.get(n) !== 'spi' || n.children.length === 0) return;
        const want = n.getProp('spi-slave') ? 0 : 1;
        if (addrCells(ctx, n) !== want) c.fail(n, undefined, 'incorrect #address-cells for SPI bus');
        if (sizeCells(ctx, n) !== 0) c.fail(n, undefined, 'incorrect #size-cells for SPI bus');
      },
    },
    {
      name: 'spi_bus_reg',
      level: 'warning',
      prereqs: ['reg_format', 'spi_bus_bridge'],
      node: (c, ctx, n) => {
        if (!n.parent || busOf(ctx, n.parent) !== 'spi') return;
        if (n.parent.getProp('spi-slave')) return;
        const p = n.getProp('reg');
        if (!p) {
          c.fail(n, undefined, 'missing or empty reg property');
          return;
        }
        const want = hex(cell(p, 0));
        if (n.unitAddress !== want) c.fail(n, undefined, `SPI bus unit address format error, expected "${want}"`);
      },
    },
    {
      name: 'avoid_default_addr_size',
      level: 'warning',
      prereqs: ['addr_size_cells'],
      node: (c, ctx, n) => {
        if (!n.parent) return;
        if (!n.getProp('reg') && !n.getProp('ranges')) return;
        if (rawAddrCells(ctx, n.parent) === -1) c.fail(n, undefined, 'Relying on default #address-cells value');
        if (rawSizeCells(ctx, n.parent) === -1) c.fail(n, undefined, 'Relying on default #size-cells value');
      },
    },
    {
      name: 'avoid_unnecessary_addr_size',
      level: 'warning',
      prereqs: ['avoid_default_addr_size'],
      node: (c, ctx, n) => {
        if (!n.parent || rawAddrCells(ctx, n) < 0 || rawSizeCells(ctx, n) < 0) return;
        if (n.getProp('ranges') || n.children.length === 0) return;
        for (const ch of liveChildren(n)) if (ch.getProp('reg')) return;
        c.fail(n, undefined, 'unnecessary #address-cells/#size-cells without "ranges" or child "reg" property');
      },
    },
    {
      name: 'unique_unit_address',
      level: 'warning',
      prereqs: ['avoid_default_addr_size'],
      node: (c, ctx, n) => uniqueUnitAddress(c, ctx, n, false),
    },
    {
      name: 'unique_unit_address_if_enabled',
      level: 'off',
      prereqs: ['avoid_default_addr_size'],
      node: (c, ctx, n) => uniqueUnitAddress(c, ctx, n, true),
    },
    {
      name: 'obsolete_chosen_interrupt_controller',
      level: 'warning',
      prereqs: [],
      node: (c, ctx, n) => {
        if (n !== ctx.tree.root) return;
        const chosen = nodeByPath(n, '/chosen');
        const p = chosen?.getProp('interrupt-controller');
        if (p) c.fail(n, p, '/chosen has obsolete "interrupt-controller" property');
      },
    },
    {
      name: 'chosen_node_is_root',
      level: 'warning',
      prereqs: [],
      node: (c, ctx, n) => {
        if (n.name === 'chosen' && n.parent !== ctx.tree.root) c.fail(n, undefined, 'chosen node must be at root node');
      },
    },
    {
      name: 'chosen_node_bootargs',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => {
        if (n.name !== 'chosen') return;
        const p = n.getProp('bootargs');
        if (p && !p.value.isOneString()) c.fail(n, p, 'property is not a string');
      },
    },
    {
      name: 'chosen_node_stdout_path',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => {
        if (n.name !== 'chosen') return;
        let p = n.getProp('stdout-path');
        if (!p) {
          p = n.getProp('linux,stdout-path');
          if (!p) return;
          c.fail(n, p, "Use 'stdout-path' instead");
        }
        if (!p.value.isOneString()) c.fail(n, p, 'property is not a string');
      },
    },
    ...phandleCells('clocks', 'clocks', '#clock-cells'),
    ...phandleCells('cooling_device', 'cooling-device', '#cooling-cells'),
    ...phandleCells('dmas', 'dmas', '#dma-cells'),
    ...phandleCells('hwlocks', 'hwlocks', '#hwlock-cells'),
    ...phandleCells('interrupts_extended', 'interrupts-extended', '#interrupt-cells'),
    ...phandleCells('io_channels', 'io-channels', '#io-channel-cells'),
    ...phandleCells('iommus', 'iommus', '#iommu-cells'),
    ...phandleCells('mboxes', 'mboxes', '#mbox-cells'),
    ...phandleCells('msi_parent', 'msi-parent', '#msi-cells', true),
    ...phandleCells('mux_controls', 'mux-controls', '#mux-control-cells'),
    ...phandleCells('phys', 'phys', '#phy-cells'),
    ...phandleCells('power_domains', 'power-domains', '#power-domain-cells'),
    ...phandleCells('pwms', 'pwms', '#pwm-cells'),
    ...phandleCells('resets', 'resets', '#reset-cells'),
    ...phandleCells('sound_dai', 'sound-dai', '#sound-dai-cells'),
    ...phandleCells('thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells'),
    {
      name: 'deprecated_gpio_property',
      level: 'off',
      prereqs: [],
      node: (c, _ctx, n) => {
        for (const p of liveProps(n)) {
          if (isGpio(p) && p.name.endsWith('gpio')) c.fail(n, p, "'[*-]gpio' is deprecated, use '[*-]gpios' instead");
        }
      },
    },
    {
      name: 'gpios_property',
      level: 'warning',
      prereqs: ['phandle_references'],
      node: (c, ctx, n) => {
        if (n.getProp('gpio-hog')) return; // hogs have a 'gpios' property of another kind
        for (const p of liveProps(n)) {
          if (isGpio(p)) phandleArgs(c, ctx, n, p, { prop: p.name, cells: '#gpio-cells', optional: false });
        }
      },
    },
    {
      name: 'interrupts_property',
      level: 'warning',
      prereqs: [],
      node: (c, ctx, n) => {
        const irq = n.getProp('interrupts');
        if (!irq) return;
        const len = irq.value.length;
        if (!isMultipleOf(len, 4)) c.fail(n, irq, `size (${len}) is invalid, expected multiple of 4`);
        let irqNode: Node | undefined;
        let parent: Node | undefined = n;
        let prop: Property | undefined;
        while (parent && !prop) {
          if (parent !== n && isInterruptProvider(parent)) {
            irqNode = parent;
            break;
          }
          prop = parent.getProp('interrupt-parent');
          if (prop) {
            const phandle = cell(prop);
            if (!phandleIsValid(phandle)) {
              if (ctx.tree.plugin) return; // an overlay's external reference
              c.fail(parent, prop, 'Invalid phandle');
              continue;
            }
            irqNode = ctx.phandles.lookup(phandle);
            if (!irqNode) {
              c.fail(parent, prop, 'Bad phandle');
              return;
            }
            if (!isInterruptProvider(irqNode)) c.fail(irqNode, undefined, 'Missing interrupt-controller or interrupt-map property');
            break;
          }
          parent = parent.parent;
        }
        if (!irqNode) {
          c.fail(n, undefined, 'Missing interrupt-parent');
          return;
        }
        const ic = irqNode.getProp('#interrupt-cells');
        if (!ic) return; // interrupt_provider reports that
        const size = (cell(ic) * 4) | 0;
        if (!isMultipleOf(len, size)) c.fail(n, ic, `size is (${len}), expected multiple of ${size}`);
      },
    },
    {
      name: 'interrupt_provider',
      level: 'warning',
      prereqs: [],
      node: (c, _ctx, n) => {
        if (!isInterruptProvider(n)) return;
        if (!n.getProp('#interrupt-cells')) c.fail(n, undefined, 'Missing #interrupt-cells in interrupt provider');
        if (!n.getProp('#address-cells')) c.fail(n, undefined, 'Missing #address-cells in interrupt provider');
      },
    },
    {
      name: 'alias_paths',
      level: 'warning',
      prereqs: [],
      node: (c, ctx, n) => {
        if (n.name !== 'aliases') return;
        for (const p of liveProps(n)) {
          if (p.name === 'phandle' || p.name === 'linux,phandle') continue;
          if (p.value.length === 0 || !nodeByPath(ctx.tree.root, cstr(p))) {
            c.fail(n, p, `aliases property is not a valid node (${p.value.length === 0 ? '(null)' : cstr(p)})`);
            continue;
          }
          if (strspn(p.name, ALIAS_CHARS) !== p.name.length) c.fail(n, undefined, "aliases property name must include only lowercase and '-'");
        }
      },
    },
    {
      name: 'graph_nodes',
      level: 'warning',
      prereqs: [],
      node: (_c, ctx, n) => {
        const st = state(ctx);
        for (const ch of liveChildren(n)) {
          if (ch.basename !== 'endpoint' && !ch.getProp('remote-endpoint')) continue;
          st.bus.set(n, 'graph-port');
          // A port's parent is either a 'ports' node or the device itself.
          if (n.parent && !st.bus.get(n.parent) && (n.parent.name === 'ports' || n.getProp('reg'))) st.bus.set(n.parent, 'graph-ports');
          break;
        }
      },
    },
    {
      name: 'graph_child_address',
      level: 'warning',
      prereqs: ['graph_nodes'],
      node: (c, ctx, n) => {
        const bus = busOf(ctx, n);
        if (bus !== 'graph-ports' && bus !== 'graph-port') return;
        let count = 0;
        for (const ch of liveChildren(n)) {
          const p = ch.getProp('reg');
          if (p && cell(p) !== 0) return; // a non-zero unit address somewhere: fine
          count++;
        }
        if (count === 1 && rawAddrCells(ctx, n) !== -1) {
          c.fail(n, undefined, `graph node has single child node '${n.children[0]?.name ?? ''}', #address-cells/#size-cells are not necessary`);
        }
      },
    },
    {
      name: 'graph_port',
      level: 'warning',
      prereqs: ['graph_nodes'],
      node: (c, ctx, n) => {
        if (busOf(ctx, n) !== 'graph-port') return;
        if (n.basename !== 'port') c.fail(n, undefined, "graph port node name should be 'port'");
        graphReg(c, ctx, n);
      },
    },
    {
      name: 'graph_endpoint',
      level: 'warning',
      prereqs: ['graph_nodes'],
      node: (c, ctx, n) => {
        if (!n.parent || busOf(ctx, n.parent) !== 'graph-port') return;
        if (n.basename !== 'endpoint') c.fail(n, undefined, "graph endpoint node name should be 'endpoint'");
        graphReg(c, ctx, n);
        const remote = remoteEndpoint(c, ctx, n);
        if (remote && remoteEndpoint(c, ctx, remote) !== n) c.fail(n, undefined, `graph connection to node '${remote.fullpath}' is not bidirectional`);
      },
    },
    {
      name: 'always_fail',
      level: 'off',
      prereqs: [],
      node: (c, _ctx, n) => c.fail(n, undefined, 'always_fail check'),
    },
  ];
}
