/**
 * Whether every guest can claim its memory at once (Xen-style claims): allocated regions claim pages host-wide,
 * regions at a fixed host address claim pages on the NUMA node holding that address; shared memory counts once.
 */
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import { MemoryManager, PAGE_SIZE, type Claim, type ClaimTarget } from '../claims.js';
import type { GuestConfig, HostConfig } from './types.js';

/** Host pages per NUMA node available to guests: memory banks minus reserved ranges. */
export function hostPages(host: HostConfig): Map<number, number> {
  const pages = new Map<number, number>();
  for (const bank of host.memory) {
    // Reserved ranges may overlap each other (a /memreserve/ entry and a /reserved-memory node): subtract their union.
    const clipped = host.reserved
      .map((r) => [Math.max(bank.base, r.base), Math.min(bank.base + bank.size, r.base + r.size)] as const)
      .filter(([lo, hi]) => hi > lo)
      .sort((a, b) => a[0] - b[0]);
    let bytes = bank.size;
    let covered = bank.base;
    for (const [lo, hi] of clipped) {
      if (hi > covered) bytes -= hi - Math.max(lo, covered);
      covered = Math.max(covered, hi);
    }
    pages.set(bank.numaNode, (pages.get(bank.numaNode) ?? 0) + Math.floor(bytes / PAGE_SIZE));
  }
  return pages;
}

/** The claim set a guest needs, one claim per target. `sharedSeen` makes shared memory count once overall. */
export function guestClaims(guest: GuestConfig, host: HostConfig, sharedSeen: Set<string>): Claim[] {
  const byTarget = new Map<ClaimTarget, number>();
  const add = (target: ClaimTarget, bytes: number): void => {
    byTarget.set(target, (byTarget.get(target) ?? 0) + Math.ceil(bytes / PAGE_SIZE));
  };
  for (const r of guest.regions) {
    if (!r.memory || r.size === 0) continue;
    if (r.memory.backing === 'fixed') {
      const bank = r.hpa === undefined ? undefined : host.memory.find((b) => r.hpa! >= b.base && r.hpa! < b.base + b.size);
      if (bank) add(bank.numaNode, r.size);
      continue;
    }
    if (r.memory.backing === 'shared') {
      const pool = r.node.getProp('shared_mem')?.value.asString() || r.name;
      if (sharedSeen.has(pool)) continue;
      sharedSeen.add(pool);
    }
    add('any', r.size);
  }
  return [...byTarget].map(([target, pages]) => ({ target, pages }));
}

const mib = (pages: number): string => `${((pages * PAGE_SIZE) / 2 ** 20).toFixed(pages * PAGE_SIZE % 2 ** 20 ? 2 : 0)} MiB`;

export function checkMemoryFits(host: HostConfig, guests: readonly GuestConfig[], sink: DiagnosticSink): void {
  const pages = hostPages(host);
  if (pages.size === 0) return;
  const manager = new MemoryManager([...pages].map(([node, n]) => ({ node, pages: n })));
  const sharedSeen = new Set<string>();
  const sets = new Map<string, Claim[]>();
  for (const g of guests) if (!sets.has(g.name)) sets.set(g.name, guestClaims(g, host, sharedSeen));
  const result = manager.canClaimAll(sets);
  if (result.ok) return;
  const e = result.error;
  const guest = guests.find((g) => g.name === e.domain);
  const total = [...pages.values()].reduce((a, b) => a + b, 0);
  const need = [...sets.values()].flat().reduce((a, c) => a + c.pages, 0);
  sink.error('memory_fit', `guests do not fit in host memory: ${e.message}`, guest?.node.src,
    `all guests together claim ${mib(need)}; the host has ${mib(total)} for guests (memory minus reserved ranges)`);
}
