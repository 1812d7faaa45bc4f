/**
 * 16550A UART (`ns16550a`, `ns16550d`, `8250`), enough for Linux's and U-Boot's 8250 drivers.
 *
 * Register n (0..7) sits at offset `n << reg_shift`; any access width is accepted (`reg_io_width` only says what
 * the guest's driver uses) and the register is the low byte. Accesses between registers read 0 / are ignored.
 *   0 RBR (read) / THR (write); DLL when LCR.DLAB      4 MCR (bit 4 loopback)
 *   1 IER (bits 0..3); DLM when LCR.DLAB               5 LSR (DR, OE, THRE|TEMT always: output is immediate)
 *   2 IIR (read) / FCR (write)                         6 MSR
 *   3 LCR                                              7 SCR
 *
 * Output: each THR write goes to `ctx.console.write` at once (in loopback it is received instead). Input from
 * `ctx.console.onInput` goes into the RX FIFO (`fifo_size` bytes, default 16; one byte while FIFOs are disabled);
 * a byte arriving when it is full sets LSR.OE and is lost with the FIFO on, or overwrites the unread byte in the
 * receive holding register with the FIFO off (the 16550's datasheet; QEMU's serial does the same). Interrupts, by
 * the chip's priorities: line status (IER bit 2, on OE), RX data (IER bit 0: IIR 0x4 when the FIFO holds at least
 * the trigger level or FIFOs are off, else the character-timeout code 0xC, both at once), THR empty (IER bit 1:
 * armed when IER is written while the transmitter is empty, after every transmitted byte and when the transmit
 * FIFO is reset (FCR bit 2, or the FIFOs switched on or off); cleared by reading IIR while it is the reported
 * interrupt or by writing THR), modem status (IER bit 3). The output is `ctx.irq(interrupts[0])`.
 */
import { asObject, bool, int, ints, SavedStateError, type SavedState } from '../state/saved-state.js';
import type { DeviceContext, DeviceFactory, MmioDevice } from './device.js';
import { OutputLine, firstIrq, validAccess } from './util.js';

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;

const IIR_NO_INT = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_CTI = 0x0c;
const IIR_FIFO_ENABLED = 0xc0;

const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const FCR_CLEAR_TX = 0x04;

const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_DCTS = 0x01;
const MSR_DDSR = 0x02;
const MSR_TERI = 0x04;
const MSR_DDCD = 0x08;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** Outside loopback the line looks connected: CTS, DSR and DCD asserted. */
const MSR_CONNECTED = MSR_CTS | MSR_DSR | MSR_DCD;

const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

export class Ns16550 implements MmioDevice {
  private readonly shift: number;
  private readonly fifoSize: number;
  private readonly irq: OutputLine;

  private rx: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  /** LSR error bits (OE, BI); DR, THRE and TEMT are computed. */
  private lsrErrors = 0;
  private msr = MSR_CONNECTED;
  private thrPending = false;

  constructor(private readonly ctx: DeviceContext) {
    const shift = ctx.attributes.u32('reg_shift') ?? 0;
    this.shift = shift <= 4 ? shift : 0;
    const fifo = ctx.attributes.u32('fifo_size') ?? 16;
    this.fifoSize = fifo >= 1 && fifo <= 65536 ? fifo : 16;
    this.irq = new OutputLine(firstIrq(ctx.attributes, (n) => ctx.irq(n)));
    ctx.console.onInput((byte) => this.receive(byte, false), () => this.capacity - this.rx.length);
  }

  /** RX capacity: the FIFO while FIFOs are enabled, the single holding register otherwise. */
  private get capacity(): number {
    return this.fcr & FCR_ENABLE ? this.fifoSize : 1;
  }

  private receive(byte: number, loopback: boolean): void {
    // In loopback the serial input is disconnected from the outside.
    if (!loopback && this.mcr & MCR_LOOP) return;
    if (this.rx.length >= this.capacity) {
      this.lsrErrors |= LSR_OE;
      // Without the FIFO the new byte replaces the one in the holding register; with it, it is lost.
      if (!(this.fcr & FCR_ENABLE)) this.rx = [byte & 0xff];
    } else {
      this.rx.push(byte & 0xff);
    }
    this.update();
  }

  private lsr(): number {
    return (this.rx.length ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
  }

  /** The interrupt the chip reports now (IIR low nibble). */
  private iirId(): number {
    if (this.ier & IER_RLSI && this.lsrErrors & (LSR_OE | LSR_BI)) return IIR_RLSI;
    if (this.ier & IER_RDI && this.rx.length) {
      if (!(this.fcr & FCR_ENABLE)) return IIR_RDI;
      return this.rx.length >= Math.min(this.fifoSize, TRIGGER_LEVELS[this.fcr >> 6]!) ? IIR_RDI : IIR_CTI;
    }
    if (this.ier & IER_THRI && this.thrPending) return IIR_THRI;
    if (this.ier & IER_MSI && this.msr & (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD)) return IIR_MSI;
    return IIR_NO_INT;
  }

  private update(): void {
    this.irq.set(this.iirId() !== IIR_NO_INT);
  }

  /** Recompute MSR from MCR (loopback) and set the delta bits for what changed. */
  private updateMsr(): void {
    let lines = MSR_CONNECTED;
    if (this.mcr & MCR_LOOP) {
      lines = ((this.mcr & 0x02) << 3) /* RTS→CTS */ | ((this.mcr & 0x01) << 5) /* DTR→DSR */
        | ((this.mcr & 0x04) << 4) /* OUT1→RI */ | ((this.mcr & 0x08) << 4); /* OUT2→DCD */
    }
    const old = this.msr & 0xf0;
    let delta = this.msr & 0x0f;
    const changed = old ^ lines;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    if (old & MSR_RI && !(lines & MSR_RI)) delta |= MSR_TERI; // trailing edge of RI
    this.msr = lines | delta;
  }

  private transmit(byte: number): void {
    this.thrPending = false;
    if (this.mcr & MCR_LOOP) {
      this.receive(byte, true);
    } else {
      this.ctx.console.write(Uint8Array.of(byte));
    }
    // The byte left at once: the holding register is empty again and THRE interrupts anew, as after a real send.
    this.thrPending = true;
    this.update();
  }

  /** Register index for an offset, or -1 if it falls between registers or past the last. */
  private index(offset: number, size: number): number {
    if (!validAccess(offset, size)) return -1;
    const stride = 1 << this.shift;
    if (offset % stride !== 0) return -1;
    const n = offset >> this.shift;
    return n <= 7 ? n : -1;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    switch (this.index(offset, size)) {
      case 0: {
        if (this.lcr & LCR_DLAB) return this.dll;
        const b = this.rx.shift() ?? 0;
        this.update();
        return b;
      }
      case 1:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case 2: {
        const id = this.iirId();
        if (id === IIR_THRI) {
          this.thrPending = false;
          this.update();
        }
        return id | (this.fcr & FCR_ENABLE ? IIR_FIFO_ENABLED : 0);
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr();
        if (this.lsrErrors) {
          this.lsrErrors = 0;
          this.update();
        }
        return v;
      }
      case 6: {
        const v = this.msr;
        if (v & 0x0f) {
          this.msr &= 0xf0;
          this.update();
        }
        return v;
      }
      case 7:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const v = value & 0xff;
    switch (this.index(offset, size)) {
      case 0:
        if (this.lcr & LCR_DLAB) this.dll = v;
        else this.transmit(v);
        return;
      case 1:
        if (this.lcr & LCR_DLAB) {
          this.dlm = v;
        } else {
          this.ier = v & 0x0f;
          // The transmitter is always empty: enabling (or re-writing) THRI arms the THR-empty interrupt.
          this.thrPending = (this.ier & IER_THRI) !== 0;
          this.update();
        }
        return;
      case 2: {
        let f = v;
        // Toggling the FIFO enable clears both FIFOs.
        if ((f ^ this.fcr) & FCR_ENABLE) f |= FCR_CLEAR_RX | FCR_CLEAR_TX;
        if (f & FCR_CLEAR_RX) this.rx = [];
        // A transmit FIFO reset empties the transmitter: the THR-empty interrupt is armed again (QEMU does this too).
        if (f & FCR_CLEAR_TX) this.thrPending = true;
        this.fcr = f & 0xc9; // enable, DMA mode, trigger level (clear bits self-clear)
        this.update();
        return;
      }
      case 3:
        this.lcr = v;
        return;
      case 4: {
        const wasLoop = this.mcr & MCR_LOOP;
        this.mcr = v & 0x1f;
        if (wasLoop !== (this.mcr & MCR_LOOP) || this.mcr & MCR_LOOP) this.updateMsr();
        this.update();
        return;
      }
      case 7:
        this.scr = v;
        return;
      default:
        return; // LSR and MSR are read only
    }
  }

  reset(): void {
    this.rx = [];
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.fcr = 0;
    this.scr = 0;
    this.dll = 0;
    this.dlm = 0;
    this.lsrErrors = 0;
    this.msr = MSR_CONNECTED;
    this.thrPending = false;
    this.update();
  }

  save(): SavedState {
    return {
      rx: [...this.rx], ier: this.ier, lcr: this.lcr, mcr: this.mcr, fcr: this.fcr, scr: this.scr, dll: this.dll,
      dlm: this.dlm, lsrErrors: this.lsrErrors, msr: this.msr, thrPending: this.thrPending,
    };
  }

  restore(state: SavedState): void {
    const o = asObject(state, 'ns16550');
    const w = 'ns16550';
    const rx = ints(o, 'rx', w, 0, 255);
    if (rx.length > this.fifoSize) throw new SavedStateError(`${w}.rx: more bytes than the FIFO holds`);
    this.rx = rx;
    this.ier = int(o, 'ier', w, 0, 255); this.lcr = int(o, 'lcr', w, 0, 255); this.mcr = int(o, 'mcr', w, 0, 255);
    this.fcr = int(o, 'fcr', w, 0, 255); this.scr = int(o, 'scr', w, 0, 255); this.dll = int(o, 'dll', w, 0, 255);
    this.dlm = int(o, 'dlm', w, 0, 255); this.lsrErrors = int(o, 'lsrErrors', w, 0, 255); this.msr = int(o, 'msr', w, 0, 255);
    this.thrPending = bool(o, 'thrPending', w);
    this.update();
  }
}

export const ns16550Factory: DeviceFactory = (ctx) => new Ns16550(ctx);
