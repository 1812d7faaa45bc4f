/**
 * What the page shows of the hypervisor, as plain JSON: the host's CPUs and topology (once), and the guests with
 * their VCPUs, Xvisor states, host CPU placement and consoles (on every update). The rows are the ones `vcpu list`
 * prints, so the page and the shell never disagree.
 */
import type { Hypervisor, VcpuRow } from '../vmm/hypervisor.js';
import { bootBanner } from '../vmm/shell/host.js';
import { VERSION_TEXT } from '../vmm/shell.js';
import { guestColours, HOST_COLOUR } from '../sched/trace-export.js';

export interface HostView {
  readonly banner: string;
  readonly scheduler: string;
  readonly cpus: readonly { readonly hartId: number; readonly name: string; readonly isa: string; readonly core: string; readonly numaNode: number | null }[];
}

export interface GuestView {
  readonly name: string;
  readonly colour: string;
  readonly vserials: readonly string[];
  readonly vcpus: readonly VcpuRow[];
}

export interface StateView {
  /** Virtual time, ns. */
  readonly now: number;
  readonly guests: readonly GuestView[];
  /** The timeline legend: every guest seen so far, in order, then the host's own tasks. */
  readonly legend: readonly (readonly [string, string])[];
}

export function hostView(hv: Hypervisor): HostView {
  return {
    banner: bootBanner(VERSION_TEXT.split(' (')[0]!, hv.host),
    scheduler: hv.host.vmm.scheduler,
    // A CPU outside the cpu-map is a core of its own.
    cpus: hv.host.cpus.map((c) => ({ hartId: c.hartId, name: c.name, isa: c.isa, core: c.core ?? c.name, numaNode: c.numaNode ?? null })),
  };
}

/** Guest names in the order first seen, so a guest keeps its colour while the page is open (as in the SVG). */
export class GuestOrder {
  private readonly names: string[] = [];

  colours(current: Iterable<string>): Map<string, string> {
    for (const n of current) if (!this.names.includes(n)) this.names.push(n);
    return guestColours(this.names);
  }
}

export function stateView(hv: Hypervisor, order: GuestOrder): StateView {
  const colours = order.colours(hv.guests.keys());
  const rows = hv.vcpuRows('normal');
  const guests: GuestView[] = [...hv.guests.values()].map((g) => ({
    name: g.name,
    colour: colours.get(g.name) ?? HOST_COLOUR,
    vserials: g.instance.vserials(),
    vcpus: rows.filter((r) => r.name.startsWith(`${g.name}/`)),
  }));
  return { now: hv.scheduler.now(), guests, legend: [...colours, ['host tasks', HOST_COLOUR]] };
}
