/**
 * Xvisor's `vfs guest_fdt_load <guest> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...` as a library
 * function: graft a guest tree under /guests/<guest>, apply attribute overrides through the guest's own
 * /aliases, and expand `vcpu_template` into `vcpus/vcpu0..N-1` (only vcpu0 loses `poweroff`).
 */
import { PropValue } from '../../dts/data.js';
import { fillPaths, Node, Property, type DeviceTree } from '../../dts/tree.js';

export type OverrideType = 'string' | 'bytes' | 'uint32' | 'uint64' | 'physaddr' | 'physsize' | 'virtaddr' | 'virtsize';
const OVERRIDE_TYPES: readonly string[] = ['string', 'bytes', 'uint32', 'uint64', 'physaddr', 'physsize', 'virtaddr', 'virtsize'];

/** Most VCPUs one guest may have (guest hart ids are dense from 0; this also catches typos like 1000000). */
export const MAX_VCPUS = 1024;

export type GuestLoadResult = { ok: true; node: Node } | { ok: false; error: string };

const fail = (error: string): GuestLoadResult => ({ ok: false, error });

/** A deep copy of a node (live entries only), keeping source references for diagnostics. */
export function cloneNode(n: Node, name = n.name): Node {
  const copy = new Node(name, n.src);
  copy.phandle = n.phandle;
  for (const p of n.props) {
    if (!p.deleted) copy.addProp(new Property(p.name, new PropValue(p.value.bytes.slice(), p.value.markers.map((m) => ({ ...m }))), p.src));
  }
  for (const c of n.children) {
    if (c.deleted) continue;
    const child = cloneNode(c);
    child.parent = copy;
    copy.children.push(child);
  }
  return copy;
}

function findPath(root: Node, path: string): Node | undefined {
  let n: Node | undefined = root;
  for (const part of path.split('/').filter((s) => s !== '')) {
    n = n?.children.find((c) => !c.deleted && c.name === part);
  }
  return n;
}

function cells(values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => {
    const n = Number(v & 0xffffffffn);
    out[4 * i] = n >>> 24; out[4 * i + 1] = (n >>> 16) & 0xff; out[4 * i + 2] = (n >>> 8) & 0xff; out[4 * i + 3] = n & 0xff;
  });
  return out;
}

function parseNumber(text: string): bigint | undefined {
  try {
    return /^(0x[0-9a-f]+|[0-9]+)$/i.test(text) ? BigInt(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The value bytes of one override (or a `devtree attr set`), or an error message. */
export function overrideValue(type: string, value: string): Uint8Array | string {
  if (type === 'string') {
    const out = new Uint8Array(value.length + 1);
    for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) & 0xff;
    return out;
  }
  if (type === 'bytes') {
    const parts = value.split(/\s+/).filter((s) => s !== '');
    const bytes = parts.map(parseNumber);
    if (bytes.some((b) => b === undefined || b > 255n)) return `"${value}" is not a list of byte values`;
    return new Uint8Array(bytes.map((b) => Number(b)));
  }
  const n = parseNumber(value);
  if (n === undefined) return `"${value}" is not a number`;
  if (type === 'uint32') {
    if (n > 0xffffffffn) return `${value} does not fit in 32 bits`;
    return cells([n]);
  }
  if (n > 0xffffffffffffffffn) return `${value} does not fit in 64 bits`;
  return cells([n >> 32n, n & 0xffffffffn]);
}

/**
 * Load `guest` as /guests/<name> of `host` with `vcpuCount` VCPUs and the given overrides
 * (`<alias>,<attr>,<type>,<value>` each). Nothing is changed when it fails.
 */
export function guestFdtLoad(host: DeviceTree, name: string, guest: DeviceTree, vcpuCount: number,
  overrides: readonly string[] = []): GuestLoadResult {
  if (!/^[A-Za-z0-9_,.+-]+$/.test(name)) return fail(`invalid guest name "${name}"`);
  if (!Number.isInteger(vcpuCount) || vcpuCount < 0) return fail(`invalid VCPU count ${vcpuCount}`);
  if (vcpuCount > MAX_VCPUS) return fail(`VCPU count ${vcpuCount} is more than the ${MAX_VCPUS} a guest may have`);
  let guests = host.root.getChild('guests');
  if (guests?.getChild(name)) return fail(`guest ${name} already exists`);
  const node = cloneNode(guest.root, name);

  const aliases = node.getChild('aliases');
  for (const spec of overrides) {
    const parts = spec.split(',');
    if (parts.length < 4) return fail(`override "${spec}" is not <alias>,<attr>,<type>,<value>`);
    const [alias, attr, type] = parts as [string, string, string];
    const value = parts.slice(3).join(',');
    if (!OVERRIDE_TYPES.includes(type)) return fail(`override "${spec}": unknown type "${type}" (one of ${OVERRIDE_TYPES.join(', ')})`);
    const path = aliases?.getProp(alias)?.value.asString();
    if (path === undefined) return fail(`override "${spec}": the guest has no alias "${alias}"`);
    const target = findPath(node, path);
    if (!target) return fail(`override "${spec}": alias ${alias} names ${path}, which the guest does not have`);
    const bytes = overrideValue(type, value);
    if (typeof bytes === 'string') return fail(`override "${spec}": ${bytes}`);
    const existing = target.getProp(attr);
    if (existing) existing.value = new PropValue(bytes);
    else target.addProp(new Property(attr, new PropValue(bytes)));
  }

  const template = node.getChild('vcpu_template');
  if (template && vcpuCount > 0) {
    let vcpus = node.getChild('vcpus');
    if (vcpus && vcpus.children.some((c) => !c.deleted)) return fail(`guest ${name} has both vcpu_template and vcpus`);
    if (!vcpus) {
      vcpus = new Node('vcpus', template.src);
      vcpus.parent = node;
      node.children.push(vcpus);
    }
    for (let i = 0; i < vcpuCount; i++) {
      const v = cloneNode(template, `vcpu${i}`);
      if (i === 0) v.props = v.props.filter((p) => p.name !== 'poweroff');
      v.parent = vcpus;
      vcpus.children.push(v);
    }
  } else if (!template && vcpuCount > 0 && !node.getChild('vcpus')) {
    return fail(`guest ${name} has no vcpu_template to make ${vcpuCount} VCPUs from`);
  }

  if (!guests) {
    guests = new Node('guests');
    guests.parent = host.root;
    host.root.children.push(guests);
  }
  node.parent = guests;
  guests.children.push(node);
  fillPaths(host.root);
  return { ok: true, node };
}
