/**
 * The device programs (guests/tests/devices_*: one body, devices_common.h, run with satp bare, Sv39 and Sv48) on
 * tsvisor: `runImage` on guests/dts/basic.dts, whose devices sit where QEMU virt's do. Each must print exactly what
 * it printed on QEMU (guests/expected/, recorded by `make expected`) with the same verdict, ending through the test
 * finisher. And paging must not change what the devices see: with the MMU on, every device is reached through a
 * mapping at another virtual address (4 KiB, 2 MiB and 1 GiB leaves, S and U pages), yet the set of (device,
 * offset, width, direction) accesses is the same as with satp bare, and it includes registers at non-zero offsets
 * of every device. (An access under paging that lost its page offset once sent all of them to offset 0.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDevice } from '../../src/devices/registry.js';
import type { DeviceBuilder } from '../../src/vmm/guest-instance.js';
import { runImage } from '../../src/vmm/run-image.js';
import { GUESTS, basicGuest, guestOutput, verdict } from '../support/guests.js';

const MODES = ['devices_bare', 'devices_sv39', 'devices_sv48'] as const;

interface DeviceRun {
  readonly output: string;
  readonly status: number;
  readonly outcome: string;
  /** Distinct accesses, as `<device base> <r|w><width> <offset>`. */
  readonly accesses: ReadonlySet<string>;
  /** Values written to the test finisher. */
  readonly finisher: readonly number[];
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function run(name: string): DeviceRun {
  const accesses = new Set<string>();
  const finisher: number[] = [];
  // The registry's devices, with every access recorded on its way in.
  const recording: DeviceBuilder = (emulator, ctx) => {
    const dev = buildDevice(emulator, ctx);
    if (!dev) return dev;
    const read = dev.read.bind(dev);
    const write = dev.write.bind(dev);
    dev.read = (offset, size) => {
      accesses.add(`${hex(ctx.base)} r${size} ${hex(offset)}`);
      return read(offset, size);
    };
    dev.write = (offset, size, value) => {
      accesses.add(`${hex(ctx.base)} w${size} ${hex(offset)}`);
      if (emulator.name === 'test finisher') finisher.push(value >>> 0);
      write(offset, size, value);
    };
    return dev;
  };
  let raw = '';
  const result = runImage({
    guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin', `${name}.elf`)), vcpus: 1, timeoutSeconds: 5,
    buildDevice: recording, unmapped: 'fault',
    output: (_vserial, bytes) => { raw += Buffer.from(bytes).toString('latin1'); },
  });
  const output = guestOutput(raw);
  return { output, status: verdict(result, output), outcome: result.outcome, accesses, finisher };
}

const runs = new Map<string, DeviceRun>();
const runOf = (name: string): DeviceRun => {
  let r = runs.get(name);
  if (!r) runs.set(name, (r = run(name)));
  return r;
};

describe('device programs under bare, Sv39 and Sv48 match QEMU', () => {
  for (const name of MODES) {
    it(name, () => {
      const expected = readFileSync(join(GUESTS, 'expected', `${name}.out`), 'latin1');
      const status = Number(readFileSync(join(GUESTS, 'expected', `${name}.status`), 'latin1').trim());
      const r = runOf(name);
      expect(r.output).toBe(expected);
      expect(r.status).toBe(status);
      expect(status).toBe(0);
      expect(r.output).toMatch(new RegExp(`^PASS ${name} \\(\\d+ checks\\)\\n$`, 'm'));
      // It ended by writing "pass" to the finisher (through its own mapping under paging), not through SBI SRST.
      expect(r.outcome).toBe('shutdown');
      expect(r.finisher).toEqual([0x5555]);
    }, 120_000);
  }
});

describe('paging does not change what the devices see', () => {
  it('the same accesses in every mode, at non-zero offsets of every device', () => {
    const [bare, sv39, sv48] = MODES.map((m) => [...runOf(m).accesses].sort());
    expect(sv39).toEqual(bare);
    expect(sv48).toEqual(bare);
    const at = (base: number): string[] => bare!.filter((a) => a.startsWith(`${hex(base)} `));
    const nonZero = (base: number): string[] => at(base).filter((a) => !a.endsWith(' 0x0'));
    // UART: every register 1..7 (byte accesses); PLIC: priorities, pending, context 1's enables, threshold, claim.
    for (const off of [1, 2, 3, 4, 5, 6, 7]) expect(at(0x10000000)).toContain(`0x10000000 r1 ${hex(off)}`);
    for (const a of ['r4 0x28', 'r4 0x1000', 'w4 0x2080', 'r4 0x2080', 'w4 0x201000', 'r4 0x201004', 'w4 0x201004']) {
      expect(at(0xc000000)).toContain(`0xc000000 ${a}`);
    }
    // RTC: time, alarm, IRQ enable, status, clear interrupt; virtio-blk (transport 7): identification, status,
    // features, queue set-up and notify, interrupt status and acknowledge, configuration space.
    for (const a of ['r4 0x4', 'w4 0x8', 'w4 0xc', 'r4 0x10', 'r4 0x18', 'w4 0x1c']) expect(at(0x101000)).toContain(`0x101000 ${a}`);
    for (const a of ['r4 0x8', 'r4 0xc', 'w4 0x14', 'r4 0x10', 'w4 0x38', 'w4 0x44', 'w4 0x50', 'r4 0x60', 'w4 0x64',
      'r4 0x70', 'w4 0x70', 'w4 0x80', 'w4 0xa4', 'r4 0x100', 'r4 0x114']) {
      expect(at(0x10008000)).toContain(`0x10008000 ${a}`);
    }
    // Every transport was identified; the finisher was read and written at offset 0 (its only register).
    for (let i = 0; i < 8; i++) expect(nonZero(0x10001000 + 0x1000 * i).length).toBeGreaterThan(0);
    expect(at(0x100000)).toEqual(['0x100000 r4 0x0', '0x100000 w4 0x0']);
  }, 120_000);
});
