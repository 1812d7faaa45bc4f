/**
 * Checks that need more than one node: regions overlapping inside a guest, alias targets, VCPU affinity against the
 * host's CPUs, fixed host memory against the host's banks and other guests, and duplicate guest names.
 */
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import { describe } from '../../dts/source.js';
import { hex } from './props.js';
import type { GuestConfig, HostConfig, RegionConfig } from './types.js';

const end = (r: { gpa: number; size: number }): number => r.gpa + r.size;
const range = (base: number, size: number): string => `${hex(base)}..${hex(base + size - 1)}`;

export function checkGuest(guest: GuestConfig, sink: DiagnosticSink): void {
  const regions = guest.regions.filter((r) => r.size > 0);
  const sorted = [...regions].sort((a, b) => a.gpa - b.gpa);
  for (const [i, b] of sorted.entries()) {
    // Report every region that overlaps an earlier one, naming both.
    for (const a of sorted.slice(0, i)) {
      if (b.gpa < end(a)) {
        const later = a.node.src && b.node.src && source(a) > source(b) ? a : b;
        const other = later === a ? b : a;
        sink.error('region_overlap', `Region for ${later.name} (${range(later.gpa, later.size)}) overlaps with region ` +
          `${other.name} (${range(other.gpa, other.size)})`, later.node.getProp('guest_physical_addr')?.src ?? later.node.src);
      }
    }
  }
  for (const r of regions) if (r.manifest === 'alias' && r.aliasPa !== undefined) checkAlias(r, regions, sink);
  const irqUser = regions.find((r) => r.irqs.length > 0);
  if (irqUser && !regions.some((r) => r.emulator?.deviceType === 'pic')) {
    // Xvisor creates such a guest (its device interrupts go nowhere), and so does tsvisor (the generated device tree
    // then describes no interrupts): a warning.
    sink.warning('no_pic', `${guest.name}: ${irqUser.name} raises interrupts but the guest has no interrupt controller region`,
      irqUser.node.src, "add a PLIC region (device_type = \"pic\", compatible = \"sifive,plic0\"), or drop the device's interrupts");
  }
}

/** Source order of a region node (for reporting the later of two overlapping regions). */
function source(r: RegionConfig): number {
  const src = r.node.src!;
  return (src.startLine ?? 0) * 10000 + (src.startColumn ?? 0);
}

function where(g: GuestConfig): string {
  const p = describe(g.node.src!);
  return `${p.file}:${p.line}:${p.column}`;
}

function checkAlias(alias: RegionConfig, regions: readonly RegionConfig[], sink: DiagnosticSink): void {
  const target = alias.aliasPa!;
  const host = regions.find((r) => r.manifest === 'real' && target >= r.gpa && target + alias.size <= end(r));
  if (!host) {
    sink.error('alias_target', `${alias.name}: alias_physical_addr ${range(target, alias.size)} is not inside a real region of the guest`,
      alias.node.getProp('alias_physical_addr')?.src ?? alias.node.src);
  }
}

export function checkGuestOnHost(guest: GuestConfig, host: HostConfig, sink: DiagnosticSink): void {
  const harts = new Set(host.cpus.map((c) => c.hartId));
  for (const v of guest.vcpus) {
    for (const cpu of v.affinity ?? []) {
      if (!harts.has(cpu)) {
        sink.error('affinity', `${v.name}: affinity names host CPU ${cpu}, which the host does not have`,
          v.node.getProp('affinity')?.src ?? v.node.src, `the host's CPUs are ${[...harts].join(', ')}`);
      }
    }
  }
  for (const r of guest.regions) {
    if (r.hpa === undefined || r.size === 0) continue;
    const bank = host.memory.find((b) => r.hpa! >= b.base && r.hpa! + r.size <= b.base + b.size);
    const at = r.node.getProp('host_physical_addr')?.src ?? r.node.src;
    if (!bank) {
      sink.error('host_memory', `${r.name}: host_physical_addr ${range(r.hpa, r.size)} is not inside a host memory bank`, at);
      continue;
    }
    const reserved = host.reserved.find((x) => r.hpa! < x.base + x.size && x.base < r.hpa! + r.size);
    if (reserved) {
      sink.error('host_reserved', `${r.name}: host_physical_addr ${range(r.hpa, r.size)} overlaps reserved memory ${range(reserved.base, reserved.size)}`, at);
    }
  }
}

/** Fixed host memory given to two guests (other than shared_* regions) and duplicate guest names. */
export function checkGuestsTogether(guests: readonly GuestConfig[], sink: DiagnosticSink): void {
  const seen = new Map<string, GuestConfig>();
  for (const g of guests) {
    const before = seen.get(g.name);
    if (before) {
      sink.error('duplicate_guest', `guest name "${g.name}" is used twice (guest names must be unique)`, g.node.src,
        before.node.src ? `the first is at ${where(before)}` : undefined);
    } else seen.set(g.name, g);
  }
  checkSharedPools(guests, sink);
  const fixed = guests.flatMap((g) => g.regions.filter((r) => r.hpa !== undefined && r.size > 0 && r.memory?.backing === 'fixed'));
  for (const [i, b] of fixed.entries()) {
    for (const a of fixed.slice(0, i)) {
      if (a.name.split('/')[0] === b.name.split('/')[0]) continue;
      if (b.hpa! < a.hpa! + a.size && a.hpa! < b.hpa! + b.size) {
        sink.error('host_memory_shared', `${b.name}: host memory ${range(b.hpa!, b.size)} is also given to ${a.name}`,
          b.node.getProp('host_physical_addr')?.src ?? b.node.src, 'use shared_ram / shared_rom to share memory between guests');
      }
    }
  }
}

/** Hypervisor threads a schedule window may name besides guests. */
export const HYPERVISOR_THREADS: readonly string[] = ['mterm'];

/** Every window of the table schedule names a guest or a hypervisor thread. */
export function checkSchedule(host: HostConfig, guests: readonly GuestConfig[], sink: DiagnosticSink): void {
  const names = new Set([...guests.map((g) => g.name), ...HYPERVISOR_THREADS]);
  for (const core of host.vmm.schedule?.cores ?? []) {
    for (const w of core.windows) {
      if (!names.has(w.target)) {
        sink.error('schedule', `/vmm/schedule/${core.node.name}: window "${w.target}" names neither a guest nor a hypervisor thread`,
          core.node.getProp('windows')?.src ?? core.node.src, `guests: ${[...names].join(', ')}`);
      }
    }
  }
}

/**
 * Regions naming the same shared memory (`shared_mem`) map one Xvisor `shmem`, which has one size and one
 * alignment (core/vmm_shmem.c: vmm_shmem_create(name, size, align_order) allocates it once): every region naming it
 * must agree on physical_size and align_order (each region's addresses are checked against its align_order).
 */
function checkSharedPools(guests: readonly GuestConfig[], sink: DiagnosticSink): void {
  const first = new Map<string, RegionConfig>();
  for (const g of guests) {
    for (const r of g.regions) {
      if (r.memory?.backing !== 'shared' || r.size === 0) continue;
      const pool = r.node.getProp('shared_mem')?.value.asString() ?? '';
      if (pool === '') continue;
      const before = first.get(pool);
      if (!before) { first.set(pool, r); continue; }
      if (before.size !== r.size) {
        sink.error('shared_mem_size', `${r.name}: shared memory "${pool}" is ${hex(r.size)} bytes here but ${hex(before.size)} in ${before.name}`,
          r.node.getProp('physical_size')?.src ?? r.node.src, 'every region mapping one shared memory has its size');
      }
      if (before.alignOrder !== r.alignOrder) {
        sink.error('shared_mem_align', `${r.name}: shared memory "${pool}" is aligned to 2^${r.alignOrder} here but 2^${before.alignOrder} in ${before.name}`,
          r.node.getProp('align_order')?.src ?? r.node.getProp('physical_size')?.src ?? r.node.src,
          'every region mapping one shared memory has its align_order');
      }
    }
  }
}
