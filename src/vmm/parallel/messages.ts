/**
 * What the main thread and the workers say to each other in parallel mode. The main thread owns every device, the
 * SBI console and HSM bookkeeping, and each VCPU while it is not running; a worker runs the VCPUs handed to it.
 * Requests from a worker wait for their reply in the VCPU's shared words (messages.ts `Word.Reply`), so the main
 * thread must answer every request without waiting for any worker.
 */
import type { MemoryRegionSpec } from '../../aspace/ram-bus.js';
import type { SavedState } from '../../state/saved-state.js';
import type { UnmappedAccess } from '../vcpu-loop.js';
import type { SharedGuestBuffers } from './shared-area.js';

/** A guest as a worker sees it. */
export interface WorkerGuestSpec {
  readonly id: number;
  readonly name: string;
  readonly regions: readonly MemoryRegionSpec[];
  readonly memory: SharedArrayBuffer;
  readonly dirty: SharedArrayBuffer;
  readonly shared: SharedGuestBuffers;
  readonly vcpuCount: number;
  /** Host ns at guest time 0, and ns per timebase tick (the guest's WallClock). */
  readonly clockBase: number;
  readonly nsPerTick: number;
  readonly instructionsPerTick: number;
  /** The wasm tier: the guest memory as a WebAssembly memory, where the areas of this worker's harts start, and when it takes a block. */
  readonly wasm: { readonly memory: WebAssembly.Memory; readonly areas: number; readonly after: number } | undefined;
  readonly unmapped: UnmappedAccess;
  /** Device regions [base, end): a store there is posted (the VCPU goes on; a FENCE or a load waits for it). */
  readonly devices: readonly (readonly [number, number])[];
}

/** Main thread → worker (polled by the worker between chunks). */
export type ToWorker =
  | { readonly t: 'guest'; readonly guest: WorkerGuestSpec }
  /** Run this VCPU from this state. `sleeping`: it waits in WFI (or an HSM suspend) for an interrupt. */
  | { readonly t: 'activate'; readonly guest: number; readonly vcpu: number; readonly hart: SavedState; readonly sleeping: boolean }
  /** Stop running every VCPU of the guest (all guests when undefined) and send their state back ('parked'). */
  | { readonly t: 'park'; readonly guest: number | undefined; readonly token: number }
  | { readonly t: 'forget'; readonly guest: number }
  /** The guest's clock restarted or moved (a reset, a restore): guest time 0 is at host ns `clockBase`. */
  | { readonly t: 'clock'; readonly guest: number; readonly clockBase: number }
  /** RAM changed under every worker (a load, a reset): drop all decoded and compiled code of the guest. */
  | { readonly t: 'code-changed'; readonly guest: number }
  | { readonly t: 'exit' };

/** A VCPU's state as a worker hands it back. */
export interface ParkedVcpu {
  readonly guest: number;
  readonly vcpu: number;
  readonly hart: SavedState;
  readonly sleeping: boolean;
}

/** Worker → main thread. Those marked "request" wait for a reply in the VCPU's shared words. */
export type FromWorker =
  /** Request: an MMIO access. */
  | { readonly t: 'mmio'; readonly guest: number; readonly vcpu: number; readonly addrLo: number; readonly addrHi: number; readonly size: number; readonly write: boolean; readonly dataLo: number; readonly dataHi: number }
  /** A store to a device, posted: no reply; the main thread counts it done in the worker's word of `acks`. */
  | { readonly t: 'mmio-posted'; readonly guest: number; readonly worker: number; readonly addrLo: number; readonly addrHi: number; readonly size: number; readonly dataLo: number; readonly dataHi: number }
  /** SBI console output (no reply: messages from one worker arrive in order). */
  | { readonly t: 'out'; readonly guest: number; readonly bytes: Uint8Array }
  /** Request: the next byte typed into the SBI console (reply lo: the byte or -1). */
  | { readonly t: 'getc'; readonly guest: number; readonly vcpu: number }
  /** Request: SBI SRST. */
  | { readonly t: 'reset'; readonly guest: number; readonly vcpu: number; readonly type: number; readonly reason: number }
  /** Request: HSM hart_start of another VCPU (reply lo: the SBI error). */
  | { readonly t: 'hsm-start'; readonly guest: number; readonly vcpu: number; readonly target: number; readonly addr: number; readonly opaque: number }
  /** Request: HSM hart_stop of the caller; the worker drops the VCPU. */
  | { readonly t: 'hsm-stop'; readonly guest: number; readonly vcpu: number }
  /** Request: HSM hart_get_status (reply lo: the state, or -1 for no such hart). */
  | { readonly t: 'hsm-status'; readonly guest: number; readonly vcpu: number; readonly target: number }
  /** Request: the VCPU cannot go on; the worker drops it. */
  | { readonly t: 'halt'; readonly guest: number; readonly vcpu: number; readonly reason: string; readonly hart: SavedState }
  /**
   * VCPUs handed back for a 'park', and per guest the code blocks decoded and compiled on this worker since its
   * last 'parked' (statistics).
   */
  | { readonly t: 'parked'; readonly token: number; readonly vcpus: readonly ParkedVcpu[]; readonly code: readonly { readonly guest: number; readonly decoded: number; readonly compiled: number }[] }
  | { readonly t: 'failed'; readonly error: string };
