/**
 * One guest of a running hypervisor as a migration source and sink (migrate.ts): the shell's `guest migrate` and
 * `guest incoming`. The guest's node travels as a DTB; at the destination it lands as a restored guest does, its
 * clock moved to that host's time. Other guests on either side run on throughout.
 */
import type { Hypervisor } from '../hypervisor.js';
import { nodeFromDtb, nodeToDtb } from '../snapshot/guest-snapshot.js';
import { type MigrationSink, type MigrationSource } from './migrate.js';

interface GuestHello {
  readonly kind: 'guest';
  readonly name: string;
  readonly timebaseFrequency: number;
  readonly instructionsPerTick: number;
  readonly guestDtb: string;
}

/** Guest `name` of `hv` as a source; `step` runs the hypervisor one step (false: stop). Undefined: no such guest. */
export function guestSource(hv: Hypervisor, name: string, step: () => Promise<boolean>): MigrationSource | undefined {
  const g = hv.guests.get(name);
  const node = hv.board.root.getChild('guests')?.getChild(name);
  if (!g || !node) return undefined;
  const runnable = (): number[] => g.instance.vcpus.flatMap((v, i) => (v.state.runnable && v.wakeTimer === undefined ? [i] : []));
  let held: number[] = [];
  /** The first round sends every page written since the guest was built. */
  let first = true;
  return {
    hello: (): GuestHello => ({
      kind: 'guest', name, timebaseFrequency: hv.host.timebaseFrequency, instructionsPerTick: hv.instructionsPerTick,
      guestDtb: Buffer.from(nodeToDtb(node)).toString('base64'),
    }),
    memory: () => g.instance.memory(),
    takeWritten: () => {
      const pages = g.instance.takeDirtyPages(first);
      first = false;
      return pages;
    },
    step: async () => (await step()) && hv.guests.get(name) === g,
    // Its VCPU tasks leave the run queues (their Xvisor states stay as they are, and travel so).
    stop: () => {
      held = runnable();
      for (const t of g.tasks) hv.scheduler.block(t);
    },
    resume: () => { for (const i of held) hv.scheduler.wake(g.tasks[i]!); },
    state: () => g.instance.save(),
  };
}

/** A sink landing the guest in `hv` (as `name`, or the name it had); `arrived` is told its name once it runs. */
export function guestSink(hv: Hypervisor, name: string | undefined, arrived: (name: string) => void): MigrationSink {
  let landed: string | undefined;
  const guest = (): NonNullable<ReturnType<Hypervisor['guests']['get']>> => {
    const g = landed === undefined ? undefined : hv.guests.get(landed);
    if (!g) throw new Error('no HELLO yet');
    return g;
  };
  return {
    begin: (hello) => {
      const h = hello as Partial<GuestHello>;
      if (typeof h !== 'object' || h === null || h.kind !== 'guest' || typeof h.name !== 'string' || typeof h.guestDtb !== 'string'
        || typeof h.timebaseFrequency !== 'number' || typeof h.instructionsPerTick !== 'number') throw new Error('a HELLO that is not from a tsvisor guest migrate');
      const as = name ?? h.name;
      const r = hv.beginArrival(as, nodeFromDtb(Buffer.from(h.guestDtb, 'base64')), h.timebaseFrequency, h.instructionsPerTick);
      if (!r.ok) throw new Error(r.message);
      landed = as;
    },
    memory: () => guest().instance.memory(),
    written: () => guest().instance.writtenPages(),
    adopt: (state) => {
      try {
        hv.completeArrival(landed!, state);
      } catch (e) {
        hv.abandonArrival(landed!);
        throw e;
      }
      arrived(landed!);
    },
  };
}
