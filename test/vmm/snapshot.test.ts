/**
 * Snapshots: the container refuses what is not a whole, unaltered snapshot of its version; RAM is written sparsely;
 * a run stopped, saved, restored in a fresh session and run on ends exactly as the run that never stopped (every
 * register, RAM byte and instruction count); devices restore what they saved.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RunSession, type RunImageOptions } from '../../src/vmm/run-image.js';
import { decodeMemory, decodeSnapshot, encodeMemory, encodeSnapshot, SnapshotError } from '../../src/vmm/snapshot/format.js';
import { readRunSnapshot, writeRunSnapshot } from '../../src/vmm/snapshot/run-snapshot.js';
import { buildDevice } from '../../src/devices/registry.js';
import { Ns16550 } from '../../src/devices/ns16550.js';
import { createPlic } from '../../src/devices/plic.js';
import { GoldfishRtc } from '../../src/devices/goldfish-rtc.js';
import { SavedStateError } from '../../src/state/saved-state.js';
import { basicGuest, GUESTS } from '../support/guests.js';
import { fake } from '../devices/fake.js';

const sections = new Map([['a', Buffer.from('hello')], ['memory', Buffer.alloc(10, 7)]]);

describe('snapshot container', () => {
  it('reads back what it wrote', () => {
    const back = decodeSnapshot(encodeSnapshot(sections));
    expect([...back.keys()]).toEqual(['a', 'memory']);
    expect(Buffer.from(back.get('a')!).toString()).toBe('hello');
  });

  it('refuses a truncated file, a flipped bit anywhere, another version and another kind of file', () => {
    const file = Buffer.from(encodeSnapshot(sections));
    expect(() => decodeSnapshot(file.subarray(0, file.length - 3))).toThrow(/checksum does not match/);
    expect(() => decodeSnapshot(file.subarray(0, 20))).toThrow(SnapshotError);
    for (let bit = 0; bit < file.length * 8; bit += 7) {
      const bad = Buffer.from(file);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => decodeSnapshot(bad), `bit ${bit}`).toThrow(SnapshotError);
    }
    const v2 = Buffer.from(file);
    v2.writeUInt32LE(2, 8);
    expect(() => decodeSnapshot(v2)).toThrow('snapshot format version 2; this tsvisor reads version 1');
    expect(() => decodeSnapshot(Buffer.from('\x7fELF and so on, not a snapshot at all...............'))).toThrow('not a tsvisor snapshot');
  });

  it('refuses a body that checks out but holds a broken section list', () => {
    const body = deflateSync(Buffer.from([5, 0x61, 0x62]));
    const header = Buffer.alloc(48);
    header.write('TSVSNAP\n', 0, 'latin1');
    header.writeUInt32LE(1, 8);
    createHash('sha256').update(body).digest().copy(header, 16);
    expect(() => decodeSnapshot(Buffer.concat([header, body]))).toThrow(/cut short/);
  });

  it('writes RAM sparsely: pages of zeros cost one bit', () => {
    const ram = new Uint8Array(64 << 20);
    ram[5] = 1;
    ram[(10 << 20) + 4095] = 2;
    ram[ram.length - 1] = 3;
    const encoded = encodeMemory(ram);
    expect(encoded.length).toBe(8 + (64 << 20) / 4096 / 8 + 3 * 4096);
    const back = new Uint8Array(ram.length).fill(9);
    decodeMemory(encoded, back);
    expect(Buffer.from(back).equals(Buffer.from(ram))).toBe(true);
    expect(() => decodeMemory(encoded, new Uint8Array(1 << 20))).toThrow(/bytes of guest memory/);
    expect(() => decodeMemory(encoded.subarray(0, encoded.length - 1), back)).toThrow(/page map/);
  });
});

const options = (image: string, timeoutSeconds: number, vcpus = 1): RunImageOptions => ({
  guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin', `${image}.elf`)), vcpus, timeoutSeconds,
  unmapped: 'fault', buildDevice, output: () => {},
});

/** Everything a run leaves behind: registers and instruction count of every hart, a hash of RAM. */
function fingerprint(s: RunSession): string {
  const harts = s.guest.vcpus.map((v) => `${v.hart.icount}:${v.hart.pcHex()}:${Buffer.from(v.hart.x.buffer, v.hart.x.byteOffset, v.hart.x.byteLength).toString('hex')}`);
  return `${harts.join('|')} ram ${createHash('sha256').update(s.guest.memory()).digest('hex')} t ${s.scheduler.clocks.join(',')}`;
}

describe('a run saved and restored', () => {
  it('ends exactly as the run that never stopped (the integer benchmark, mid-run)', () => {
    const whole = new RunSession(options('bench', 0.08));
    while (whole.advance());
    const a = new RunSession(options('bench', 0.08));
    for (let i = 0; i < 3; i++) a.advance();
    const file = writeRunSnapshot(a, new Uint8Array([1, 2, 3]));
    const snap = readRunSnapshot(file);
    expect(snap.settings.vcpus).toBe(1);
    expect(snap.instructions).toBe(a.progress().instructions);
    const b = new RunSession({ ...options('bench', 0.05), image: new Uint8Array(0), restore: { state: snap.state, memory: snap.memory } });
    expect(fingerprint(b)).toBe(fingerprint(a));
    while (b.advance());
    expect(b.result().instructions).toBe(whole.result().instructions);
    expect(fingerprint(b)).toBe(fingerprint(whole));
  });

  it('holds every page written, also after a migration round restarted the dirty tracking', () => {
    const a = new RunSession(options('bench', 0.08));
    for (let i = 0; i < 3; i++) a.advance();
    expect(a.guest.takeDirtyPages(true).length).toBeGreaterThan(10); // a first round: every page so far
    a.advance();
    expect(a.guest.takeDirtyPages(false).length).toBeLessThan(a.guest.takeDirtyPages(true).length);
    const snap = readRunSnapshot(writeRunSnapshot(a, new Uint8Array(0)));
    const b = new RunSession({ ...options('bench', 0.05), image: new Uint8Array(0), restore: { state: snap.state, memory: snap.memory } });
    expect(fingerprint(b)).toBe(fingerprint(a));
  });

  it('refuses a state for another machine, changing nothing it was given', () => {
    const a = new RunSession(options('bench', 0.05));
    a.advance();
    const snap = readRunSnapshot(writeRunSnapshot(a, new Uint8Array(0)));
    expect(() => new RunSession({ ...options('bench', 0.05, 2), restore: { state: snap.state, memory: snap.memory } })).toThrow(SavedStateError);
    const broken = JSON.parse(JSON.stringify(snap.state)) as { guest: { vcpus: { hart: { x: unknown } }[] } };
    broken.guest.vcpus[0]!.hart.x = 'nonsense';
    expect(() => new RunSession({ ...options('bench', 0.05), restore: { state: broken as never, memory: snap.memory } })).toThrow(/hart.x: not an array/);
  });
});

describe('device state', () => {
  it('the UART keeps its FIFO, registers and interrupt', () => {
    const f1 = fake({ attrs: { interrupts: [10], fifo_size: 16 } });
    const u1 = new Ns16550(f1.ctx);
    u1.write(1, 1, 0x01); // IER: received data
    u1.write(2, 1, 0x01); // FCR: FIFO on
    f1.type('abc');
    const f2 = fake({ attrs: { interrupts: [10], fifo_size: 16 } });
    const u2 = new Ns16550(f2.ctx);
    u2.restore(JSON.parse(JSON.stringify(u1.save())));
    expect(f2.irq(10).level).toBe(true);
    expect([u2.read(0, 1), u2.read(0, 1), u2.read(0, 1)]).toEqual([0x61, 0x62, 0x63]);
    expect(f2.irq(10).level).toBe(false);
    expect(() => u2.restore({ rx: new Array(17).fill(1), ier: 0 })).toThrow(SavedStateError);
  });

  it('the PLIC keeps priorities, enables, pending and claimed sources', () => {
    const f1 = fake({ attrs: { num_irq: 31, max_priority: 7 } });
    const p1 = createPlic(f1.ctx);
    p1.write(4 * 5, 4, 3); // priority of source 5
    p1.write(0x2000 + 0x80, 4, 1 << 5); // S context enables source 5
    p1.input(5).set(true);
    const f2 = fake({ attrs: { num_irq: 31, max_priority: 7 } });
    const p2 = createPlic(f2.ctx);
    p2.restore(JSON.parse(JSON.stringify(p1.save())));
    expect(f2.harts[0]!.level).toBe(true);
    expect(p2.read(0x200000 + 0x1000 + 4, 4)).toBe(5); // claim
    expect(() => p2.restore({ priority: [] })).toThrow(SavedStateError);
  });

  it('the RTC keeps its alarm as a virtual deadline and fires it after the restore', () => {
    const f1 = fake({ attrs: { interrupts: [11] } });
    const r1 = new GoldfishRtc(f1.ctx, { epochNs: 0n });
    r1.write(0x10, 4, 1); // IRQ_ENABLED
    r1.write(0x0c, 4, 0); // ALARM_HIGH
    r1.write(0x08, 4, 5000); // ALARM_LOW: arms the alarm at 5 µs
    const f2 = fake({ attrs: { interrupts: [11] } });
    const r2 = new GoldfishRtc(f2.ctx, { epochNs: 0n });
    r2.restore(JSON.parse(JSON.stringify(r1.save())));
    expect(f2.irq(11).level).toBe(false);
    f2.clock.advance(5000);
    expect(f2.irq(11).level).toBe(true);
  });
});

describe('restoring altered state', () => {
  /** Every value in a JSON tree, as [parent, key] pairs. */
  function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
    if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out); });
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([v as Record<string, unknown>, k]); slots(x, out); }
    return out;
  }

  it('a state with any one value replaced by another kind of value is refused with a located reason, or restores', async () => {
    const a = new RunSession(options('smp', 0.05, 4));
    a.advance();
    const snap = readRunSnapshot(writeRunSnapshot(a, new Uint8Array(0)));
    const replacements: unknown[] = [null, -1, 1.5, 2 ** 60, 'x', [], {}, true, [1, 2, 3]];
    let seed = 12345;
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const count = slots(JSON.parse(JSON.stringify(snap.state))).length;
    let refused = 0;
    for (let i = 0; i < 150; i++) {
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve)); // the worker keeps answering
      const state = JSON.parse(JSON.stringify(snap.state)) as unknown;
      const all = slots(state);
      expect(all.length).toBe(count);
      const [parent, key] = all[random(all.length)]!;
      (parent as Record<string | number, unknown>)[key] = replacements[random(replacements.length)];
      try {
        new RunSession({ ...options('smp', 0.05, 4), image: new Uint8Array(0), restore: { state: state as never, memory: snap.memory } });
      } catch (e) {
        // Only the checked refusals: never a TypeError or RangeError from deep inside a half-built guest.
        expect(e, String(e)).toBeInstanceOf(SavedStateError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(75);
  });
});
