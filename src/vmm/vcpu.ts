/** A guest's VCPU as the runtime holds it: its hart, its Xvisor state machine, and what SBI HSM says of it. */
import type { Hart } from '../vcpu/riscv/hart.js';
import type { VcpuStateMachine } from '../vcpu/state.js';

export interface Vcpu {
  /** Index in the guest (the guest hart id). */
  readonly index: number;
  readonly name: string;
  readonly hart: Hart;
  readonly state: VcpuStateMachine;
  readonly poweroff: boolean;
  /** Why the VCPU was halted. */
  haltReason: string | undefined;
  /** HSM view (HartState). */
  hsm: number;
  /** An HSM retentive suspend is waiting to be served (as WFI). */
  suspended: boolean;
  /** The scheduler timer that wakes the VCPU from WFI, if one is set. */
  wakeTimer: number | undefined;
  /** Scratch for MMIO loads. */
  readonly mmioOut: { lo: number; hi: number };
}
