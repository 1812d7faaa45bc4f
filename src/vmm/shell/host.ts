/**
 * `host info`, `host cpu info`, `host ram info` in Xvisor's `%-25s: value` layouts, and the one-line banner
 * `tsvisor boot` prints before its first command.
 */
import type { HostConfig } from '../config/types.js';
import { PAGE_SIZE, type MemoryManager } from '../claims.js';

const field = (name: string, value: string | number, width = 25): string => `${name.padEnd(width)}: ${value}`;
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
/** Xvisor prints counts as `N (0x%08x)`. */
const count = (n: number): string => `${n} (0x${n.toString(16).padStart(8, '0')})`;

/** Cores (cpu-map cores, or one per CPU when the topology does not say) and threads per core ("1-2" if mixed). */
export function topology(host: HostConfig): { cores: number; threads: string } {
  const perCore = new Map<string, number>();
  for (const c of host.cpus) {
    const key = c.core ?? `cpu:${c.hartId}`;
    perCore.set(key, (perCore.get(key) ?? 0) + 1);
  }
  const sizes = [...new Set(perCore.values())].sort((a, b) => a - b);
  return { cores: perCore.size, threads: sizes.length <= 1 ? String(sizes[0] ?? 0) : `${sizes[0]}-${sizes[sizes.length - 1]}` };
}

/** RAM per NUMA node, in node order. */
function ramByNode(host: HostConfig): [number, number][] {
  const byNode = new Map<number, number>();
  for (const b of host.memory) byNode.set(b.numaNode, (byNode.get(b.numaNode) ?? 0) + b.size);
  return [...byNode].sort((a, b) => a[0] - b[0]);
}

/** `tsvisor 0.1.0: 4 host CPUs (2 cores x 2 threads), RAM 1024 MiB on node 0 + 1024 MiB on node 1, scheduler prr` */
export function bootBanner(version: string, host: HostConfig): string {
  const t = topology(host);
  const ram = ramByNode(host).map(([node, size]) => `${mib(size)} on node ${node}`).join(' + ') || 'none';
  return `${version}: ${host.cpus.length} host CPU${host.cpus.length === 1 ? '' : 's'} (${t.cores} core${t.cores === 1 ? '' : 's'} x ${t.threads} ` +
    `thread${t.threads === '1' ? '' : 's'}), RAM ${ram}, scheduler ${host.vmm.scheduler}`;
}

export function hostInfo(host: HostConfig, memory: MemoryManager, model: string | undefined): string[] {
  const ram = host.memory.reduce((n, b) => n + b.size, 0);
  return [
    field('Host Name', model ?? 'tsvisor'),
    field('Boot CPU Hardware ID', `0x${(host.cpus[0]?.hartId ?? 0).toString(16)}`),
    field('Total Online CPUs', host.cpus.length),
    field('Total RAM', `${Math.round(ram / 2 ** 20)} MB`),
    field('Free RAM', `${Math.round(memory.freePages() * PAGE_SIZE / 2 ** 20)} MB (after claims)`),
    field('Timebase', `${host.timebaseFrequency} Hz`),
    field('Scheduler', host.vmm.scheduler),
  ];
}

/** `host cpu info`: counts and topology, then each CPU's hardware id, ISA, core and NUMA node. */
export function hostCpuInfo(host: HostConfig): string[] {
  const t = topology(host);
  const lines = [
    field('CPU Type', 'riscv64 (emulated)'),
    field('CPU Present Count', host.cpus.length),
    field('CPU Possible Count', host.cpus.length),
    field('CPU Online Count', host.cpus.length),
    field('CPU Topology', `${t.cores} cores x ${t.threads} threads`),
    '',
  ];
  host.cpus.forEach((c, i) => {
    lines.push(field(`CPU${i} Hardware ID`, `0x${c.hartId.toString(16)}`), field(`CPU${i} ISA`, c.isa),
      field(`CPU${i} Core`, c.core ?? c.name), field(`CPU${i} NUMA Node`, c.numaNode ?? 0), '');
  });
  return lines;
}

/** `host ram info`: frames in all, then each bank (Xvisor's layout) and what is free on each NUMA node. */
export function hostRamInfo(host: HostConfig, memory: MemoryManager): string[] {
  const total = memory.totalPages();
  const lines = [
    `Frame Size        : ${count(PAGE_SIZE)}`,
    `Bank Count        : ${count(host.memory.length)}`,
    `Total Free Frames : ${count(memory.freePages())}`,
    `Total Frame Count : ${count(total)}`,
  ];
  host.memory.forEach((b, i) => {
    const n = String(i).padStart(2, '0');
    lines.push('', `Bank${n} Start      : 0x${b.base.toString(16).padStart(16, '0')}`, `Bank${n} Size       : 0x${b.size.toString(16).padStart(16, '0')}`,
      `Bank${n} NUMA Node  : ${b.numaNode}`, `Bank${n} Frame Count: ${count(Math.floor(b.size / PAGE_SIZE))}`);
  });
  for (const node of memory.nodeIds()) {
    lines.push('', `Node${node} Free Frames : ${count(memory.freePages(node))}`, `Node${node} Frame Count : ${count(memory.totalPages(node))}`);
  }
  return lines;
}
