/** The typed configuration a device tree describes: the host, and each guest. */
import type { Node } from '../../dts/tree.js';
import type { EmulatorInfo } from '../../devices/registry.js';

export interface HostCpu {
  /** Node name, e.g. `cpu@2`. */
  readonly name: string;
  readonly hartId: number;
  readonly isa: string;
  readonly numaNode: number | undefined;
  /** Path of the cpu-map core the CPU is a thread of, when the topology says. */
  readonly core: string | undefined;
  readonly node: Node;
}

export interface MemoryBank {
  readonly base: number;
  readonly size: number;
  readonly numaNode: number;
  readonly node: Node;
}

export interface ReservedRange {
  readonly base: number;
  readonly size: number;
  /** The /reserved-memory child, or undefined for a /memreserve/ entry. */
  readonly node: Node | undefined;
}

export interface ScheduleWindow {
  /** A guest name (its task set) or a hypervisor thread (`mterm`). */
  readonly target: string;
  /** ns */
  readonly duration: number;
}

/** /vmm/schedule: the table policy's major frame and, per host core, its windows. */
export interface ScheduleConfig {
  /** ns */
  readonly frame: number;
  readonly cores: readonly {
    /** Hart id of the CPU the entry names; the windows belong to that CPU's core. */
    readonly cpu: number;
    /** The core (cpu-map path, or the CPU's own name when the topology does not say). */
    readonly core: string;
    readonly windows: readonly ScheduleWindow[];
    readonly node: Node;
  }[];
  readonly node: Node;
}

export interface VmmSettings {
  readonly mtermPriority: number;
  readonly mtermTimeSlice: number;
  readonly scheduler: 'prr' | 'table';
  readonly schedule: ScheduleConfig | undefined;
  /** `parallel;`: VCPUs run on worker threads (as `tsvisor boot --parallel`; not deterministic). */
  readonly parallel: boolean;
}

export interface HostConfig {
  readonly timebaseFrequency: number;
  readonly cpus: readonly HostCpu[];
  readonly memory: readonly MemoryBank[];
  readonly reserved: readonly ReservedRange[];
  readonly bootcmd: readonly string[];
  /** Path of the console device (/chosen console or stdout-path), if any. */
  readonly console: string | undefined;
  readonly vmm: VmmSettings;
}

export interface VcpuConfig {
  /** `<guest>/<vcpu node>` */
  readonly name: string;
  /** Guest hart id: the VCPU's order in `vcpus`. */
  readonly subid: number;
  readonly isa: string;
  readonly startPc: number;
  readonly poweroff: boolean;
  readonly priority: number;
  /** Nanoseconds. */
  readonly timeSlice: number;
  readonly deadline: number | undefined;
  readonly periodicity: number | undefined;
  /** Host hart ids the VCPU may run on; undefined = any. */
  readonly affinity: readonly number[] | undefined;
  readonly node: Node;
}

export type Manifest = 'real' | 'virtual' | 'alias';

export interface RegionConfig {
  /** `<guest>/<region node>` */
  readonly name: string;
  readonly manifest: Manifest;
  readonly addressType: 'memory' | 'io';
  readonly deviceType: string;
  readonly compatible: readonly string[];
  readonly gpa: number;
  readonly size: number;
  readonly hpa: number | undefined;
  readonly aliasPa: number | undefined;
  readonly alignOrder: number;
  /** Memory regions: whether the guest may write, and how the backing is found. */
  readonly memory: { readonly readOnly: boolean; readonly backing: 'alloced' | 'shared' | 'fixed' | 'colored' } | undefined;
  /** Device regions: the emulator serving it. */
  readonly emulator: EmulatorInfo | undefined;
  readonly irqs: readonly number[];
  readonly node: Node;
}

export interface GuestConfig {
  readonly name: string;
  readonly model: string | undefined;
  /** Kernel command line for the guest's /chosen: the guest's `bootargs` attribute (or its `chosen/bootargs`). */
  readonly bootargs: string | undefined;
  readonly vcpus: readonly VcpuConfig[];
  readonly irqCount: number;
  readonly regions: readonly RegionConfig[];
  readonly node: Node;
}

/** Memory device types (Xvisor's), and what each means. */
export const MEMORY_TYPES: Readonly<Record<string, { readOnly: boolean; backing: 'alloced' | 'shared' | 'fixed' | 'colored' }>> = {
  ram: { readOnly: false, backing: 'fixed' },
  rom: { readOnly: true, backing: 'fixed' },
  alloced_ram: { readOnly: false, backing: 'alloced' },
  alloced_rom: { readOnly: true, backing: 'alloced' },
  shared_ram: { readOnly: false, backing: 'shared' },
  shared_rom: { readOnly: true, backing: 'shared' },
  colored_ram: { readOnly: false, backing: 'colored' },
  colored_rom: { readOnly: true, backing: 'colored' },
};
