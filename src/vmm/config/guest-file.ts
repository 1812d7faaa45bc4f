/**
 * Running a guest file without a board (`tsvisor run`, benchmarks): the file is loaded the way Xvisor's
 * `vfs guest_fdt_load` loads a guest onto a board, so a `vcpu_template` guest gets its VCPUs and overrides apply.
 */
import { basename } from 'node:path';
import { Node, type DeviceTree } from '../../dts/tree.js';
import { guestFdtLoad } from './guest-load.js';

export interface GuestFileOptions {
  /** VCPU copies of a `vcpu_template` (default 1). */
  readonly vcpus?: number;
  /** RAM size for the `mem0` alias, in bytes. */
  readonly memory?: number;
  /** `<alias>,<attr>,<type>,<value>` overrides, as `vfs guest_fdt_load` takes them. */
  readonly overrides?: readonly string[];
}

/**
 * A guest file as `vfs guest_fdt_load` would load it: a `vcpu_template` copied `vcpus` times (default 1), the
 * overrides applied through the guest's /aliases, and RAM for a `mem0` alias whose size the loader is meant to give
 * (`memory`, else QEMU's default of 128 MiB). Returns the guest tree, or why it cannot be loaded.
 */
export function loadGuestFile(tree: DeviceTree, path: string, opts: GuestFileOptions = {}): DeviceTree | string {
  const { vcpus, memory } = opts;
  const root = tree.root;
  const hasTemplate = root.getChild('vcpu_template') !== undefined && !root.getChild('vcpus');
  const mem0 = root.getChild('aliases')?.getProp('mem0')?.value.asString();
  const sizeless = mem0 !== undefined && isZeroSized(tree, mem0);
  const all = [...(opts.overrides ?? [])];
  if (mem0 !== undefined && (memory !== undefined || sizeless)) all.unshift(`mem0,physical_size,physsize,0x${(memory ?? 128 * 1024 * 1024).toString(16)}`);
  else if (memory !== undefined) return `${path} has no mem0 alias to give ${memory} bytes of RAM`;
  if (!hasTemplate && all.length === 0) return tree;
  const host: DeviceTree = { ...tree, root: new Node('') };
  const name = basename(path).replace(/\.dtb?$|\.dts$/, '').replace(/[^A-Za-z0-9_,.+-]/g, '_') || 'guest';
  const r = guestFdtLoad(host, name, tree, hasTemplate ? vcpus ?? 1 : 0, all);
  if (!r.ok) return r.error;
  return { ...tree, root: r.node };
}

function isZeroSized(tree: DeviceTree, nodePath: string): boolean {
  let n: DeviceTree['root'] | undefined = tree.root;
  for (const part of nodePath.split('/').filter(Boolean)) n = n?.getChild(part);
  const size = n?.getProp('physical_size')?.value;
  if (!size) return false;
  for (let i = 0; i < size.length; i++) if (size.bytes[i] !== 0) return false;
  return true;
}

