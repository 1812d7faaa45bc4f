/**
 * The VCPU run loop: the one place a VCPU's hart runs and its exits are handled, the way Xvisor handles VCPU traps
 * in HS mode. `tsvisor boot`, `tsvisor run`, the QEMU comparison tests and the benchmark all run guests through it.
 *
 * A slice starts at the host CPU's virtual time; the hart runs in chunks that end at the slice budget, at the next
 * scheduler event (a device timer, another VCPU's wake-up, typed input) so that it fires on time, and at every exit.
 * Exits: an SBI call, an MMIO access (to its device, or to nowhere: halt, or an access fault on a QEMU-like
 * machine), WFI (sleep in the scheduler until the hart's timer or an interrupt), a fetch from nowhere, a trap loop.
 */
import { Exit } from '../vcpu/riscv/exit.js';
import { IRQ_SOFTWARE, IRQ_TIMER } from '../vcpu/riscv/privilege.js';
import { VcpuState } from '../vcpu/state.js';
import type { RunReport } from '../sched/task.js';
import { handleSbiCall, HartState, type SbiPlatform } from './sbi/sbi.js';
import type { AddressSpace } from '../aspace/address-space.js';
import type { GuestClock } from './guest-clock.js';
import type { Vcpu } from './vcpu.js';

/**
 * How far one host CPU's virtual time may run ahead of the others (the scheduler's quantum). Host CPUs are simulated
 * one after another; a VCPU that spins waiting for a sibling VCPU (a lock holder, an RCU grace period) wastes at
 * most this much virtual time before the sibling runs. 1 ms is a Linux jiffy at HZ=1000 and 100k instructions.
 */
export const LOCKSTEP_QUANTUM_NS = 1_000_000;

/**
 * Virtual time one byte of console output costs the VCPU that prints it (SBI legacy putchar, DBCN write and
 * write_byte; a UART's THR, a virtio console's queue): 100 ns, a 10 MB/s console. The host's work per byte is of that order, so a guest that floods its
 * console runs its own virtual time forward as fast as it costs the host, and every other VCPU keeps its share.
 * Charged in the loop at the SBI call or MMIO access that printed them, identically whether the hart runs blocks or single steps; instruction counts
 * (`icount`) are not changed, only the slice's work.
 */
export const CONSOLE_BYTE_NS = 100;
/**
 * Most console bytes a VCPU prints in one slice before it yields (16 KiB; one DBCN call moves at most 4 KiB).
 * Slices are at most a scheduler quantum (1 ms = 10,000 charged bytes), so this bound is rarely the one that acts.
 */
export const CONSOLE_BYTES_PER_SLICE = 16 * 1024;

/** What an access to a guest-physical address in no region does. */
export type UnmappedAccess =
  /** The VCPU halts with the reason (Xvisor: the runtime cannot emulate it). */
  | 'halt'
  /** The guest takes an access fault, as on QEMU's virt machine (for programs compared against QEMU). */
  | 'fault';

/** The guest around a running VCPU. */
export interface VcpuLoopGuest {
  readonly name: string;
  readonly aspace: AddressSpace;
  readonly clock: GuestClock;
  readonly sbi: SbiPlatform;
  /** Virtual ns per retired instruction. */
  readonly nsPerInstruction: number;
  /** Most instructions per `Hart.run` call (1 single-steps every instruction). */
  readonly stepLimit: number;
  readonly unmapped: UnmappedAccess;
  /** The guest has not shut down or asked for a reset. */
  running(): boolean;
  /** Host time (ns) of the next scheduler event, or Infinity. */
  nextEvent(): number;
  /** Interrupt bits posted to the VCPU (IPIs), taken and cleared. */
  takeInterrupts(vcpu: number): number;
  /** Whether the running VCPU just gave another VCPU work (an IPI): it yields so that one can run (clears it). */
  takeYield(): boolean;
  /** Console bytes the guest printed since the last call (SBI and device consoles), reset to 0. */
  takeConsoleBytes(): number;
  /** Wake the VCPU's task at host time `at` unless something wakes it earlier. */
  sleepUntil(vcpu: number, at: number): void;
  halt(v: Vcpu, reason: string): void;
  /** The event log (`--log`, as QEMU's -d), when one is kept. */
  readonly log?: EventLog;
  /** The debugger (GDB stub), while one is attached. */
  readonly debugger?: VcpuDebugger;
}

/** What the run loop tells an attached debugger, and asks of it. */
export interface VcpuDebugger {
  /** VCPU `v`'s hart stopped for the debugger (`v.hart.debug.stop` says why): every VCPU stops (all-stop mode). */
  stopped(v: Vcpu): void;
  /** Whether the debugger holds `v` stopped while others run (GDB's vCont resuming only some threads). */
  holds(v: Vcpu): boolean;
  /** `v` was due to run while held: the debugger wakes its task when it lets it go. */
  park(v: Vcpu): void;
}

/** Event classes of the log, as QEMU's -d items. */
export type LogClass = 'exits' | 'sbi' | 'mmio' | 'irq';
export const LOG_CLASSES: readonly LogClass[] = ['exits', 'sbi', 'mmio', 'irq'];

/** Where logged events go: a line per event, prefixed with the virtual time and VCPU. */
export interface EventLog {
  readonly classes: ReadonlySet<LogClass>;
  write(line: string): void;
}

const IDLE: RunReport = { work: 0, next: 'idle' };
const hex64 = (hi: number, lo: number): string =>
  ((hi >>> 0) ? (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : (lo >>> 0).toString(16));

const EXIT_NAMES: Record<number, string> = {
  [Exit.Budget]: 'budget', [Exit.Ecall]: 'ecall', [Exit.Wfi]: 'wfi', [Exit.Mmio]: 'mmio', [Exit.FetchFault]: 'fetch-fault',
  [Exit.TrapLoop]: 'trap-loop', [Exit.Debug]: 'debug',
};

/** A log line for VCPU `v`: virtual time in µs (the hart's own clock), the VCPU, the class and the text. */
function logLine(g: VcpuLoopGuest, v: Vcpu, what: LogClass, text: string): void {
  const t = g.clock.hostTimeOf(v.hart.time()) / 1000;
  g.log!.write(`${t.toFixed(3).padStart(12)} us ${v.name} ${what}: ${text}\n`);
}

const IRQ_NAMES: Record<number, string> = { 1: 'supervisor software', 5: 'supervisor timer', 9: 'supervisor external' };

/** Log the interrupts VCPU `v` takes (the `irq` class). */
export function logInterrupts(g: VcpuLoopGuest, v: Vcpu): void {
  v.hart.onInterrupt = (cause) => logLine(g, v, 'irq', `${IRQ_NAMES[cause] ?? `cause ${cause}`} interrupt taken at pc 0x${v.hart.pcHex()}`);
}

/** Run VCPU `v` for up to `budget` instructions of a slice starting at host time `now` (ns). */
export function runVcpu(g: VcpuLoopGuest, v: Vcpu, budget: number, now: number): RunReport {
  const h = v.hart;
  if (!g.running() || !v.state.runnable) return IDLE;
  if (g.debugger?.holds(v)) { g.debugger.park(v); return IDLE; }
  v.state.switchIn();
  v.hsm = HartState.Started;
  g.clock.enter(h, now);
  g.takeYield();
  g.takeConsoleBytes(); // printed outside this VCPU's run (a device timer): not this slice's to pay
  const start = h.icount;
  const nsPerInstruction = g.nsPerInstruction;
  const mmioOut = v.mmioOut;
  const byteCost = Math.max(1, Math.round(CONSOLE_BYTE_NS / nsPerInstruction));
  /** Work charged beyond retired instructions (console output), in instructions. */
  let charged = 0;
  let consoleBytes = 0;
  let next: RunReport['next'] = 'yield';
  while (g.running() && v.state.state === VcpuState.Running) {
    const done = h.icount - start + charged;
    let chunk = budget - done;
    const event = g.nextEvent();
    if (event !== Infinity) {
      const untilEvent = Math.ceil((event - now) / nsPerInstruction) - done;
      if (untilEvent < chunk) chunk = untilEvent;
    }
    if (chunk <= 0) break;
    if (chunk > g.stepLimit) chunk = g.stepLimit;
    // Posted interrupts (IPIs, even from this VCPU to itself) become pending before the hart runs on.
    if (g.takeInterrupts(v.index) & IRQ_SOFTWARE) h.raiseSoftwareInterrupt();
    const exit = h.run(chunk);
    const log = g.log;
    if (log && log.classes.has('exits') && exit !== Exit.Budget) logLine(g, v, 'exits', `${EXIT_NAMES[exit]} at pc 0x${h.pcHex()}`);
    if (exit === Exit.Budget) continue;
    if (exit === Exit.Debug) { g.debugger?.stopped(v); break; }
    if (exit === Exit.Ecall) {
      if (log?.classes.has('sbi')) {
        const args = [10, 11, 12, 13, 14, 15].map((r) => `0x${h.reg(r).toString(16)}`).join(' ');
        logLine(g, v, 'sbi', `ext 0x${h.reg(17).toString(16)} fid ${h.reg(16)} args ${args}`);
      }
      handleSbiCall(h, g.sbi);
      if (log?.classes.has('sbi')) logLine(g, v, 'sbi', `-> error ${h.x[20]} value 0x${h.reg(11).toString(16)}`);
      const printed = g.takeConsoleBytes();
      if (printed > 0) {
        charged += printed * byteCost;
        consoleBytes += printed;
        if (consoleBytes >= CONSOLE_BYTES_PER_SLICE) break;
      }
      // The sender of an IPI usually waits for its target next: let the target's host CPU catch up first.
      if (g.takeYield()) break;
      if (!v.suspended) continue;
      v.suspended = false; // HSM retentive suspend: wait as WFI does
    } else if (exit === Exit.Mmio) {
      const m = h.mmio;
      const ok = m.write ? g.aspace.write(m.addrLo, m.addrHi, m.size, m.dataLo, m.dataHi) : g.aspace.read(m.addrLo, m.addrHi, m.size, mmioOut);
      if (log?.classes.has('mmio')) {
        const value = m.write ? hex64(m.dataHi, m.dataLo) : hex64(mmioOut.hi, mmioOut.lo);
        logLine(g, v, 'mmio', `${m.write ? 'write' : 'read'} ${m.size} bytes at 0x${hex64(m.addrHi, m.addrLo)}: ${ok ? `0x${value}` : 'no device'}`);
      }
      if (ok) {
        h.completeMmio(mmioOut.lo, mmioOut.hi);
        const printed = g.takeConsoleBytes();
        if (printed > 0) {
          charged += printed * byteCost;
          consoleBytes += printed;
          if (consoleBytes >= CONSOLE_BYTES_PER_SLICE) break;
        }
        continue;
      }
      if (g.unmapped === 'fault') { h.failMmio(); continue; }
      g.halt(v, `${m.write ? 'store to' : 'load from'} 0x${hex64(m.addrHi, m.addrLo)}, which is in no region of ${g.name}`);
      break;
    } else if (exit === Exit.FetchFault) {
      if (g.unmapped === 'fault') { h.failFetch(); continue; }
      const a = h.fetchFaultAddress();
      g.halt(v, `instruction fetch from 0x${hex64(a.hi, a.lo)}, which is not RAM or ROM of ${g.name}`);
      break;
    } else if (exit === Exit.TrapLoop) {
      g.halt(v, `endless trap loop (scause 0x${hex64(h.scauseHi, h.scauseLo)}, stval 0x${hex64(h.stvalHi, h.stvalLo)})`);
      break;
    }
    // WFI (or a suspend) with nothing pending: sleep in the scheduler until the timer is due or an interrupt comes.
    if (g.takeInterrupts(v.index) & IRQ_SOFTWARE) { h.raiseSoftwareInterrupt(); continue; }
    if (h.interruptPending()) continue;
    const timerWakes = (h.sie & IRQ_TIMER) !== 0 ? h.nextTimerEvent() : Infinity;
    if (timerWakes !== Infinity) g.sleepUntil(v.index, g.clock.hostTimeOf(timerWakes));
    next = 'idle';
    break;
  }
  g.clock.leave(h);
  if (v.state.state === VcpuState.Running) v.state.switchOut();
  if (!v.state.runnable || !g.running()) next = 'idle';
  return { work: h.icount - start + charged, next };
}
