/**
 * The lines `vcpu monitor` redraws, in Xvisor's layout: each host CPU's load since the last screen (four a line),
 * host RAM, then the VCPU list. Xvisor's VAPOOL line (its hypervisor's virtual address pool) has no counterpart here.
 */

/** The scheduler's per-CPU clocks and idle times (virtual ns) at one moment. */
export interface CpuSample {
  readonly clocks: Float64Array;
  readonly idle: Float64Array;
}

/**
 * `CPU0: 12.5%  CPU1: 0.0%  ...`, four CPUs a line: the busy share of each host CPU's virtual time between
 * `before` (or the start) and `now`, in tenths of a percent as Xvisor prints it.
 */
export function cpuLoadLines(ids: readonly number[], now: CpuSample, before: CpuSample | undefined): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  for (const [i, id] of ids.entries()) {
    const elapsed = (now.clocks[i] ?? 0) - (before?.clocks[i] ?? 0);
    const idle = (now.idle[i] ?? 0) - (before?.idle[i] ?? 0);
    // A restored snapshot moves the clocks back: a negative interval shows as idle.
    const permille = elapsed > 0 ? Math.min(1000, Math.max(0, 1000 - Math.round((idle * 1000) / elapsed))) : 0;
    line.push(`CPU${id}: ${Math.floor(permille / 10)}.${permille % 10}%`);
    if (line.length === 4) {
      lines.push(line.join('  '));
      line = [];
    }
  }
  if (line.length > 0) lines.push(line.join('  '));
  return lines;
}

/** `RAM: free 1046528KiB  used 2048KiB  total 1048576KiB` (host RAM, free after the guests' claims). */
export function ramLine(freeBytes: number, totalBytes: number): string {
  const kib = (b: number): string => `${Math.floor(b / 1024)}KiB`;
  return `RAM: free ${kib(freeBytes)}  used ${kib(totalBytes - freeBytes)}  total ${kib(totalBytes)}`;
}
