/**
 * Fuzz targets of the runtime:
 * - `shell`: random command lines built from the shell's own command words and argument pools against a fresh
 *   Hypervisor. Oracle: execute never throws and answers each
 *   command within 1 s of wall time. (Its board is boards/default.dts; its bootcmd is left to the input.)
 * - `sbi`: random ECALLs (a0..a7: extension and function ids of the implemented and unknown extensions, arguments
 *   pointing into and around guest RAM) through handleSbiCall on a VCPU of a created guest (guests/dts/basic.dts,
 *   two VCPUs). Oracle: no exception, each call bounded in time, a0/a1 left as 64-bit register values.
 * - `mmio-<device>`: random access sequences (offsets around the register map, 1/2/4-byte, boundary values),
 *   interleaved with time passing, console input and interrupt input, against each emulator of the registry built
 *   with buildDevice on a small fake context. Oracle: no exception, reads are unsigned values of the access width,
 *   each access bounded in time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceAttributes, DeviceContext, IrqLine, VirtualClock } from '../../devices/device.js';
import { EMULATORS, buildDevice, type BuiltDevice, type EmulatorInfo } from '../../devices/registry.js';
import { compileSource } from '../../dts/compile.js';
import { validate } from '../../vmm/config/validate.js';
import { Hypervisor } from '../../vmm/hypervisor.js';
import { handleSbiCall } from '../../vmm/sbi/sbi.js';
import { Shell } from '../../vmm/shell.js';
import { ROOT } from '../corpus.js';
import type { Rng } from '../prng.js';
import type { Target } from '../target.js';

/** A hypervisor on boards/default.dts (its bootcmd is not run: the shell's commands are the input). */
function hypervisor(): Hypervisor {
  const path = join(ROOT, 'boards/default.dts');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const v = validate([{ path, tree }]);
  return new Hypervisor(tree, v.host!, { output: () => {} });
}

const GUESTS = ['guest0', 'g', 'x', 'a/b', '""', 'guest0 guest0'];
const NUMBERS = ['0', '1', '2', '-1', '1.5', 'abc', '0x', '0x80000000', '0x80200000', '0x1000', '99999999999999999999999', '0xffffffffffffffff',
  '1e3', '010', '0b1', '4096', '1025', '64', '-16'];
const FILES = ['../guests/dts/basic.dts', '../guests/dts/virt64.dts', '../guests/bin/uart.bin', '../guests/bin/hello.bin', 'nonexistent',
  '../guests', '.', '/dev/null', '""', 'host.dtsi'];
const OVERRIDES = ['mem0,physical_size,physsize,0x1000000', 'uart0,label,string,x', 'mem0,physical_size,physsize,abc', 'a,b,c', 'x,y,uint32,1'];

/** Command lines from the shell's words; `avoid` drops lines matching any of its patterns (known problems). */
function command(rng: Rng, scripts: readonly string[]): string {
  const g = (): string => rng.pick(GUESTS);
  const n = (): string => rng.pick(NUMBERS);
  const f = (): string => rng.pick(FILES);
  switch (rng.int(12)) {
    case 0: return `guest ${rng.pick(['create', 'kick', 'pause', 'resume', 'halt', 'reset', 'destroy', 'list', 'region_list', 'foo'])} ${g()}`;
    case 1:
      if (rng.chance(0.5)) return `memory ${rng.pick(['dump8', 'dump16', 'dump32', 'modify8', 'modify16', 'modify32', 'copy'])} ${g()} ${n()} ${n()}${rng.chance(0.5) ? ` ${n()}` : ''}`;
      return `guest dumpmem ${g()} ${n()}${rng.chance(0.7) ? ` ${n()}` : ''}`;
    case 2: return `vcpu ${rng.pick(['list', 'normal_list', 'orphan_list', 'kick', 'pause', 'resume', 'halt', 'reset', 'dumpreg', 'dumpstat', 'set_hcpu', 'set_affinity'])} ${n()}${rng.chance(0.5) ? ` ${n()}` : ''}`;
    case 3: return `vserial ${rng.pick(['list', 'dump', 'bind', 'send'])} ${g()}/uart0`;
    case 4: return `vfs guest_fdt_load ${g()} ${f()} ${n()}${rng.chance(0.5) ? ` ${rng.pick(OVERRIDES)}` : ''}`;
    case 5: return `vfs guest_load ${g()} ${n()} ${f()}`;
    case 6: return `vfs ${rng.pick(['guest_load_list', 'run'])} ${rng.chance(0.7) ? rng.pick(scripts) : f()}`;
    case 7: return `devtree ${rng.pick(['attr', 'node'])} ${rng.pick(['show', 'get', 'set', 'del', 'dump', 'add', 'copy'])} ${rng.pick(['/', '/vmm', '/cpus', '/guests', '/nowhere', '/guests/g'])} ${rng.pick(['x', 'scheduler', 'mterm_priority'])} ${rng.pick(['uint32', 'string', 'bytes', 'foo'])} ${n()}`;
    case 8: return rng.pick(['host info', 'host', 'version', 'help', 'echo hi there', '', '   ', 'nosuch', 'guest', 'vcpu', 'vfs', 'devtree']);
    case 9: return `vfs guest_fdt_load g ../guests/dts/basic.dts 1`;
    case 10: return `guest create g`;
    default: return rng.pick(['guest kick g', 'guest destroy g', 'vfs guest_load g 0x80200000 ../guests/bin/uart.bin', 'vcpu list', 'guest list']);
  }
}

export interface ShellTargetOptions {
  /** Command lines matching one of these are not generated (known problems, named where the option is used). */
  readonly avoid?: readonly RegExp[];
  /** Bound per command (ms); 1000 by default, as issue 18 asks. */
  readonly commandMs?: number;
}

export function shellTarget(opts: ShellTargetOptions = {}): Target<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-fuzz-'));
  const scripts = {
    ok: join(dir, 'ok.xscript'),
    self: join(dir, 'self.xscript'),
    list: join(dir, 'load.list'),
  };
  writeFileSync(scripts.ok, 'echo one\nvfs guest_fdt_load g ../guests/dts/basic.dts 1\nguest create g\n');
  writeFileSync(scripts.self, `echo again\nvfs run ${scripts.self}\n`);
  writeFileSync(scripts.list, `0x80200000 ${join(ROOT, 'guests/bin/uart.bin')}\nabc def\n`);
  const scriptList = [scripts.ok, scripts.self, scripts.list];
  const commandMs = opts.commandMs ?? 1000;
  return {
    name: 'shell',
    timeLimitMs: 30 * commandMs,
    generate(rng) {
      const out: string[] = [];
      const count = rng.range(1, 20);
      while (out.length < count) {
        const line = command(rng, scriptList);
        if (opts.avoid?.some((re) => re.test(line))) continue;
        out.push(line);
      }
      return out;
    },
    run(input) {
      const sh = new Shell(hypervisor(), join(ROOT, 'boards/default.dts'));
      for (const line of input) {
        const t0 = performance.now();
        const r = sh.execute(line);
        const ms = performance.now() - t0;
        if (ms > commandMs) return `slow command: "${line}" took ${Math.round(ms)} ms`;
        if (typeof r.ok !== 'boolean' || !Array.isArray(r.lines)) return `"${line}": malformed result`;
      }
      return undefined;
    },
    format: (input) => input.join('\n'),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An ECALL: the VCPU it is made on and a0..a7 (as unsigned 64-bit numbers in two 32-bit halves: lo, hi). */
export interface SbiCall {
  readonly vcpu: number;
  readonly regs: readonly (readonly [number, number])[];
}

const EXTENSIONS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x735049, 0x54494d45, 0x52464e43, 0x48534d, 0x53525354, 0x504d55, 0x4442434e, 0x53555350,
  0x43505043, 0x4e41434c, 0x535441, 0x0a000000, 0x08000000, 0xffffffff];
const RAM = 0x80000000;

export interface SbiTargetOptions {
  /** Largest length / address offset into RAM generated for console writes (default 1 MiB). */
  readonly maxBytes?: number;
  readonly callMs?: number;
}

export function sbiTarget(opts: SbiTargetOptions = {}): Target<SbiCall> {
  const maxBytes = opts.maxBytes ?? 1 << 20;
  const callMs = opts.callMs ?? 100;
  const value = (rng: Rng): [number, number] => {
    switch (rng.int(6)) {
      case 0: return [rng.small(maxBytes), 0];
      case 1: return [(RAM + rng.small(maxBytes)) >>> 0, 0];
      case 2: return [rng.interesting32(), rng.chance(0.8) ? 0 : rng.interesting32()];
      case 3: return [rng.int(4), 0];
      case 4: return [0xffffffff, 0xffffffff];
      default: return [rng.u32(), rng.u32()];
    }
  };
  return {
    name: 'sbi',
    timeLimitMs: 20 * callMs,
    generate(rng) {
      const calls: SbiCall[] = [];
      const count = rng.range(1, 12);
      for (let i = 0; i < count; i++) {
        const regs: [number, number][] = [];
        for (let r = 0; r < 6; r++) regs.push(value(rng));
        regs.push([rng.chance(0.8) ? rng.int(8) : rng.u32(), 0]); // a6: function id
        regs.push([rng.chance(0.9) ? rng.pick(EXTENSIONS) : rng.u32(), 0]); // a7: extension id
        calls.push({ vcpu: rng.int(2), regs });
      }
      return calls;
    },
    run(input) {
      const hv = hypervisor();
      const sh = new Shell(hv, join(ROOT, 'boards/default.dts'));
      sh.execute('vfs guest_fdt_load g ../guests/dts/basic.dts 2');
      const created = sh.execute('guest create g');
      const g = hv.guests.get('g');
      if (!g) return `setup: guest create g failed: ${created.lines.join(' ')}`;
      for (const call of input) {
        const v = g.instance.vcpus[call.vcpu % g.instance.vcpus.length];
        if (!v) return 'setup: guest g has no VCPU';
        const h = v.hart;
        call.regs.forEach(([lo, hi], i) => { h.x[2 * (10 + i)] = lo | 0; h.x[2 * (10 + i) + 1] = hi | 0; });
        const t0 = performance.now();
        handleSbiCall(h, g.instance.sbi);
        const ms = performance.now() - t0;
        const low = (a: number): number => (call.regs[a]?.[0] ?? 0) >>> 0; // a<n>'s low 32 bits
        if (ms > callMs) return `slow ECALL a7=0x${low(7).toString(16)} a6=${low(6)} a0=0x${low(0).toString(16)} a1=0x${low(1).toString(16)}: ${Math.round(ms)} ms`;
        for (const r of [10, 11]) {
          if (!Number.isInteger(h.x[2 * r]) || !Number.isInteger(h.x[2 * r + 1])) return `a${r - 10} is not a register value after the call`;
        }
      }
      return undefined;
    },
    format: (input) => input.map((c) => `vcpu ${c.vcpu}: ${c.regs.map(([lo, hi], i) => `a${i}=0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`).join(' ')}`).join('\n'),
  };
}

/** One step of a device access sequence. */
export type MmioStep =
  | { readonly op: 'read'; readonly offset: number; readonly size: 1 | 2 | 4 }
  | { readonly op: 'write'; readonly offset: number; readonly size: 1 | 2 | 4; readonly value: number }
  | { readonly op: 'time'; readonly ns: number }
  | { readonly op: 'input'; readonly byte: number }
  | { readonly op: 'irq'; readonly n: number; readonly level: boolean }
  | { readonly op: 'reset' }
  /** Guest memory written (descriptor tables, buffers: what a device may DMA). */
  | { readonly op: 'dma'; readonly gpa: number; readonly bytes: readonly number[] }
  /** A virtio driver's set-up of queue `queue` in RAM (status, features, queue size and addresses, ready). */
  | { readonly op: 'virtq'; readonly queue: number };

/** Configurations of each emulator (attributes as the region node would give them). */
const CONFIGS: Readonly<Record<string, readonly Readonly<Record<string, number | string | number[]>>[]>> = {
  'PLIC': [{ parent_irq: 9, num_irq: 32, max_priority: 7 }, { parent_irq: 9 }, { parent_irq: 9, num_irq: 1024, max_priority: 16 }],
  'ns16550 UART': [{ interrupts: [10] }, { interrupts: [10], reg_shift: 2, reg_io_width: 4, fifo_size: 16 }],
  'goldfish RTC': [{ interrupts: [11] }],
  'vminfo': [{ ram0_base: RAM, ram0_size: 0x100000 }, {}],
  'simplefb': [{ base: RAM, width: 16, height: 16, mode: 'r5g6b5' }, {}],
  'virtio-mmio': [{ virtio_type: 3, interrupts: [3] }, { virtio_type: 2, interrupts: [2], blkdev: 'disk.img' }, { virtio_type: 1, interrupts: [1] }, { virtio_type: 99, interrupts: [4] }],
  'test finisher': [{}],
};

class Clock implements VirtualClock {
  t = 0;
  private id = 1;
  private timers: { at: number; id: number; fire: () => void }[] = [];
  now(): number { return this.t; }
  setTimer(at: number, fire: () => void): number { const id = this.id++; this.timers.push({ at, id, fire }); return id; }
  cancel(handle: number): void { this.timers = this.timers.filter((x) => x.id !== handle); }
  advance(ns: number): void {
    const end = this.t + ns;
    for (let fired = 0; fired < 10_000; fired++) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fire();
    }
    this.t = end;
  }
}

function context(emulator: EmulatorInfo, attrs: Readonly<Record<string, number | string | number[]>>, clock: Clock, input: { receive?: (b: number) => void }): DeviceContext {
  const line: IrqLine = { set: () => {} };
  const ram = new Uint8Array(0x20000);
  const attributes: DeviceAttributes = {
    u32: (n) => { const v = attrs[n]; return typeof v === 'number' ? v >>> 0 : undefined; },
    u64: (n) => { const v = attrs[n]; return typeof v === 'number' ? v : undefined; },
    string: (n) => { const v = attrs[n]; return typeof v === 'string' ? v : undefined; },
    u32List: (n) => { const v = attrs[n]; return Array.isArray(v) ? v : typeof v === 'number' ? [v] : undefined; },
  };
  const inRam = (gpa: number, len: number): boolean => Number.isInteger(gpa) && Number.isInteger(len) && len >= 0 && gpa >= RAM && gpa + len <= RAM + ram.length;
  return {
    name: `fuzz/${emulator.name}`, attributes, base: 0x10000000, size: 0x4000000,
    irq: () => line, hartExternalIrq: () => line, hartCount: 2, clock,
    memory: {
      read: (gpa, len) => (inRam(gpa, len) ? ram.subarray(gpa - RAM, gpa - RAM + len) : undefined),
      write: (gpa, data) => { if (!inRam(gpa, data.length)) return false; ram.set(data, gpa - RAM); return true; },
    },
    console: { write: () => {}, onInput: (r) => { input.receive = r; } },
    files: { read: () => new Uint8Array(16 * 512).fill(0x5a), write: () => {}, writeAt: () => {} },
    finish: () => {},
  };
}

/** Register offsets worth hitting per emulator (the rest are random). */
const HOT: Readonly<Record<string, readonly number[]>> = {
  'PLIC': [0, 4, 8, 0x80, 0x1000, 0x2000, 0x2004, 0x2080, 0x200000, 0x200004, 0x201000, 0x201004],
  'virtio-mmio': [0, 4, 8, 0xc, 0x10, 0x14, 0x20, 0x24, 0x30, 0x34, 0x38, 0x44, 0x50, 0x60, 0x64, 0x70, 0x80, 0x84, 0x90, 0x94, 0xa0, 0xa4, 0xfc, 0x100],
};

export function mmioTargets(): Target<MmioStep>[] {
  return EMULATORS.map((emulator) => {
    const slug = emulator.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-+$/, '');
    const configs = CONFIGS[emulator.name] ?? [{}];
    const hot = HOT[emulator.name] ?? [];
    const span = emulator.name === 'PLIC' ? 0x4000000 : 0x200;
    return {
      name: `mmio-${slug}`,
      timeLimitMs: 2000,
      generate(rng: Rng): MmioStep[] {
        const steps: MmioStep[] = [{ op: 'reset' }]; // first unit: which configuration (as `reset` with index below)
        const count = rng.range(1, 200);
        for (let i = 0; i < count; i++) {
          const size = rng.pick([1, 2, 4, 4, 4] as const);
          const offset = rng.chance(0.5) && hot.length ? rng.pick(hot) + (rng.chance(0.9) ? 0 : rng.int(4)) : rng.chance(0.8) ? rng.int(0x100) : rng.int(span);
          const r = rng.int(20);
          if (r < 8) steps.push({ op: 'read', offset, size });
          else if (r < 16) steps.push({ op: 'write', offset, size, value: rng.interesting32() % 2 ** (8 * size) });
          else if (r === 16) steps.push({ op: 'time', ns: rng.pick([1, 1000, 1e6, 1e9, 2 ** 40]) });
          else if (r === 17) steps.push({ op: 'input', byte: rng.int(256) });
          else if (r === 18) steps.push({ op: 'irq', n: rng.int(40), level: rng.chance(0.5) });
          else if (emulator.name === 'virtio-mmio' && rng.chance(0.9)) {
            if (rng.chance(0.3)) steps.push({ op: 'virtq', queue: rng.int(3) });
            else {
              // A descriptor (addr, len, flags, next) in one of the queues' tables, or in the avail ring, or a buffer.
              const q = rng.int(2);
              const where = rng.pick([0, 0x200, 0x400, 0x4000]);
              const gpa = RAM + 0x1000 * q + where + 16 * rng.int(8);
              const bytes: number[] = [];
              const le = (v: number, n: number): void => { for (let b = 0; b < n; b++) bytes.push(Math.floor(v / 2 ** (8 * b)) & 255); };
              le(rng.chance(0.8) ? RAM + 0x4000 + rng.int(0x1c000) : rng.u32() * 256, 8);
              le(rng.chance(0.9) ? rng.int(1100) : rng.u32(), 4);
              le(rng.chance(0.9) ? rng.int(4) : rng.int(65536), 2);
              le(rng.chance(0.9) ? rng.int(8) : rng.int(65536), 2);
              steps.push({ op: 'dma', gpa, bytes });
            }
          } else steps.push({ op: 'reset' });
        }
        steps[0] = { op: 'time', ns: rng.int(configs.length) }; // the configuration index
        return steps;
      },
      run(input: readonly MmioStep[]): string | undefined {
        const first = input[0];
        const config = configs[first && first.op === 'time' ? first.ns % configs.length : 0] ?? {};
        const clock = new Clock();
        const console: { receive?: (b: number) => void } = {};
        const ctx = context(emulator, config, clock, console);
        const dev: BuiltDevice | undefined = buildDevice(emulator, ctx);
        if (!dev) return undefined;
        for (const s of input.slice(1)) {
          const t0 = performance.now();
          if (s.op === 'read') {
            const v = dev.read(s.offset, s.size);
            if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * s.size)) return `read(0x${s.offset.toString(16)}, ${s.size}) returned ${v}`;
          } else if (s.op === 'write') dev.write(s.offset, s.size, s.value);
          else if (s.op === 'time') clock.advance(s.ns);
          else if (s.op === 'input') console.receive?.(s.byte);
          else if (s.op === 'irq') dev.input?.(s.n).set(s.level);
          else if (s.op === 'dma') ctx.memory.write(s.gpa, Uint8Array.from(s.bytes));
          else if (s.op === 'virtq') {
            const base = RAM + 0x1000 * s.queue;
            for (const [o, v] of [[0x70, 0], [0x70, 3], [0x24, 1], [0x20, 1], [0x70, 11], [0x30, s.queue], [0x38, 8], [0x80, base],
              [0x84, 0], [0x90, base + 0x200], [0x94, 0], [0xa0, base + 0x400], [0xa4, 0], [0x44, 1], [0x70, 15]] as const) {
              dev.write(o, 4, v >>> 0);
            }
          } else dev.reset();
          const ms = performance.now() - t0;
          if (ms > 250) return `slow ${s.op} ${JSON.stringify(s)}: ${Math.round(ms)} ms`;
        }
        return undefined;
      },
      fixedPrefix: 1,
      format: (input: readonly MmioStep[]) => [`config ${JSON.stringify(configs[input[0]?.op === 'time' ? input[0].ns % configs.length : 0])}`,
        ...input.slice(1).map((s) => JSON.stringify(s))].join('\n'),
    };
  });
}
