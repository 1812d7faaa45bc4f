/**
 * The SBI a guest's VCPUs call into, as OpenSBI under Xvisor offers it: the console (output to the guest's SBI
 * vserial, input from what is typed into it), system reset, IPIs posted to the target VCPU, remote fences, and hart
 * state management over the guest's VCPUs.
 */
import { VcpuState } from '../vcpu/state.js';
import { HartState, SbiError, type SbiPlatform } from './sbi/sbi.js';
import type { Vcpu } from './vcpu.js';
import type { RamBus } from '../aspace/ram-bus.js';
import { IRQ_SOFTWARE } from '../vcpu/riscv/privilege.js';

/** What the guest's SBI acts on. */
export interface GuestSbiHost {
  readonly vcpus: readonly Vcpu[];
  readonly bus: RamBus;
  /** Console bytes the guest printed through SBI. */
  output(bytes: Uint8Array): void;
  /** The next byte typed into the SBI console, or -1. */
  input(): number;
  systemReset(type: number, reason: number): void;
  /** Post interrupt bits to a VCPU and wake it. */
  post(vcpu: number, bits: number): void;
  /** A VCPU can run now (an HSM start). */
  wake(vcpu: number): void;
  /** Firmware state of a hart entering S mode (OpenSBI's counters grant and so on). */
  enterSupervisor(v: Vcpu, pc: number, a1: number): void;
}

/** The SBI platform of one guest. */
export function guestSbi(g: GuestSbiHost): SbiPlatform {
  const byte = new Uint8Array(1);
  return {
    putByte: (b) => { byte[0] = b; g.output(byte); },
    putBytes: (bytes) => { if (bytes.length > 0) g.output(bytes.slice()); },
    getByte: () => g.input(),
    readMemory: (pa, length) => g.bus.read(pa, length),
    writeMemory: (pa, data) => g.bus.write(pa, data),
    systemReset: (type, reason) => g.systemReset(type, reason),
    hartIds: () => g.vcpus.map((v) => v.index),
    sendIpi: (id) => { if (g.vcpus[id]) g.post(id, IRQ_SOFTWARE); },
    // Stores to code drop its blocks as they happen, so another hart's fetches see them already (code.fenceI: parallel
    // mode's hook, a no-op here).
    remoteFenceI: (id) => g.vcpus[id]?.hart.code.fenceI(),
    remoteSfenceVma: (id) => g.vcpus[id]?.hart.flushTlb(),
    implVersion: 1,
    hsm: {
      start: (hartId, addr, opaque) => {
        const t = g.vcpus[hartId];
        if (!t) return SbiError.InvalidParam;
        if (t.hsm !== HartState.Stopped) return SbiError.AlreadyAvailable;
        if (g.bus.offsetOf(addr) < 0) return SbiError.InvalidAddress;
        g.enterSupervisor(t, addr, opaque);
        t.hsm = HartState.Started;
        if (t.state.state === VcpuState.Reset) t.state.request(VcpuState.Ready);
        g.wake(hartId);
        return SbiError.Success;
      },
      stop: (caller) => {
        const me = g.vcpus[caller.hartId]!;
        me.hsm = HartState.Stopped;
        me.state.request(VcpuState.Reset);
        return SbiError.Success;
      },
      status: (hartId) => g.vcpus[hartId]?.hsm,
      suspend: (caller) => { const me = g.vcpus[caller.hartId]; if (me) me.suspended = true; },
    },
  };
}
