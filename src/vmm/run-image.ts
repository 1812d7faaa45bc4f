/**
 * `tsvisor run`: one guest from a guest DTS (no board: a default host with one host CPU per VCPU), an image loaded
 * into it, its VCPUs as tasks under the scheduler, until the guest shuts down (SRST or the test finisher), every
 * VCPU halts or idles for good, or the virtual-time limit passes.
 */
import { Scheduler } from '../sched/scheduler.js';
import { PrrPolicy } from '../sched/policies/prr.js';
import { Supervisor } from '../sched/supervisor.js';
import type { Task, TaskSet } from '../sched/task.js';
import type { DeviceContext } from '../devices/device.js';
import { VcpuState } from '../vcpu/state.js';
import type { GuestConfig } from './config/types.js';
import { GuestInstance, type DeviceBuilder } from './guest-instance.js';

export interface RunImageOptions {
  readonly guest: GuestConfig;
  readonly image: Uint8Array;
  /** Load address of a raw image (default: VCPU 0's start_pc). */
  readonly loadAddress?: number;
  readonly vcpus?: number;
  /** Limit in seconds of guest virtual time. */
  readonly timeoutSeconds: number;
  readonly timebaseFrequency?: number;
  readonly instructionsPerTick?: number;
  readonly bootargs?: string;
  readonly buildDevice: DeviceBuilder;
  readonly output: (vserial: string, bytes: Uint8Array) => void;
  readonly files?: DeviceContext['files'];
  /** Text typed into the guest's first serial console, one byte per ms of virtual time, once `after` is printed. */
  readonly input?: { readonly text: string; readonly after?: string };
}

/** Virtual time between typed input bytes (slower than any guest reads a UART, so its FIFO never overruns). */
const INPUT_BYTE_NS = 1_000_000;

export interface RunImageResult {
  /** 'shutdown': the guest reported a status; 'timeout'; 'halted': every VCPU halted or can never wake. */
  readonly outcome: 'shutdown' | 'timeout' | 'halted';
  /** 0 pass, non-zero fail, 124 timeout. */
  readonly status: number;
  readonly reasons: readonly string[];
  /** Guest virtual time at the end, seconds. */
  readonly virtualSeconds: number;
  readonly instructions: number;
}

const SLICE_NS = 10_000_000;

export function runImage(o: RunImageOptions): RunImageResult {
  const timebase = o.timebaseFrequency ?? 10_000_000;
  const ipt = o.instructionsPerTick ?? 10;
  const nsPerInstruction = 1e9 / (timebase * ipt);
  const tasks: Task[] = [];
  let taskSet: TaskSet | undefined;
  let scheduler: Scheduler | undefined;
  let printed = '';
  let typing = false;
  const startTyping = (): void => {
    if (typing || !o.input || !scheduler) return;
    typing = true;
    const bytes = [...Buffer.from(o.input.text, 'latin1')];
    const type = (at: number): void => {
      const b = bytes.shift();
      if (b === undefined) return;
      const serial = guest.vserials()[0];
      if (serial) guest.input(serial, b);
      scheduler!.setTimer(at + INPUT_BYTE_NS, type);
    };
    scheduler.setTimer(scheduler.now() + INPUT_BYTE_NS, type);
  };
  const guest = new GuestInstance(o.guest, {
    timebaseFrequency: timebase, instructionsPerTick: ipt, vcpuCount: o.vcpus, bootargs: o.bootargs,
    buildDevice: o.buildDevice, files: o.files,
    output: (vserial, bytes) => {
      o.output(vserial, bytes);
      if (o.input?.after !== undefined && !typing) {
        printed = (printed + Buffer.from(bytes).toString('latin1')).slice(-4096);
        if (printed.includes(o.input.after)) startTyping();
      }
    },
    // IPIs are posted in the guest task set's area (member 0 is the VM control task) and taken by the target.
    postInterrupt: (i, bits) => taskSet?.postInterrupt(i + 1, bits),
    takeInterrupts: (i) => taskSet?.takeInterrupts(i + 1) ?? 0,
    wake: (i) => {
      const t = tasks[i];
      const v = guest.vcpus[i];
      if (!t || !scheduler || !v) return;
      if (v.state.state === VcpuState.Paused) v.state.request(VcpuState.Ready);
      if (v.state.runnable) scheduler.wake(t);
    },
  });
  const entry = guest.loadImage(o.image, o.loadAddress);
  guest.resetHarts(entry);
  const cpus = guest.vcpus.map((v) => ({ id: v.index, core: v.index }));
  scheduler = new Scheduler({ cpus, policy: new PrrPolicy(cpus), nsPerWork: () => nsPerInstruction });
  const sup = new Supervisor();
  const set = sup.createGuest(guest.name, () => ({ work: 0, next: 'idle' }), guest.vcpus.map((v) => ({
    name: v.name, affinity: [v.index], body: (budget: number) => guest.runVcpu(v.index, budget),
  })));
  tasks.push(...set.members.slice(1));
  taskSet = set;
  // Kick: every VCPU without poweroff starts (VCPU 0 always); the others wait for HSM hart_start.
  for (const v of guest.vcpus) {
    if (v.index === 0 || !v.poweroff) {
      v.state.request(VcpuState.Ready);
      scheduler.wake(tasks[v.index]!);
    }
  }
  if (o.input && o.input.after === undefined) startTyping();
  const limit = o.timeoutSeconds * 1e9;
  let t = 0;
  while (guest.outcome.kind === 'running' && t < limit) {
    t = Math.min(limit, t + SLICE_NS);
    scheduler.runUntil(t);
    if (!tasks.some((task) => scheduler!.isRunnable(task))) break;
  }
  const instructions = guest.vcpus.reduce((n, v) => n + v.hart.icount, 0);
  const virtualSeconds = Math.max(...scheduler.clocks) / 1e9;
  const reasons = guest.vcpus.flatMap((v) => (v.haltReason ? [`${v.name}: ${v.haltReason}`] : []));
  if (guest.outcome.kind === 'shutdown') return { outcome: 'shutdown', status: guest.outcome.status, reasons, virtualSeconds, instructions };
  if (guest.outcome.kind === 'reset') return { outcome: 'shutdown', status: 0, reasons, virtualSeconds, instructions };
  if (t >= limit) return { outcome: 'timeout', status: 124, reasons, virtualSeconds, instructions };
  return {
    outcome: 'halted', status: 1,
    reasons: reasons.length ? reasons : ['every VCPU is waiting for an interrupt that nothing can raise'],
    virtualSeconds, instructions,
  };
}
