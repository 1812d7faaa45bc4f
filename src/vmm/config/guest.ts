/**
 * One guest in Xvisor's guest format: root attributes, VCPUs (`vcpus`, or a `vcpu_template` that
 * `guest_fdt_load` expands), and the `aspace` regions, each checked as Xvisor checks it at guest creation, plus the
 * checks it should make (alignment, IRQ ranges, emulator attributes), every problem located.
 */
import { MAX_VCPUS } from './guest-load.js';
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import type { Node } from '../../dts/tree.js';
import { findEmulator } from '../../devices/registry.js';
import { PropReader, hex } from './props.js';
import { maskIsa, PROVIDED_ISA } from './isa.js';
import { MEMORY_TYPES, type GuestConfig, type Manifest, type RegionConfig, type VcpuConfig } from './types.js';

const live = (n: Node): Node[] => n.children.filter((c) => !c.deleted);

/** Defaults as Xvisor's. */
export const DEFAULT_PRIORITY = 3;
export const DEFAULT_TIME_SLICE_NS = 10_000_000;
export const VCPU_COMPATIBLE = 'riscv,generic';

/** Build the guest configured by `node` (named `name`); undefined when it is not a guest at all. */
export function buildGuest(node: Node, name: string, sink: DiagnosticSink): GuestConfig | undefined {
  const r = new PropReader(node, sink, name);
  const type = r.string('device_type');
  if (type === undefined) { r.missing('device_type', 'a guest node has device_type = "guest"'); return undefined; }
  if (type !== 'guest') { r.error('device_type', `device_type must be "guest", not "${type}"`, r.prop('device_type')); return undefined; }
  const aspace = node.getChild('aspace');
  let irqCount = 0;
  if (!aspace) r.error('missing_node', "has no 'aspace' node: a guest needs an address space", node);
  else irqCount = new PropReader(aspace, sink, `${name}/aspace`).u32('guest_irq_count', true) ?? 0;
  const model = r.string('model');
  if (model !== undefined) checkFdtString(r, 'model', model);
  const bootargs = r.string('bootargs');
  if (bootargs !== undefined) checkFdtString(r, 'bootargs', bootargs);
  return {
    name,
    model,
    bootargs: bootargs ?? chosenBootargs(node, name, sink),
    vcpus: readVcpus(node, name, sink),
    irqCount,
    regions: aspace ? readRegions(aspace, name, irqCount, sink) : [],
    node,
  };
}

function chosenBootargs(guest: Node, name: string, sink: DiagnosticSink): string | undefined {
  const chosen = guest.getChild('chosen');
  if (!chosen) return undefined;
  const r = new PropReader(chosen, sink, `${name}/chosen`);
  const bootargs = r.string('bootargs');
  if (bootargs !== undefined) checkFdtString(r, 'bootargs', bootargs);
  return bootargs;
}

function readVcpus(guest: Node, name: string, sink: DiagnosticSink): VcpuConfig[] {
  const vcpus = guest.getChild('vcpus');
  const template = guest.getChild('vcpu_template');
  if (vcpus && live(vcpus).length > MAX_VCPUS) {
    sink.error('too_many_vcpus', `${name}: ${live(vcpus).length} VCPUs, more than the ${MAX_VCPUS} a guest may have`, vcpus.src);
    return [];
  }
  if (vcpus && live(vcpus).length > 0) return live(vcpus).map((v, i) => readVcpu(v, `${name}/${v.name}`, i, sink));
  if (template) {
    // Checked as VCPU 0 would be; guest_fdt_load makes the copies.
    readVcpu(template, `${name}/vcpu_template`, 0, sink);
    return [];
  }
  sink.error('no_vcpus', `${name}: has neither 'vcpus' nor 'vcpu_template': a guest needs at least one VCPU`, guest.src);
  return [];
}

function readVcpu(node: Node, name: string, subid: number, sink: DiagnosticSink): VcpuConfig {
  const r = new PropReader(node, sink, name);
  const type = r.string('device_type', true);
  if (type !== undefined && type !== 'vcpu') r.error('device_type', `device_type must be "vcpu", not "${type}"`, r.prop('device_type'));
  const compatible = r.string('compatible', true);
  if (compatible !== undefined && compatible !== VCPU_COMPATIBLE) {
    r.error('vcpu_compatible', `compatible "${compatible}" is not a VCPU tsvisor provides`, r.prop('compatible'), `use "${VCPU_COMPATIBLE}"`);
  }
  // Xvisor arch/riscv/cpu/generic/cpu_vcpu_helper.c, arch_vcpu_init: `riscv,isa` is read for every VCPU and its
  // absence is VMM_EINVALID; what the host lacks is masked off (see maskIsa), an XLEN above the host's refused.
  let isa = PROVIDED_ISA;
  const isaText = r.string('riscv,isa');
  if (!r.has('riscv,isa')) {
    r.missing('riscv,isa', `Xvisor refuses a VCPU without one; tsvisor's hart implements ${PROVIDED_ISA}`);
  } else if (isaText !== undefined) {
    const m = maskIsa(isaText);
    if (m.error) r.error('isa', `riscv,isa "${isaText}": ${m.error}`, r.prop('riscv,isa'));
    else {
      isa = m.isa;
      if (m.masked.length > 0) {
        r.warning('isa_masked', `riscv,isa "${isaText}": the hart lacks ${m.masked.join(', ')}, masked off as Xvisor masks them: the VCPU runs ${m.isa}`,
          r.prop('riscv,isa'), `the hart implements ${PROVIDED_ISA}`);
      }
    }
  }
  const startPc = r.u64('start_pc', true) ?? 0;
  const priority = r.u32('priority') ?? DEFAULT_PRIORITY;
  if (priority > 7) r.error('priority', `priority ${priority} is out of range 0..7`, r.prop('priority'));
  const timeSlice = r.u64('time_slice') ?? DEFAULT_TIME_SLICE_NS;
  if (timeSlice === 0) r.error('time_slice', 'time_slice must not be 0', r.prop('time_slice'));
  const deadline = r.u64('deadline');
  const periodicity = r.u64('periodicity');
  if (deadline !== undefined && periodicity !== undefined && deadline > periodicity) {
    r.error('deadline', `deadline ${deadline} is longer than periodicity ${periodicity}`, r.prop('deadline'));
  }
  return {
    name, subid, isa, startPc, poweroff: r.flag('poweroff'), priority, timeSlice, deadline, periodicity,
    affinity: r.u32List('affinity'), node,
  };
}

function readRegions(aspace: Node, guest: string, irqCount: number, sink: DiagnosticSink): RegionConfig[] {
  const out: RegionConfig[] = [];
  for (const node of live(aspace)) {
    const region = readRegion(node, `${guest}/${node.name}`, irqCount, sink);
    if (region) out.push(region);
  }
  return out;
}

const MANIFESTS: readonly string[] = ['real', 'virtual', 'alias'];

/**
 * Whether load-time overrides can still reach this node: the guest's /aliases name it and the guest is a file not
 * yet loaded (a guest in a board, inline or put there by guest_fdt_load, takes no more overrides).
 */
function aliased(node: Node): boolean {
  let root = node.parent;
  while (root && root.getProp('device_type')?.value.asString() !== 'guest') root = root.parent;
  if (!root || root.parent) return false;
  const aliases = root.getChild('aliases');
  const rel = node.fullpath.slice(root.fullpath.length === 1 ? 0 : root.fullpath.length);
  return aliases?.props.some((p) => !p.deleted && p.value.asString() === rel) ?? false;
}

function readRegion(node: Node, name: string, irqCount: number, sink: DiagnosticSink): RegionConfig | undefined {
  const r = new PropReader(node, sink, name);
  const manifest = r.string('manifest_type', true);
  const addressType = r.string('address_type', true);
  const deviceType = r.string('device_type', true);
  const gpa = r.u64('guest_physical_addr', true);
  const size = r.u64('physical_size', true);
  if (manifest !== undefined && !MANIFESTS.includes(manifest)) {
    r.error('manifest_type', `manifest_type "${manifest}" is none of real, virtual, alias`, r.prop('manifest_type'));
    return undefined;
  }
  if (addressType !== undefined && addressType !== 'memory' && addressType !== 'io') {
    r.error('address_type', `address_type "${addressType}" is neither memory nor io`, r.prop('address_type'));
  }
  if (manifest === undefined || deviceType === undefined || gpa === undefined || size === undefined) return undefined;
  if (size === 0) {
    // A region the guest's /aliases name is meant to be sized by guest_fdt_load's overrides.
    const hint = 'give the size here, or override it when loading: vfs guest_fdt_load <guest> <dtb> <n> <alias>,physical_size,physsize,<size>';
    if (aliased(node)) r.warning('region_size', 'physical_size is 0 until guest_fdt_load overrides it', r.prop('physical_size'), hint);
    else r.error('region_size', 'physical_size is 0', r.prop('physical_size'), hint);
  }
  const memory = MEMORY_TYPES[deviceType];
  if (manifest === 'real' && memory?.backing === 'shared') checkSharedMem(node, r);
  const compatible = r.stringList('compatible') ?? [];
  let hpa: number | undefined;
  let aliasPa: number | undefined;
  let emulator: RegionConfig['emulator'];
  let irqs: number[] = [];
  const kind = manifest as Manifest;
  if (kind === 'real') {
    if (!memory) {
      r.error('passthrough', `real region of device_type "${deviceType}": device pass-through is not supported`,
        r.prop('device_type'), 'emulate the device in a virtual region, or use a memory device_type (ram, rom, alloced_ram, ...)');
    } else if (memory.backing === 'fixed') {
      hpa = r.u64('host_physical_addr', true);
    } else if (r.has('host_physical_addr')) {
      r.warning('host_physical_addr', `host_physical_addr is ignored for device_type "${deviceType}" (the runtime allocates it)`, r.prop('host_physical_addr'));
    }
  } else if (kind === 'alias') {
    aliasPa = r.u64('alias_physical_addr', true);
  } else {
    if (memory) {
      r.error('virtual_memory', `virtual region of memory device_type "${deviceType}": memory is a real region`, r.prop('manifest_type'));
    } else {
      emulator = findEmulator(deviceType, compatible);
      if (!emulator) {
        r.error('no_emulator', `No emulator found for ${name} (device_type "${deviceType}", compatible ${compatible.length ? compatible.map((c) => `"${c}"`).join(', ') : 'missing'})`,
          r.prop('compatible') ?? r.prop('device_type'));
      } else {
        const defaults = XVISOR_DEFAULTS[emulator.name] ?? {};
        for (const a of emulator.attributes) {
          if (a.name === 'interrupts' && emulator.interrupts) continue; // read once, below, with its range check
          const required = a.required === true && !(a.name in defaults);
          if (a.type === 'u32') r.u32(a.name, required);
          else if (a.type === 'u32-list') r.u32List(a.name, required);
          else if (a.type === 'u64') r.u64(a.name, required);
          else if (a.type === 'string') r.string(a.name, required);
        }
        checkEmulator(emulator.name, r);
        if (emulator.interrupts) {
          irqs = r.u32List('interrupts', emulator.attributes.some((a) => a.name === 'interrupts' && a.required)) ?? [];
        }
        for (const irq of irqs) {
          if (irq === 0 || irq >= irqCount) {
            r.error('irq_range', `interrupt ${irq} is outside 1..${Math.max(0, irqCount - 1)} (guest_irq_count is ${irqCount})`, r.prop('interrupts'));
          }
        }
      }
    }
  }
  const alignOrder = r.u32('align_order') ?? 12;
  if (alignOrder < 12 || alignOrder > 40) {
    r.error('align_order', `align_order ${alignOrder} is outside 12..40`, r.prop('align_order'));
  } else {
    const align = 2 ** alignOrder;
    const check = (attr: string, v: number | undefined): void => {
      if (v !== undefined && v % align !== 0) {
        r.error('alignment', `${attr} ${hex(v)} is not a multiple of 2^${alignOrder} (${hex(align)})`, r.prop(attr) ?? node,
          r.has('align_order') ? undefined : 'regions are page granular: addresses and sizes are multiples of 4 KiB');
      }
    };
    check('guest_physical_addr', gpa);
    check('physical_size', size);
    check('host_physical_addr', hpa);
    check('alias_physical_addr', aliasPa);
  }
  return {
    name, manifest: kind, addressType: addressType === 'io' ? 'io' : 'memory', deviceType, compatible, gpa, size,
    hpa, aliasPa, alignOrder, memory: kind === 'real' ? memory : undefined, emulator, irqs, node,
  };
}

/**
 * Attributes Xvisor's emulators give a default when the region leaves them out (so they are not required here
 * though the registry lists them as what the device reads):
 * - PLIC, emulators/pic/plic.c (plic_emulator_probe): `num_irq` defaults to MAX_DEVICES (1024), `max_priority` to
 *   1 << PRIORITY_PER_ID (16); `parent_irq` has no default (probe fails without it).
 * - simplefb, emulators/display/simplefb.c (simplefb_emulator_probe): `width` 1600, `height` 900, `mode`
 *   "a8r8g8b8"; `base` is read when the guest's address space is ready (simplefb_guest_aspace_notification) and,
 *   when absent, the display is just not available ("fb base not available"), not an error.
 */
export const XVISOR_DEFAULTS: Readonly<Record<string, Readonly<Record<string, number | string | undefined>>>> = {
  PLIC: { num_irq: 1024, max_priority: 16 },
  simplefb: { width: 1600, height: 900, mode: 'a8r8g8b8', base: undefined },
};

/** simplefb modes and their bytes per pixel: emulators/display/simplefb.c, simplefb_emulator_probe's strcmp chain. */
export const SIMPLEFB_MODES: Readonly<Record<string, number>> = {
  r5g6b5: 2, x1r5g5b5: 2, a1r5g5b5: 2, r8g8b8: 4, x8r8g8b8: 4, a8r8g8b8: 4, a8b8g8r8: 4,
};

/** The rejections Xvisor's emulator probes make, beyond attribute shapes. */
function checkEmulator(name: string, r: PropReader): void {
  if (name === 'PLIC') {
    // emulators/pic/plic.c, plic_emulator_probe: num_irq > MAX_DEVICES and max_priority > 1 << PRIORITY_PER_ID
    // are VMM_EINVALID.
    const numIrq = r.node.getProp('num_irq')?.value.length === 4 ? r.node.getProp('num_irq')!.value.readU32(0) : undefined;
    if (numIrq !== undefined && numIrq > 1024) r.error('plic_num_irq', `num_irq ${numIrq} is above 1024, the most a PLIC has`, r.prop('num_irq'));
    const maxPrio = r.node.getProp('max_priority')?.value.length === 4 ? r.node.getProp('max_priority')!.value.readU32(0) : undefined;
    if (maxPrio !== undefined && maxPrio > 16) r.error('plic_max_priority', `max_priority ${maxPrio} is above 16 (priorities are 4 bits)`, r.prop('max_priority'));
  } else if (name === 'simplefb') {
    // emulators/display/simplefb.c, simplefb_emulator_probe: an unknown mode or order is VMM_EINVALID, and so is a
    // stride shorter than a line of pixels.
    const modeProp = r.prop('mode');
    const mode = modeProp?.value.isOneString() ? modeProp.value.asString() : undefined;
    if (mode !== undefined && !(mode in SIMPLEFB_MODES)) {
      r.error('simplefb_mode', `mode "${mode}" is not a simplefb mode`, modeProp, `one of ${Object.keys(SIMPLEFB_MODES).join(', ')}`);
    }
    const orderProp = r.prop('order');
    const order = orderProp?.value.isOneString() ? orderProp.value.asString() : undefined;
    if (orderProp && !['lblp', 'bbbp', 'bblp'].includes(order ?? '')) {
      r.error('simplefb_order', `order ${order === undefined ? 'is not a string' : `"${order}"`}: expected lblp, bbbp or bblp`, orderProp);
    }
    const strideProp = r.prop('stride');
    const widthProp = r.prop('width');
    const width = widthProp?.value.length === 4 ? widthProp.value.readU32(0) : 1600;
    const bpp = SIMPLEFB_MODES[mode ?? 'a8r8g8b8'] ?? 4;
    if (strideProp?.value.length === 4 && strideProp.value.readU32(0) < width * bpp) {
      r.error('simplefb_stride', `stride ${strideProp.value.readU32(0)} is shorter than a line (${width} pixels of ${bpp} bytes)`, strideProp);
    }
    if (!r.has('base')) {
      r.warning('simplefb_base', 'no base: the display has no framebuffer (Xvisor: "fb base not available")', r.node,
        'base = <guest physical address of a RAM region holding height × stride bytes>');
    }
  }
}

/**
 * A shared_ram/shared_rom region names the shared memory it maps (`shared_mem`): Xvisor finds it by name
 * (core/vmm_shmem.c, vmm_shmem_find_byname; made by the `shmem create <name> <size> [<align_order>]` command,
 * cmd_shmem.c), so with the name missing or empty there is nothing to map and the region cannot be created. As with physical_size, a region the guest's /aliases name may still get the name from
 * guest_fdt_load's overrides (Xvisor's own virt64-guest.dts has `shared_mem = "";` with the comment "Override this before guest
 * creation"): then it is a warning.
 */
function checkSharedMem(node: Node, r: PropReader): void {
  const p = r.prop('shared_mem');
  const name = r.string('shared_mem');
  if (p && name === undefined) return; // not a string: reported by the read
  if (name !== undefined && name !== '') return;
  const message = name === undefined ? "missing 'shared_mem': a shared memory region names the shared memory it maps" : "'shared_mem' is empty: it must name the shared memory the region maps";
  const hint = 'shared_mem = "<name>"; or override it when loading: vfs guest_fdt_load <guest> <dtb> <n> <alias>,shared_mem,string,<name>';
  if (aliased(node)) r.warning('shared_mem', `${message} (until guest_fdt_load overrides it)`, p ?? node, hint);
  else r.error('shared_mem', message, p ?? node, hint);
}

/**
 * A guest's `model` and `bootargs` are copied into the device tree tsvisor generates for the guest (as Xvisor
 * copies them into the guest's FDT), written as DTS string literals. A control character (a newline above all:
 * the next line may read as a preprocessor directive such as `#if`) or a byte outside ASCII would make that tree
 * fail to compile at `guest create`; refuse it here, located, instead.
 */
function checkFdtString(r: PropReader, attr: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) {
      const what = c === 0x0a ? 'a newline' : c === 0x0d ? 'a carriage return' : c === 0x09 ? 'a tab' : `the byte 0x${c.toString(16).padStart(2, '0')}`;
      r.error('fdt_string', `${attr} contains ${what} (at offset ${i}): it would make the guest's generated device tree invalid`,
        r.prop(attr), 'use printable ASCII only; separate kernel arguments with spaces');
      return;
    }
  }
}
