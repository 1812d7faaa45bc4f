import { describe, expect, it } from 'vitest';
import { Ns16550 } from '../../src/devices/ns16550.js';
import { fake, type AttrValue, type Fake } from './fake.js';

const RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup(attrs: Record<string, AttrValue> = {}): { f: Fake; uart: Ns16550; irq: () => boolean } {
  const f = fake({ name: 'guest0/uart0', attrs: { interrupts: [10], ...attrs } });
  const uart = new Ns16550(f.ctx);
  return { f, uart, irq: () => f.irq(10).level };
}

describe('ns16550 UART', () => {
  it('sends THR writes to the console at once; THRE and TEMT are always set', () => {
    const { f, uart } = setup();
    expect(uart.read(LSR, 1)).toBe(0x60);
    for (const c of 'Hi\n') uart.write(THR, 1, c.charCodeAt(0));
    expect(f.text()).toBe('Hi\n');
    expect(uart.read(LSR, 1)).toBe(0x60);
  });

  it('places register n at n << reg_shift and accepts 32-bit accesses (reg-io-width 4)', () => {
    const { f, uart } = setup({ reg_shift: 2, reg_io_width: 4 });
    uart.write(THR, 4, 0x41);
    uart.write(1, 1, 0x42); // between registers: ignored
    uart.write(SCR << 2, 4, 0x1234_5677);
    expect(f.text()).toBe('A');
    expect(uart.read(SCR << 2, 4)).toBe(0x77);
    expect(uart.read(LSR << 2, 4)).toBe(0x60);
    expect(uart.read((LSR << 2) + 1, 1)).toBe(0);
    expect(uart.read(8 << 2, 4)).toBe(0);
  });

  it('queues input in the RX FIFO with LSR.DR', () => {
    const { f, uart } = setup();
    uart.write(FCR, 1, 0x07); // enable and clear FIFOs
    expect(uart.read(LSR, 1) & 1).toBe(0);
    f.type('abc');
    expect(uart.read(LSR, 1) & 1).toBe(1);
    expect([uart.read(RBR, 1), uart.read(RBR, 1), uart.read(RBR, 1)]).toEqual([0x61, 0x62, 0x63]);
    expect(uart.read(LSR, 1) & 1).toBe(0);
    // FCR bit 1 clears the RX FIFO.
    f.type('xyz');
    uart.write(FCR, 1, 0x03);
    expect(uart.read(LSR, 1) & 1).toBe(0);
    expect(uart.read(IIR, 1) & 0xc0).toBe(0xc0); // FIFOs enabled
  });

  it('drops bytes beyond the FIFO and reports an overrun (LSR.OE, cleared by reading LSR)', () => {
    const { f, uart } = setup({ fifo_size: 4 });
    uart.write(FCR, 1, 0x01);
    f.type('abcdef');
    const lsr = uart.read(LSR, 1);
    expect(lsr & 0x03).toBe(0x03); // DR | OE
    expect(uart.read(LSR, 1) & 0x02).toBe(0);
    const got = [1, 2, 3, 4].map(() => String.fromCharCode(uart.read(RBR, 1))).join('');
    expect(got).toBe('abcd');
    expect(uart.read(LSR, 1) & 1).toBe(0);
  });

  it('holds one byte while FIFOs are disabled (16450 mode); the default FIFO is 16 bytes', () => {
    const { f, uart } = setup();
    f.type('ab');
    // Overrun without the FIFO: the newer byte overwrites the unread one (datasheet and QEMU), LSR.OE is set.
    expect(uart.read(LSR, 1) & 0x03).toBe(0x03);
    expect(uart.read(RBR, 1)).toBe(0x62);
    expect(uart.read(LSR, 1) & 1).toBe(0);
    // The same in loopback, and OE is cleared by the LSR read.
    uart.write(MCR, 1, 0x10);
    uart.write(THR, 1, 0x58);
    uart.write(THR, 1, 0x59);
    expect(uart.read(LSR, 1)).toBe(0x63);
    expect(uart.read(LSR, 1)).toBe(0x61);
    expect(uart.read(RBR, 1)).toBe(0x59);
    expect(uart.read(LSR, 1)).toBe(0x60);
    uart.write(MCR, 1, 0x00);
    uart.write(FCR, 1, 0x01);
    f.type('0123456789abcdefXYZ');
    let n = 0;
    while (uart.read(LSR, 1) & 1) { uart.read(RBR, 1); n++; }
    expect(n).toBe(16);
  });

  it('raises the RX data interrupt while data is queued (IER bit 0)', () => {
    const { f, uart, irq } = setup();
    uart.write(FCR, 1, 0x01); // trigger level 1
    uart.write(IER, 1, 0x01);
    expect(irq()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0xc1);
    f.type('x');
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xc4);
    expect(irq()).toBe(true); // reading IIR does not clear RX data
    expect(uart.read(RBR, 1)).toBe(0x78);
    expect(irq()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0xc1);
  });

  it('reports character timeout below the FIFO trigger level', () => {
    const { f, uart, irq } = setup();
    uart.write(FCR, 1, 0x81); // trigger at 8
    uart.write(IER, 1, 0x01);
    f.type('abc');
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xcc);
    f.type('defgh');
    expect(uart.read(IIR, 1)).toBe(0xc4);
  });

  it('THR empty interrupt: raised when enabled, cleared by reading IIR, re-armed by each transmitted byte', () => {
    const { f, uart, irq } = setup();
    uart.write(IER, 1, 0x02);
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x02);
    expect(irq()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0x01);
    uart.write(THR, 1, 0x41); // clears THRI; the byte leaves at once, the transmitter is empty again
    expect(f.text()).toBe('A');
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x02);
    // Writing IER again (THRI still set) re-arms it, as on the chip; clearing THRI drops it.
    uart.write(IER, 1, 0x02);
    expect(irq()).toBe(true);
    uart.write(IER, 1, 0x00);
    expect(irq()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0x01);
    // Linux's THRE test: IER=0, IER=THRI, read IIR (must report THRI), IER=0.
    uart.write(IER, 1, 0x02);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x02);
    uart.write(IER, 1, 0x00);
  });

  it('THR empty interrupt: re-armed by a transmit FIFO reset (FCR bit 2, or switching the FIFOs on or off)', () => {
    const { uart, irq } = setup();
    uart.write(FCR, 1, 0x01);
    uart.write(IER, 1, 0x02);
    expect(uart.read(IIR, 1)).toBe(0xc2);
    expect(uart.read(IIR, 1)).toBe(0xc1);
    expect(irq()).toBe(false);
    uart.write(FCR, 1, 0x03); // RX reset only: nothing for the transmitter
    expect(irq()).toBe(false);
    uart.write(FCR, 1, 0x05); // TX reset
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xc2);
    expect(irq()).toBe(false);
    uart.write(FCR, 1, 0x00); // FIFOs off: both are reset
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x02);
    // With THRI masked the reset is remembered, as QEMU's thr_ipending is, but nothing is raised.
    uart.write(IER, 1, 0x00);
    uart.write(FCR, 1, 0x07);
    expect(irq()).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0xc1);
  });

  it('reports interrupts by priority: RX data before THR empty', () => {
    const { f, uart, irq } = setup();
    uart.write(IER, 1, 0x03);
    f.type('z');
    expect(uart.read(IIR, 1)).toBe(0x04);
    expect(uart.read(IIR, 1)).toBe(0x04); // THRI not cleared: it was not the one reported
    uart.read(RBR, 1);
    expect(uart.read(IIR, 1)).toBe(0x02);
    expect(irq()).toBe(false);
  });

  it('line status interrupt on overrun (IER bit 2)', () => {
    const { f, uart, irq } = setup();
    uart.write(IER, 1, 0x04);
    f.type('pq');
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x06);
    uart.read(LSR, 1);
    expect(irq()).toBe(false);
  });

  it('LCR.DLAB switches offsets 0 and 1 to the divisor latches', () => {
    const { f, uart } = setup();
    uart.write(IER, 1, 0x05);
    uart.write(LCR, 1, 0x83);
    uart.write(DLL, 1, 0x0c);
    uart.write(DLM, 1, 0x01);
    expect(f.text()).toBe('');
    expect(uart.read(DLL, 1)).toBe(0x0c);
    expect(uart.read(DLM, 1)).toBe(0x01);
    expect(uart.read(LCR, 1)).toBe(0x83);
    uart.write(LCR, 1, 0x03);
    expect(uart.read(IER, 1)).toBe(0x05);
    uart.write(THR, 1, 0x4f);
    expect(f.text()).toBe('O');
  });

  it('loopback: transmitted bytes are received, MSR follows MCR, outside input is ignored', () => {
    const { f, uart } = setup();
    expect(uart.read(MSR, 1) & 0xf0).toBe(0xb0); // DCD, DSR, CTS: connected
    uart.write(FCR, 1, 0x01);
    uart.write(MCR, 1, 0x1a); // loop, RTS, OUT2: Linux's probe expects CTS|DCD
    expect(uart.read(MSR, 1) & 0xf0).toBe(0x90);
    uart.write(THR, 1, 0x55);
    f.type('!');
    expect(f.text()).toBe('');
    expect(uart.read(LSR, 1) & 1).toBe(1);
    expect(uart.read(RBR, 1)).toBe(0x55);
    expect(uart.read(LSR, 1) & 1).toBe(0);
    uart.write(MCR, 1, 0x00);
    expect(uart.read(MSR, 1) & 0xf0).toBe(0xb0);
    uart.write(THR, 1, 0x56);
    expect(f.text()).toBe('V');
  });

  it('modem status interrupt on MSR deltas (IER bit 3), cleared by reading MSR', () => {
    const { uart, irq } = setup();
    uart.write(IER, 1, 0x08);
    uart.write(MCR, 1, 0x10); // loopback with everything low: CTS, DSR and DCD drop
    expect(irq()).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x00);
    expect(uart.read(MSR, 1)).toBe(0x0b);
    expect(irq()).toBe(false);
    expect(uart.read(MSR, 1)).toBe(0x00);
  });

  it('scratch register, and reset to power-on state', () => {
    const { f, uart, irq } = setup();
    uart.write(SCR, 1, 0xa5);
    expect(uart.read(SCR, 1)).toBe(0xa5);
    uart.write(IER, 1, 0x03);
    f.type('k');
    expect(irq()).toBe(true);
    uart.reset();
    expect(irq()).toBe(false);
    expect(uart.read(SCR, 1)).toBe(0);
    expect(uart.read(IER, 1)).toBe(0);
    expect(uart.read(LSR, 1)).toBe(0x60);
    expect(uart.read(IIR, 1)).toBe(0x01);
  });

  it('works without an interrupt', () => {
    const f = fake({ attrs: {} });
    const uart = new Ns16550(f.ctx);
    uart.write(IER, 1, 0x0f);
    f.type('a');
    expect(uart.read(RBR, 1)).toBe(0x61);
  });
});
