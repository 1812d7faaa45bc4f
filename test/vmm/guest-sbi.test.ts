/** The firmware contract a guest gets, as OpenSBI gives it: counters granted, console input, PMU probed absent. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { GuestInstance } from '../../src/vmm/guest-instance.js';
import { Scheduler } from '../../src/sched/scheduler.js';
import { PrrPolicy } from '../../src/sched/policies/prr.js';
import { Supervisor } from '../../src/sched/supervisor.js';
import { buildDevice } from '../../src/devices/registry.js';
import { handleSbiCall, SbiExt } from '../../src/vmm/sbi/sbi.js';
import type { Hart } from '../../src/vcpu/riscv/hart.js';

function guest(): GuestInstance {
  const path = join(import.meta.dirname, '../../guests/dts/basic.dts');
  const config = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]).guests[0]!;
  const cpus = [{ id: 0, core: 0 }];
  return new GuestInstance(config, {
    scheduler: new Scheduler({ cpus, policy: new PrrPolicy(cpus) }), supervisor: new Supervisor(),
    timebaseFrequency: 10_000_000, instructionsPerTick: 10, buildDevice, output: () => {},
  });
}

/** Make an SBI call from S mode: a7 = extension, a6 = function, a0.. = arguments; returns [a0, a1]. */
function call(g: GuestInstance, h: Hart, ext: number, fid: number, ...args: number[]): [number, number] {
  const set = (r: number, v: number): void => { h.x[2 * r] = v % 4294967296 | 0; h.x[2 * r + 1] = Math.floor(v / 4294967296); };
  set(17, ext); set(16, fid);
  args.forEach((a, i) => set(10 + i, a));
  handleSbiCall(h, g.sbi);
  return [h.x[20]!, h.x[22]!];
}

describe('guest firmware contract', () => {
  it('enters S mode with scounteren = 7, as OpenSBI leaves it (U-mode rdtime for the vDSO)', () => {
    const g = guest();
    expect(g.vcpus[0]!.hart.scounteren).toBe(7);
  });

  it('legacy console_getchar returns typed input in order, then -1', () => {
    const g = guest();
    const h = g.vcpus[0]!.hart;
    expect(call(g, h, SbiExt.LegacyGetchar, 0)[0]).toBe(-1);
    for (const b of Buffer.from('ls\n')) expect(g.input('basic/sbi', b)).toBe(true);
    expect([0, 1, 2, 3].map(() => call(g, h, SbiExt.LegacyGetchar, 0)[0])).toEqual([0x6c, 0x73, 0x0a, -1]);
  });

  it('DBCN console_read copies waiting input into guest RAM and says how much (0 when none)', () => {
    const g = guest();
    const h = g.vcpus[0]!.hart;
    expect(call(g, h, SbiExt.Dbcn, 1, 16, 0x80001000, 0)).toEqual([0, 0]);
    for (const b of Buffer.from('uname\n')) g.input('basic/sbi', b);
    expect(call(g, h, SbiExt.Dbcn, 1, 4, 0x80001000, 0)).toEqual([0, 4]);
    expect(Buffer.from(g.aspace.bus.read(0x80001000, 4)!).toString()).toBe('unam');
    expect(call(g, h, SbiExt.Dbcn, 1, 16, 0x80001000, 0)).toEqual([0, 2]);
    expect(call(g, h, SbiExt.Dbcn, 1, 16, 0x40000000, 0)[0]).toBe(-3); // not RAM: invalid parameter
  });

  it('probes PMU as absent and refuses its calls; the extensions it has probe present', () => {
    const g = guest();
    const h = g.vcpus[0]!.hart;
    const PMU = 0x504d55;
    expect(call(g, h, SbiExt.Base, 3, PMU)).toEqual([0, 0]);
    expect(call(g, h, PMU, 0)[0]).toBe(-2);
    for (const ext of [SbiExt.Time, SbiExt.Ipi, SbiExt.Rfence, SbiExt.Hsm, SbiExt.Srst, SbiExt.Dbcn]) {
      expect(call(g, h, SbiExt.Base, 3, ext)).toEqual([0, 1]);
    }
  });

  it('lists the SBI console among the vserials, after the UART', () => {
    const v = guest().vserials();
    expect(v[0]).toBe('basic/uart0');
    expect(v.at(-1)).toBe('basic/sbi');
  });
});
