/** A small fake DeviceContext for device unit tests: hand-advanced clock, flat guest memory, recording lines. */
import type { DeviceAttributes, DeviceContext, GuestMemory, IrqLine, MmioDevice, VirtualClock } from '../../src/devices/device.js';

export class FakeClock implements VirtualClock {
  t = 0;
  private next = 1;
  timers: { at: number; id: number; fire: () => void }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(at: number, fire: () => void): number {
    const id = this.next++;
    this.timers.push({ at, id, fire });
    return id;
  }

  cancel(handle: number): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }

  /** Move time forward by `ns`, firing due timers in order. */
  advance(ns: number): void {
    const end = this.t + ns;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fire();
    }
    this.t = end;
  }
}

/** Guest memory: `size` bytes at guest-physical `base`. */
export class FakeMemory implements GuestMemory {
  readonly bytes: Uint8Array;
  constructor(readonly base: number, size: number) {
    this.bytes = new Uint8Array(size);
  }

  private ok(gpa: number, length: number): boolean {
    return Number.isInteger(gpa) && Number.isInteger(length) && length >= 0 && gpa >= this.base && gpa + length <= this.base + this.bytes.length;
  }

  read(gpa: number, length: number): Uint8Array | undefined {
    return this.ok(gpa, length) ? this.bytes.subarray(gpa - this.base, gpa - this.base + length) : undefined;
  }

  write(gpa: number, data: Uint8Array): boolean {
    if (!this.ok(gpa, data.length)) return false;
    this.bytes.set(data, gpa - this.base);
    return true;
  }

  private view(): DataView {
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  u8(gpa: number, v?: number): number {
    if (v !== undefined) this.bytes[gpa - this.base] = v;
    return this.bytes[gpa - this.base]!;
  }

  u16(gpa: number, v?: number): number {
    if (v !== undefined) this.view().setUint16(gpa - this.base, v, true);
    return this.view().getUint16(gpa - this.base, true);
  }

  u32(gpa: number, v?: number): number {
    if (v !== undefined) this.view().setUint32(gpa - this.base, v, true);
    return this.view().getUint32(gpa - this.base, true);
  }

  u64(gpa: number, v: number): void {
    this.u32(gpa, v >>> 0);
    this.u32(gpa + 4, Math.floor(v / 0x100000000));
  }
}

export class RecordingLine implements IrqLine {
  level = false;
  changes: boolean[] = [];
  set(level: boolean): void {
    this.level = level;
    this.changes.push(level);
  }
}

export type AttrValue = number | number[] | string | boolean;

export function attributes(values: Record<string, AttrValue>): DeviceAttributes {
  return {
    u32: (n) => (typeof values[n] === 'number' ? (values[n] as number) : undefined),
    u64: (n) => (typeof values[n] === 'number' ? (values[n] as number) : undefined),
    string: (n) => (typeof values[n] === 'string' ? (values[n] as string) : values[n] === true ? '' : undefined),
    u32List: (n) => {
      const v = values[n];
      return typeof v === 'number' ? [v] : Array.isArray(v) ? v : undefined;
    },
  };
}

export interface FakeOptions {
  name?: string;
  attrs?: Record<string, AttrValue>;
  hartCount?: number;
  memory?: FakeMemory;
  files?: DeviceContext['files'];
  noFinish?: boolean;
}

export interface Fake {
  ctx: DeviceContext;
  clock: FakeClock;
  memory: FakeMemory;
  /** Everything written to the console. */
  output: number[];
  text(): string;
  /** Type bytes into the console. */
  type(bytes: string | number[]): void;
  irqs: Map<number, RecordingLine>;
  irq(n: number): RecordingLine;
  harts: RecordingLine[];
  finishes: { status: number; action: 'shutdown' | 'reset' }[];
}

export function fake(o: FakeOptions = {}): Fake {
  const clock = new FakeClock();
  const memory = o.memory ?? new FakeMemory(0x80000000, 0x10000);
  const output: number[] = [];
  const irqs = new Map<number, RecordingLine>();
  const irq = (n: number): RecordingLine => {
    let l = irqs.get(n);
    if (!l) { l = new RecordingLine(); irqs.set(n, l); }
    return l;
  };
  const hartCount = o.hartCount ?? 1;
  const harts = Array.from({ length: hartCount }, () => new RecordingLine());
  const finishes: Fake['finishes'] = [];
  let receiver: ((b: number) => void) | undefined;
  const ctx: DeviceContext = {
    name: o.name ?? 'guest0/dev',
    attributes: attributes(o.attrs ?? {}),
    base: 0x10000000,
    size: 0x1000,
    irq,
    hartExternalIrq: (h) => harts[h] ?? new RecordingLine(),
    hartCount,
    clock,
    memory,
    console: {
      write: (bytes) => { output.push(...bytes); },
      onInput: (r) => { receiver = r; },
    },
    files: o.files,
    finish: o.noFinish ? undefined : (status, action) => { finishes.push({ status, action }); },
  };
  return {
    ctx, clock, memory, output, irqs, irq, harts, finishes,
    text: () => String.fromCharCode(...output),
    type: (bytes) => {
      const list = typeof bytes === 'string' ? [...bytes].map((c) => c.charCodeAt(0)) : bytes;
      for (const b of list) receiver?.(b);
    },
  };
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES = [0, 1, 0xffffffff, -1, 0x80000000, 2 ** 40, -(2 ** 40), 0.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER];
const ODD_OFFSETS = [-1, -4096, 0.5, 2 ** 32, 2 ** 53, NaN, Infinity, 0x3ffffff, 0x4000000];

/**
 * Random guest accesses: mostly inside `span` bytes (aligned and not), some anywhere; random values, some
 * pathological. Returns the number of accesses made. Any exception fails the calling test.
 */
export function fuzz(dev: MmioDevice, span: number, count: number, seed: number, hot: readonly number[] = []): number {
  const r = rng(seed);
  const sizes = [1, 2, 4] as const;
  for (let i = 0; i < count; i++) {
    const pick = r();
    let offset: number;
    if (pick < 0.05) offset = ODD_OFFSETS[Math.floor(r() * ODD_OFFSETS.length)]!;
    else if (pick < 0.35 && hot.length) offset = hot[Math.floor(r() * hot.length)]!;
    else if (pick < 0.7) offset = Math.floor(r() * span) & ~3;
    else offset = Math.floor(r() * span);
    const size = sizes[Math.floor(r() * 3)]!;
    const value = r() < 0.1 ? ODD_VALUES[Math.floor(r() * ODD_VALUES.length)]! : Math.floor(r() * 2 ** 32);
    if (r() < 0.5) dev.read(offset, size);
    else dev.write(offset, size, value);
    if (r() < 0.001) dev.reset();
  }
  return count;
}
