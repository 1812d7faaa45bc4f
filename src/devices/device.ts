/**
 * The contract between device emulators and the runtime: a device serves MMIO on its region (offsets from the
 * region start, 1/2/4-byte accesses; the runtime splits 8-byte accesses into two 4-byte ones, low word first), and
 * reaches the rest of the machine only through its context: interrupt lines, virtual time, guest memory for DMA,
 * a console, and its configuration attributes.
 */
import type { RandomAccessFile } from './block-store.js';
import type { SavedState } from '../state/saved-state.js';

/** One interrupt input (of the PLIC, or of a hart for the PLIC's outputs). Level triggered. */
export interface IrqLine {
  set(level: boolean): void;
}

/** Virtual time, in nanoseconds, shared by the guest's devices and VCPUs. */
export interface VirtualClock {
  now(): number;
  /** Call `fire` once when virtual time reaches `at`; returns a handle for `cancel`. */
  setTimer(at: number, fire: () => void): number;
  cancel(handle: number): void;
}

/** Guest-physical memory, for devices that do DMA (virtio). Out-of-range accesses return undefined / false. */
export interface GuestMemory {
  read(gpa: number, length: number): Uint8Array | undefined;
  write(gpa: number, data: Uint8Array): boolean;
}

/** A device's typed configuration attributes (the region node), read as Xvisor reads them. */
export interface DeviceAttributes {
  u32(name: string): number | undefined;
  u64(name: string): number | undefined;
  string(name: string): string | undefined;
  u32List(name: string): number[] | undefined;
}

/** A character console (the device's vserial). */
export interface Console {
  /** Bytes the guest wrote. */
  write(bytes: Uint8Array): void;
  /**
   * Register the receiver of input bytes typed for this device, and how many more bytes it takes now without losing
   * any (a UART's free FIFO places): what types into it waits rather than overruns a guest that reads late.
   */
  onInput(receive: (byte: number) => void, room?: () => number): void;
}

export interface DeviceContext {
  /** `<guest>/<region>`, e.g. `guest0/uart0` (also the vserial name). */
  readonly name: string;
  readonly attributes: DeviceAttributes;
  /** The region's guest-physical base and size. */
  readonly base: number;
  readonly size: number;
  /** Guest interrupt `n` (a PLIC input); devices take theirs from their `interrupts` attribute. */
  irq(n: number): IrqLine;
  /** For the interrupt controller: the supervisor external interrupt line of guest hart `hart`. */
  hartExternalIrq(hart: number): IrqLine;
  /** Number of VCPUs of the guest (the PLIC has two contexts each). */
  readonly hartCount: number;
  readonly clock: VirtualClock;
  readonly memory: GuestMemory;
  readonly console: Console;
  /** Host file access for backed devices (virtio-blk); undefined if the runtime gives none. */
  readonly files?: {
    read(path: string): Uint8Array;
    /** Open a file for reads where they fall (a disk read on demand); throws with the reason when it cannot. */
    open?(path: string): RandomAccessFile;
    write?(path: string, data: Uint8Array): void;
    /** Write `data` into the file at byte `offset` (a disk written through, as QEMU's cache modes do). */
    writeAt?(path: string, offset: number, data: Uint8Array): void;
  };
  /** Wall-clock time (ns since the Unix epoch) at guest time 0, for real-time clocks; a fixed default if unset. */
  readonly wallClockEpochNs?: bigint;
  /** Ask the runtime to end the guest: a test finisher's verdict (0 pass, else fail code) or reset. */
  readonly finish?: (status: number, action: 'shutdown' | 'reset') => void;
}

export interface MmioDevice {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Back to power-on state (guest reset keeps RAM but resets devices). */
  reset(): void;
  /**
   * The device's state for a snapshot: everything the guest configured and everything in flight (FIFOs, pending
   * interrupts, timers as their virtual deadlines). Required of every device, so that none can be forgotten.
   */
  save(): SavedState;
  /**
   * Take back what `save` gave (for a device built from the same configuration), re-arming its timers and driving
   * its interrupt lines to match. Throws `SavedStateError` on state of the wrong shape.
   */
  restore(state: SavedState): void;
}

export type DeviceFactory = (ctx: DeviceContext) => MmioDevice;
