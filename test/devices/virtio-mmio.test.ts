import { describe, expect, it } from 'vitest';
import type { MmioDevice } from '../../src/devices/device.js';
import { VirtioMmio, virtioMmioFactory } from '../../src/devices/virtio-mmio.js';
import { fake, FakeMemory, type AttrValue, type Fake } from './fake.js';

const MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR_ID = 0x00c;
const DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014, DRIVER_FEATURES = 0x020, DRIVER_FEATURES_SEL = 0x024;
const QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038, QUEUE_READY = 0x044, QUEUE_NOTIFY = 0x050;
const INTERRUPT_STATUS = 0x060, INTERRUPT_ACK = 0x064, STATUS = 0x070;
const QUEUE_DESC = 0x080, QUEUE_DRIVER = 0x090, QUEUE_DEVICE = 0x0a0, CONFIG_GENERATION = 0x0fc, CONFIG = 0x100;

const ACK = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8, NEEDS_RESET = 0x40;
const RAM = 0x80000000;

interface Buf { addr: number; len: number; write?: boolean }

/** The driver side of one split virtqueue, laid out in fake guest memory. */
class DriverQueue {
  private nextDesc = 0;
  private availIdx = 0;
  private lastUsed = 0;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;

  constructor(private readonly dev: MmioDevice, private readonly mem: FakeMemory, readonly index: number, readonly size: number, base: number) {
    this.desc = base;
    this.avail = base + 16 * size;
    this.used = Math.ceil((this.avail + 6 + 2 * size) / 4) * 4;
  }

  setup(): void {
    const d = this.dev;
    d.write(QUEUE_SEL, 4, this.index);
    expect(d.read(QUEUE_NUM_MAX, 4)).toBeGreaterThanOrEqual(this.size);
    expect(d.read(QUEUE_READY, 4)).toBe(0);
    d.write(QUEUE_NUM, 4, this.size);
    d.write(QUEUE_DESC, 4, this.desc >>> 0);
    d.write(QUEUE_DESC + 4, 4, 0);
    d.write(QUEUE_DRIVER, 4, this.avail >>> 0);
    d.write(QUEUE_DRIVER + 4, 4, 0);
    d.write(QUEUE_DEVICE, 4, this.used >>> 0);
    d.write(QUEUE_DEVICE + 4, 4, 0);
    d.write(QUEUE_READY, 4, 1);
    expect(d.read(QUEUE_READY, 4)).toBe(1);
  }

  /** Write one descriptor (raw: for malformed chains). */
  descriptor(i: number, addr: number, len: number, flags: number, next: number): void {
    const at = this.desc + 16 * i;
    this.mem.u64(at, addr);
    this.mem.u32(at + 8, len);
    this.mem.u16(at + 12, flags);
    this.mem.u16(at + 14, next);
  }

  /** Make descriptor `head` available. */
  publish(head: number): void {
    this.mem.u16(this.avail + 4 + 2 * (this.availIdx % this.size), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.mem.u16(this.avail + 2, this.availIdx);
  }

  add(bufs: Buf[]): number {
    const head = this.nextDesc;
    bufs.forEach((b, i) => {
      const d = (head + i) % this.size;
      const last = i === bufs.length - 1;
      this.descriptor(d, b.addr, b.len, (last ? 0 : 1) | (b.write ? 2 : 0), (d + 1) % this.size);
    });
    this.nextDesc = (head + bufs.length) % this.size;
    this.publish(head);
    return head;
  }

  notify(): void {
    this.dev.write(QUEUE_NOTIFY, 4, this.index);
  }

  takeUsed(): { id: number; len: number }[] {
    const idx = this.mem.u16(this.used + 2);
    const out: { id: number; len: number }[] = [];
    while (this.lastUsed !== idx) {
      const e = this.used + 4 + 8 * (this.lastUsed % this.size);
      out.push({ id: this.mem.u32(e), len: this.mem.u32(e + 4) });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }
}

function setup(attrs: Record<string, AttrValue>, files?: Fake['ctx']['files']): { f: Fake; dev: VirtioMmio; irq: () => boolean } {
  const f = fake({ name: 'guest0/vda', attrs: { interrupts: [1], ...attrs }, memory: new FakeMemory(RAM, 0x40000), files });
  const dev = virtioMmioFactory(f.ctx);
  expect(dev).toBeInstanceOf(VirtioMmio);
  return { f, dev: dev as VirtioMmio, irq: () => f.irq(1).level };
}

/** Driver initialisation (virtio 1.x 3.1.1) up to DRIVER_OK, with the given queues. */
function init(dev: MmioDevice, queues: DriverQueue[], features = 0): void {
  dev.write(STATUS, 4, 0);
  dev.write(STATUS, 4, ACK);
  dev.write(STATUS, 4, ACK | DRIVER);
  dev.write(DRIVER_FEATURES_SEL, 4, 1);
  dev.write(DRIVER_FEATURES, 4, 1); // VIRTIO_F_VERSION_1
  dev.write(DRIVER_FEATURES_SEL, 4, 0);
  dev.write(DRIVER_FEATURES, 4, features);
  dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK);
  expect(dev.read(STATUS, 4)).toBe(ACK | DRIVER | FEATURES_OK);
  for (const q of queues) q.setup();
  dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
}

const ascii = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

describe('virtio-mmio transport', () => {
  it('identifies itself (version 2) and the device type', () => {
    const { dev } = setup({ virtio_type: 3 });
    expect(dev.read(MAGIC, 4)).toBe(0x74726976);
    expect(dev.read(VERSION, 4)).toBe(2);
    expect(dev.read(DEVICE_ID, 4)).toBe(3);
    expect(dev.read(VENDOR_ID, 4)).toBe(0x554d4551); // 'QEMU', as QEMU's transports
    expect(setup({ virtio_type: 2 }).dev.read(VENDOR_ID, 4)).toBe(0x554d4551);
    expect(dev.read(CONFIG_GENERATION, 4)).toBe(0);
    expect(setup({ virtio_type: 2 }).dev.read(DEVICE_ID, 4)).toBe(2);
    for (const t of [1, 18, 0, 99]) expect(setup({ virtio_type: t }).dev.read(DEVICE_ID, 4)).toBe(0);
    const none = setup({}).dev;
    expect(none.read(MAGIC, 4)).toBe(0x74726976);
    expect(none.read(DEVICE_ID, 4)).toBe(0);
    expect(none.read(VENDOR_ID, 4)).toBe(0x554d4551); // an empty transport too, as on QEMU
    expect(none.read(QUEUE_NUM_MAX, 4)).toBe(0);
  });

  it('negotiates features: VIRTIO_F_VERSION_1 required, nothing unoffered', () => {
    const { dev } = setup({ virtio_type: 2 });
    dev.write(DEVICE_FEATURES_SEL, 4, 1);
    expect(dev.read(DEVICE_FEATURES, 4)).toBe(1); // bit 32
    dev.write(DEVICE_FEATURES_SEL, 4, 0);
    expect(dev.read(DEVICE_FEATURES, 4)).toBe((1 << 2) | (1 << 6) | (1 << 9)); // SEG_MAX, BLK_SIZE, FLUSH
    dev.write(DEVICE_FEATURES_SEL, 4, 2);
    expect(dev.read(DEVICE_FEATURES, 4)).toBe(0);

    // A legacy driver (no VERSION_1) is refused.
    dev.write(STATUS, 4, ACK | DRIVER);
    dev.write(DRIVER_FEATURES_SEL, 4, 0);
    dev.write(DRIVER_FEATURES, 4, 1 << 9);
    dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK);
    expect(dev.read(STATUS, 4)).toBe(ACK | DRIVER);
    // A feature the device did not offer is refused.
    dev.write(STATUS, 4, 0);
    dev.write(STATUS, 4, ACK | DRIVER);
    dev.write(DRIVER_FEATURES_SEL, 4, 1);
    dev.write(DRIVER_FEATURES, 4, 1 | 2);
    dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK);
    expect(dev.read(STATUS, 4) & FEATURES_OK).toBe(0);
    // VERSION_1 plus offered features is accepted.
    dev.write(STATUS, 4, 0);
    dev.write(STATUS, 4, ACK | DRIVER);
    dev.write(DRIVER_FEATURES_SEL, 4, 1);
    dev.write(DRIVER_FEATURES, 4, 1);
    dev.write(DRIVER_FEATURES_SEL, 4, 0);
    dev.write(DRIVER_FEATURES, 4, 1 << 9);
    dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK);
    expect(dev.read(STATUS, 4)).toBe(ACK | DRIVER | FEATURES_OK);
  });

  it('queue registers: sizes, readiness, nonexistent queues', () => {
    const { dev } = setup({ virtio_type: 3 });
    dev.write(QUEUE_SEL, 4, 1);
    expect(dev.read(QUEUE_NUM_MAX, 4)).toBe(128);
    dev.write(QUEUE_READY, 4, 1); // size 0: refused
    expect(dev.read(QUEUE_READY, 4)).toBe(0);
    dev.write(QUEUE_NUM, 4, 1024); // above the maximum: refused at ready
    dev.write(QUEUE_READY, 4, 1);
    expect(dev.read(QUEUE_READY, 4)).toBe(0);
    dev.write(QUEUE_NUM, 4, 16);
    dev.write(QUEUE_READY, 4, 1);
    expect(dev.read(QUEUE_READY, 4)).toBe(1);
    dev.write(QUEUE_SEL, 4, 2);
    expect(dev.read(QUEUE_NUM_MAX, 4)).toBe(0);
    dev.write(QUEUE_READY, 4, 1);
    expect(dev.read(QUEUE_READY, 4)).toBe(0);
    // Status 0 resets the queues.
    dev.write(STATUS, 4, 0);
    dev.write(QUEUE_SEL, 4, 1);
    expect(dev.read(QUEUE_READY, 4)).toBe(0);
    // Non-32-bit register accesses read 0 and are ignored.
    expect(dev.read(MAGIC, 1)).toBe(0);
    dev.write(STATUS, 2, ACK);
    expect(dev.read(STATUS, 4)).toBe(0);
  });
});

describe('virtio console', () => {
  function consoleSetup() {
    const s = setup({ virtio_type: 3 });
    const rx = new DriverQueue(s.dev, s.f.memory, 0, 8, RAM);
    const tx = new DriverQueue(s.dev, s.f.memory, 1, 8, RAM + 0x1000);
    return { ...s, rx, tx };
  }

  it('transmits buffers to the console and interrupts', () => {
    const { f, dev, tx, rx, irq } = consoleSetup();
    init(dev, [rx, tx]);
    f.memory.write(RAM + 0x8000, ascii('hello, '));
    f.memory.write(RAM + 0x8100, ascii('world\n'));
    const head = tx.add([{ addr: RAM + 0x8000, len: 7 }, { addr: RAM + 0x8100, len: 6 }]);
    tx.notify();
    expect(f.text()).toBe('hello, world\n');
    expect(tx.takeUsed()).toEqual([{ id: head, len: 0 }]);
    expect(dev.read(INTERRUPT_STATUS, 4)).toBe(1);
    expect(irq()).toBe(true);
    dev.write(INTERRUPT_ACK, 4, 1);
    expect(dev.read(INTERRUPT_STATUS, 4)).toBe(0);
    expect(irq()).toBe(false);
  });

  it('honours VIRTQ_AVAIL_F_NO_INTERRUPT', () => {
    const { f, dev, tx, rx, irq } = consoleSetup();
    init(dev, [rx, tx]);
    f.memory.u16(tx.avail, 1);
    f.memory.write(RAM + 0x8000, ascii('x'));
    tx.add([{ addr: RAM + 0x8000, len: 1 }]);
    tx.notify();
    expect(f.text()).toBe('x');
    expect(tx.takeUsed().length).toBe(1);
    expect(irq()).toBe(false);
  });

  it('receives typed input into posted buffers, holding it until buffers come', () => {
    const { f, dev, tx, rx, irq } = consoleSetup();
    f.type('ab'); // before the driver: waits
    init(dev, [rx, tx]);
    expect(rx.takeUsed()).toEqual([]);
    const b1 = rx.add([{ addr: RAM + 0x9000, len: 8, write: true }]);
    const b2 = rx.add([{ addr: RAM + 0x9100, len: 8, write: true }]);
    rx.notify();
    expect(rx.takeUsed()).toEqual([{ id: b1, len: 2 }]);
    expect(text(f.memory.read(RAM + 0x9000, 2)!)).toBe('ab');
    expect(irq()).toBe(true);
    dev.write(INTERRUPT_ACK, 4, 1);
    f.type('c');
    expect(rx.takeUsed()).toEqual([{ id: b2, len: 1 }]);
    expect(text(f.memory.read(RAM + 0x9100, 1)!)).toBe('c');
    expect(irq()).toBe(true);
    // No buffers left: input waits again.
    f.type('d');
    expect(rx.takeUsed()).toEqual([]);
    const b3 = rx.add([{ addr: RAM + 0x9200, len: 4, write: true }]);
    rx.notify();
    expect(rx.takeUsed()).toEqual([{ id: b3, len: 1 }]);
  });

  it('does nothing before DRIVER_OK; emerg_wr prints', () => {
    const { f, dev, tx } = consoleSetup();
    dev.write(STATUS, 4, ACK | DRIVER);
    tx.setup();
    f.memory.write(RAM + 0x8000, ascii('early'));
    tx.add([{ addr: RAM + 0x8000, len: 5 }]);
    tx.notify();
    expect(f.text()).toBe('');
    dev.write(CONFIG + 8, 4, 0x21);
    expect(f.text()).toBe('!');
  });
});

describe('virtio block', () => {
  const SECTOR = 512;
  function image(): Uint8Array {
    const b = new Uint8Array(4 * SECTOR);
    for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 9)) & 0xff;
    return b;
  }

  function blkSetup(attrs: Record<string, AttrValue> = {}, through = false) {
    const original = image();
    const file = original.slice();
    const writes: { path: string; data: Uint8Array; offset?: number }[] = [];
    const s = setup({ virtio_type: 2, blkdev: 'disk.img', ...attrs }, {
      read: (p) => { if (p !== 'disk.img') throw new Error('ENOENT'); return file; },
      write: (path, data) => { writes.push({ path, data: data.slice() }); },
      ...(through ? { writeAt: (path: string, offset: number, data: Uint8Array) => { writes.push({ path, offset, data: data.slice() }); } } : {}),
    });
    const q = new DriverQueue(s.dev, s.f.memory, 0, 16, RAM);
    init(s.dev, [q]);
    const HDR = RAM + 0x2000, DATA = RAM + 0x3000, STATUS_BYTE = RAM + 0x2f00;
    /** Issue one request; returns the used element and the status byte. */
    const request = (type: number, sector: number, data: Buf[]): { used: { id: number; len: number }[]; status: number } => {
      s.f.memory.u32(HDR, type);
      s.f.memory.u32(HDR + 4, 0);
      s.f.memory.u64(HDR + 8, sector);
      s.f.memory.u8(STATUS_BYTE, 0xff);
      q.add([{ addr: HDR, len: 16 }, ...data, { addr: STATUS_BYTE, len: 1, write: true }]);
      q.notify();
      return { used: q.takeUsed(), status: s.f.memory.u8(STATUS_BYTE) };
    };
    return { ...s, q, original, file, writes, request, DATA };
  }

  it('reports its capacity in 512-byte sectors', () => {
    const { dev } = blkSetup();
    expect(dev.read(CONFIG, 4)).toBe(4);
    expect(dev.read(CONFIG + 4, 4)).toBe(0);
    expect(dev.read(CONFIG, 1)).toBe(4);
    expect(dev.read(CONFIG + 20, 4)).toBe(512); // blk_size
    expect(dev.read(CONFIG + 0x1000, 4)).toBe(0);
  });

  it('reads sectors (VIRTIO_BLK_T_IN), across split buffers', () => {
    const { f, request, original, DATA } = blkSetup();
    const r = request(0, 1, [{ addr: DATA, len: 100, write: true }, { addr: DATA + 0x400, len: 412, write: true }]);
    expect(r.status).toBe(0);
    expect(r.used[0]!.len).toBe(513);
    const got = new Uint8Array([...f.memory.read(DATA, 100)!, ...f.memory.read(DATA + 0x400, 412)!]);
    expect(got).toEqual(original.subarray(512, 1024));
  });

  it('writes sectors copy-on-write: reads see the data, the backing file is untouched', () => {
    const { f, request, original, file, writes, DATA } = blkSetup();
    f.memory.write(DATA, new Uint8Array(SECTOR).fill(0xaa));
    const w = request(1, 2, [{ addr: DATA, len: SECTOR }]);
    expect(w.status).toBe(0);
    expect(w.used[0]!.len).toBe(1);
    f.memory.write(DATA, new Uint8Array(SECTOR));
    const r = request(0, 2, [{ addr: DATA, len: SECTOR, write: true }]);
    expect(r.status).toBe(0);
    expect(f.memory.read(DATA, SECTOR)).toEqual(new Uint8Array(SECTOR).fill(0xaa));
    // FLUSH without `writeback`: still nothing reaches the host file.
    expect(request(4, 0, []).status).toBe(0);
    expect(file).toEqual(original);
    expect(writes).toEqual([]);
  });

  it('the data survives a device reset', () => {
    const { f, dev, request, DATA } = blkSetup();
    f.memory.write(DATA, new Uint8Array(SECTOR).fill(0x5a));
    request(1, 3, [{ addr: DATA, len: SECTOR }]);
    dev.reset();
    expect(dev.read(STATUS, 4)).toBe(0);
    const q2 = new DriverQueue(dev, f.memory, 0, 16, RAM + 0x10000);
    init(dev, [q2]);
    f.memory.u32(RAM + 0x2000, 0);
    f.memory.u64(RAM + 0x2008, 3);
    q2.add([{ addr: RAM + 0x2000, len: 16 }, { addr: DATA + 0x1000, len: SECTOR, write: true }, { addr: RAM + 0x2f00, len: 1, write: true }]);
    q2.notify();
    expect(f.memory.read(DATA + 0x1000, SECTOR)).toEqual(new Uint8Array(SECTOR).fill(0x5a));
  });

  it('writes back on FLUSH only with the writeback attribute', () => {
    const { f, request, writes, original, DATA } = blkSetup({ writeback: true });
    expect(request(4, 0, []).status).toBe(0);
    expect(writes).toEqual([]); // nothing written yet
    f.memory.write(DATA, new Uint8Array(SECTOR).fill(0x11));
    request(1, 0, [{ addr: DATA, len: SECTOR }]);
    expect(request(4, 0, []).status).toBe(0);
    expect(writes.length).toBe(1);
    expect(writes[0]!.path).toBe('disk.img');
    const expected = original.slice();
    expected.fill(0x11, 0, SECTOR);
    expect(writes[0]!.data).toEqual(expected);
  });

  it('with writeback and a runtime that can write at an offset, each write goes through to the file at once', () => {
    const { f, request, writes, DATA } = blkSetup({ writeback: true }, true);
    f.memory.write(DATA, new Uint8Array(2 * SECTOR).fill(0x22));
    expect(request(1, 1, [{ addr: DATA, len: 2 * SECTOR }]).status).toBe(0);
    expect(writes).toEqual([{ path: 'disk.img', offset: SECTOR, data: new Uint8Array(2 * SECTOR).fill(0x22) }]);
    expect(request(4, 0, []).status).toBe(0); // FLUSH: nothing left to write
    expect(writes.length).toBe(1);
  });

  it('GET_ID, out-of-range requests and unsupported types', () => {
    const { f, request, DATA } = blkSetup();
    const id = request(8, 0, [{ addr: DATA, len: 20, write: true }]);
    expect(id.status).toBe(0);
    expect(id.used[0]!.len).toBe(21);
    expect(text(f.memory.read(DATA, 18)!)).toBe('tsvisor-guest0-vda');
    expect(f.memory.u8(DATA + 18)).toBe(0);
    expect(request(0, 4, [{ addr: DATA, len: SECTOR, write: true }]).status).toBe(1); // past the end
    expect(request(0, 3, [{ addr: DATA, len: 2 * SECTOR, write: true }]).status).toBe(1);
    expect(request(1, 2 ** 40, [{ addr: DATA, len: SECTOR }]).status).toBe(1);
    expect(request(11, 0, []).status).toBe(2); // DISCARD: not offered
  });

  it('GET_ID from blkdev_id; no backing means capacity 0', () => {
    const { f, request, DATA } = blkSetup({ blkdev_id: 'serial-42' });
    request(8, 0, [{ addr: DATA, len: 20, write: true }]);
    expect(text(f.memory.read(DATA, 9)!)).toBe('serial-42');
    const bare = setup({ virtio_type: 2 });
    expect(bare.dev.read(CONFIG, 4)).toBe(0);
  });

  it('fails to build when the blkdev file cannot be read', () => {
    expect(() => setup({ virtio_type: 2, blkdev: 'missing.img' }, { read: () => { throw new Error('ENOENT: no such file'); } }))
      .toThrow(/guest0\/vda: cannot read blkdev 'missing.img': ENOENT/);
  });
});

describe('malformed queues', () => {
  function broken(make: (q: DriverQueue, f: Fake) => void) {
    const s = setup({ virtio_type: 3 });
    const rx = new DriverQueue(s.dev, s.f.memory, 0, 8, RAM);
    const tx = new DriverQueue(s.dev, s.f.memory, 1, 8, RAM + 0x1000);
    init(s.dev, [rx, tx]);
    make(tx, s.f);
    expect(() => tx.notify()).not.toThrow();
    return { ...s, rx, tx };
  }

  it('a descriptor outside guest memory sets DEVICE_NEEDS_RESET and stops the queue', () => {
    const { f, dev, tx, rx, irq } = broken((q) => { q.add([{ addr: 0x1000, len: 16 }]); });
    expect(dev.read(STATUS, 4) & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(dev.read(INTERRUPT_STATUS, 4) & 2).toBe(2); // configuration change
    expect(irq()).toBe(true);
    // The queue is no longer processed, even with a good buffer.
    f.memory.write(RAM + 0x8000, ascii('ok'));
    tx.add([{ addr: RAM + 0x8000, len: 2 }]);
    tx.notify();
    expect(f.text()).toBe('');
    // Reset and re-initialise: working again.
    dev.write(STATUS, 4, 0);
    expect(dev.read(STATUS, 4)).toBe(0);
    expect(irq()).toBe(false);
    const tx2 = new DriverQueue(dev, f.memory, 1, 8, RAM + 0x4000);
    init(dev, [rx, tx2]);
    tx2.add([{ addr: RAM + 0x8000, len: 2 }]);
    tx2.notify();
    expect(f.text()).toBe('ok');
  });

  it('a descriptor loop', () => {
    const { dev, f } = broken((q) => {
      q.descriptor(0, RAM + 0x8000, 1, 1, 1);
      q.descriptor(1, RAM + 0x8000, 1, 1, 0);
      q.publish(0);
    });
    expect(dev.read(STATUS, 4) & NEEDS_RESET).toBe(NEEDS_RESET);
    expect(f.output.length).toBeLessThanOrEqual(8);
  });

  it('a head or next index beyond the queue, an indirect descriptor, a runaway avail index', () => {
    const cases: ((q: DriverQueue, f: Fake) => void)[] = [
      (q) => q.publish(9),
      (q) => { q.descriptor(0, RAM + 0x8000, 1, 1, 200); q.publish(0); },
      (q) => { q.descriptor(0, RAM + 0x8000, 16, 4, 0); q.publish(0); },
      (q, f) => f.memory.u16(q.avail + 2, 100),
      (q, f) => { q.add([{ addr: RAM + 0x8000, len: 1 }]); f.memory.u32(q.desc + 8, 0xffffffff); },
    ];
    for (const make of cases) {
      const { dev } = broken(make);
      expect(dev.read(STATUS, 4) & NEEDS_RESET).toBe(NEEDS_RESET);
    }
  });

  it('rings outside guest memory', () => {
    const s = setup({ virtio_type: 3 });
    init(s.dev, []);
    s.dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK);
    s.dev.write(QUEUE_SEL, 4, 1);
    s.dev.write(QUEUE_NUM, 4, 8);
    s.dev.write(QUEUE_DRIVER + 4, 4, 0x1234); // far above RAM
    s.dev.write(QUEUE_READY, 4, 1);
    s.dev.write(STATUS, 4, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
    expect(() => s.dev.write(QUEUE_NOTIFY, 4, 1)).not.toThrow();
    expect(s.dev.read(STATUS, 4) & NEEDS_RESET).toBe(NEEDS_RESET);
  });

  it('a block request without a status byte', () => {
    const s = setup({ virtio_type: 2 });
    const q = new DriverQueue(s.dev, s.f.memory, 0, 8, RAM);
    init(s.dev, [q]);
    q.add([{ addr: RAM + 0x2000, len: 16 }]);
    expect(() => q.notify()).not.toThrow();
    expect(s.dev.read(STATUS, 4) & NEEDS_RESET).toBe(NEEDS_RESET);
  });
});
