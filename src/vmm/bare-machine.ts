/**
 * The smallest machine that runs a guest image: one hart, RAM at 0x80000000 (as QEMU's virt machine), the SBI,
 * QEMU's test finisher (`sifive,test0` at 0x100000) and an ns16550a UART at 0x10000000 sharing the SBI console's
 * output, as on QEMU. Test images and the benchmark run on it; the full runtime builds guests from their device
 * trees instead.
 */
import { RamBus } from '../aspace/ram-bus.js';
import { Hart } from '../vcpu/riscv/hart.js';
import { Exit } from '../vcpu/riscv/exit.js';
import { isElf, parseElf } from './elf.js';
import { handleSbiCall, type SbiPlatform } from './sbi/sbi.js';
import { Ns16550 } from '../devices/ns16550.js';
import type { MmioDevice } from '../devices/device.js';

export interface BareMachineOptions {
  ramBase?: number;
  ramSize?: number;
  /** Load address of a raw (non-ELF) image. */
  loadAddress?: number;
  instructionsPerTick?: number;
}

export type BareOutcome =
  /** The guest shut down through SBI SRST (or the test finisher); `status` 0 = success. */
  | 'shutdown'
  /** The instruction limit was reached. */
  | 'timeout'
  /** The hart cannot go on (an endless trap loop, WFI with no wake-up possible). */
  | 'halted';

export interface BareResult {
  outcome: BareOutcome;
  /** Exit status: 0 for a normal shutdown, 1 (or the finisher's code) for a failure. */
  status: number;
  /** Why the hart halted, for 'halted'. */
  reason?: string;
  instructions: number;
}

const FINISHER_BASE = 0x100000;
const UART_BASE = 0x10000000;
const TWO32 = 4294967296;

export class BareMachine {
  readonly bus: RamBus;
  readonly hart: Hart;
  /** Everything the guest wrote to its console. */
  output = '';
  /** Called for each console byte as it is written (in addition to `output`). */
  onOutput: ((byte: number) => void) | undefined;
  private entry: number;
  private finished: { status: number } | undefined;
  private readonly platform: SbiPlatform;
  private readonly uart: MmioDevice;

  constructor(options: BareMachineOptions = {}) {
    const ramBase = options.ramBase ?? 0x80000000;
    this.bus = new RamBus([{ base: ramBase, size: options.ramSize ?? 128 * 1024 * 1024 }]);
    this.hart = new Hart(this.bus, { instructionsPerTick: options.instructionsPerTick ?? 10 });
    this.entry = options.loadAddress ?? ramBase + 0x200000;
    this.platform = {
      putByte: (b) => {
        this.output += String.fromCharCode(b);
        this.onOutput?.(b);
      },
      getByte: () => -1,
      readMemory: (pa, length) => this.bus.read(pa, length),
      systemReset: (_type, reason) => { this.finished = { status: reason === 0 ? 0 : 1 }; },
      hartIds: () => [this.hart.hartId],
      sendIpi: () => this.hart.raiseSoftwareInterrupt(),
      remoteFence: () => this.hart.flushTlb(),
      implVersion: 1,
    };
    this.uart = new Ns16550({
      name: 'uart0', base: UART_BASE, size: 0x100, hartCount: 1,
      attributes: { u32: () => undefined, u64: () => undefined, string: () => undefined, u32List: () => undefined },
      irq: () => ({ set: () => {} }),
      hartExternalIrq: () => ({ set: () => {} }),
      clock: { now: () => 0, setTimer: () => 0, cancel: () => {} },
      memory: { read: () => undefined, write: () => false },
      console: { write: (bytes) => { for (const b of bytes) this.platform.putByte(b); }, onInput: () => {} },
    });
  }

  /** Load an ELF image (at its physical addresses) or a raw image (at the load address). */
  load(image: Uint8Array, rawLoadAddress = this.entry): void {
    if (isElf(image)) {
      const elf = parseElf(image);
      for (const seg of elf.segments) {
        if (!this.bus.write(seg.paddr, seg.data) || (seg.memsz > 0 && !this.bus.read(seg.paddr, seg.memsz))) {
          throw new RangeError(`ELF segment at 0x${seg.paddr.toString(16)} is outside guest RAM`);
        }
      }
      this.entry = elf.entry;
    } else {
      if (!this.bus.write(rawLoadAddress, image)) throw new RangeError('image does not fit in guest RAM');
      this.entry = rawLoadAddress;
    }
    this.hart.code.invalidateRange(0, this.bus.memory.byteLength);
    this.hart.reset(this.entry % TWO32, Math.floor(this.entry / TWO32));
  }

  /** Run until shutdown, a halt, or `maxInstructions` retired instructions. */
  run(maxInstructions = Infinity, slice = 1_000_000): BareResult {
    const h = this.hart;
    const limit = h.icount + maxInstructions;
    while (!this.finished) {
      const left = limit - h.icount;
      if (left <= 0) return { outcome: 'timeout', status: 124, instructions: h.icount };
      const exit = h.run(Math.min(slice, left));
      switch (exit) {
        case Exit.Budget: break;
        case Exit.Ecall: handleSbiCall(h, this.platform); break;
        case Exit.Wfi: {
          const next = h.nextTimerEvent();
          if (next === Infinity) return this.halt('WFI with no interrupt that could wake the hart');
          h.skipTimeTo(next);
          break;
        }
        case Exit.Mmio: this.mmio(); break;
        case Exit.FetchFault: h.failFetch(); break; // as on QEMU: an instruction access fault
        case Exit.TrapLoop:
          return this.halt(`endless trap loop: scause 0x${hex(h.scauseHi, h.scauseLo)}, stval 0x${hex(h.stvalHi, h.stvalLo)}`);
      }
    }
    return { outcome: 'shutdown', status: this.finished.status, instructions: h.icount };
  }

  private halt(reason: string): BareResult {
    return { outcome: 'halted', status: 1, reason: `${reason} (pc 0x${this.hart.pcHex()})`, instructions: this.hart.icount };
  }

  /** The only device is the test finisher; any other MMIO is an access fault, as on QEMU. */
  private mmio(): void {
    const h = this.hart, m = h.mmio;
    if (m.addrHi === 0 && m.addrLo === FINISHER_BASE && m.write && m.size === 4) {
      const v = m.dataLo & 0xffff;
      if (v === 0x5555) this.finished = { status: 0 };
      else if (v === 0x3333) this.finished = { status: (m.dataLo >>> 16) || 1 };
      h.completeMmio();
      return;
    }
    if (m.addrHi === 0 && m.addrLo >= UART_BASE && m.addrLo < UART_BASE + 0x100 && m.size <= 4) {
      const off = m.addrLo - UART_BASE, size = m.size as 1 | 2 | 4;
      if (m.write) this.uart.write(off, size, m.dataLo);
      h.completeMmio(m.write ? 0 : this.uart.read(off, size));
      return;
    }
    h.failMmio();
  }
}

const hex = (hi: number, lo: number): string =>
  (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
