import { describe, expect, it } from 'vitest';
import { EMULATORS, buildDevice, findEmulator } from '../../src/devices/registry.js';
import { isPlic } from '../../src/devices/plic.js';
import { fake } from './fake.js';

describe('device registry', () => {
  it('builds each emulator from its entry', () => {
    const f = fake({ attrs: { num_irq: 31, max_priority: 7, interrupts: [1], virtio_type: 3 } });
    for (const e of EMULATORS) {
      const dev = buildDevice(e, f.ctx);
      expect(dev, e.name).toBeDefined();
      expect(typeof dev!.read).toBe('function');
    }
  });

  it('the PLIC built through the registry offers its inputs, which drive the S context of a hart', () => {
    const f = fake({ attrs: { num_irq: 31, max_priority: 7, parent_irq: 10 }, hartCount: 1 });
    const plic = buildDevice(findEmulator('pic', ['sifive,plic0'])!, f.ctx)!;
    expect(isPlic(plic)).toBe(true);
    expect(typeof plic.input).toBe('function');
    plic.write(4 * 3, 4, 1);
    plic.write(0x2000 + 0x80, 4, 1 << 3);
    plic.input!(3).set(true);
    expect(f.harts[0]!.level).toBe(true);
    expect(plic.read(0x201004, 4)).toBe(3);
    // Other devices are not PLICs.
    const uart = buildDevice(findEmulator('serial', ['ns16550a'])!, f.ctx)!;
    expect(isPlic(uart)).toBe(false);
  });

  it('a device interrupt reaches the hart through the PLIC inputs (the runtime wiring)', () => {
    const f = fake({ attrs: { num_irq: 31, max_priority: 7, interrupts: [10] }, hartCount: 1 });
    const plic = buildDevice(findEmulator('pic', ['sifive,plic0'])!, f.ctx)!;
    const uart = buildDevice(findEmulator('serial', ['ns16550a'])!, { ...f.ctx, irq: (n) => plic.input!(n) })!;
    plic.write(4 * 10, 4, 1);
    plic.write(0x2080, 4, 1 << 10);
    uart.write(1, 1, 0x01); // IER: RX data
    expect(f.harts[0]!.level).toBe(false);
    f.type('q');
    expect(f.harts[0]!.level).toBe(true);
    expect(plic.read(0x201004, 4)).toBe(10);
    expect(uart.read(0, 1)).toBe(0x71); // the driver drains the FIFO: the UART lowers its line
    plic.write(0x201004, 4, 10);
    expect(f.harts[0]!.level).toBe(false);
    expect(plic.read(0x1000, 4)).toBe(0);
  });

  it('still matches by device_type and compatible', () => {
    expect(findEmulator('sys', ['sifive,test0'])?.name).toBe('test finisher');
    expect(findEmulator('sys', ['vminfo-0.1'])?.name).toBe('vminfo');
    expect(findEmulator('serial', ['acme,uart'])).toBeUndefined();
  });
});
