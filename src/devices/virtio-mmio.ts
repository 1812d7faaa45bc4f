/**
 * virtio-mmio transport, version 2 (virtio 1.x "modern", section 4.2), for `virtio,mmio` regions.
 *
 * `virtio_type` picks the device: 3 console ({@link createVirtioConsole}), 2 block ({@link createVirtioBlk});
 * any other type reads DeviceID 0 (no device — drivers skip it). Registers are 32-bit (other widths read 0 and
 * are ignored); the device configuration space at 0x100 takes any width.
 *   0x000 MagicValue 'virt'   0x004 Version 2   0x008 DeviceID   0x00c VendorID 'QEMU' (as QEMU's transports)
 *   0x010 DeviceFeatures (word DeviceFeaturesSel 0x014)   0x020 DriverFeatures (word DriverFeaturesSel 0x024)
 *   0x030 QueueSel   0x034 QueueNumMax   0x038 QueueNum   0x044 QueueReady   0x050 QueueNotify
 *   0x060 InterruptStatus   0x064 InterruptACK   0x070 Status
 *   0x080/0x084 QueueDesc   0x090/0x094 QueueDriver (avail)   0x0a0/0x0a4 QueueDevice (used)
 *   0x0ac SHMSel, 0x0b0.. SHM length/base (all ones: no shared memory)   0x0fc ConfigGeneration 0
 * VIRTIO_F_VERSION_1 (bit 32) is offered and required: FEATURES_OK is refused (left clear) unless the driver
 * accepted it and nothing the device did not offer. Queues are processed only while DRIVER_OK is set and the queue
 * is ready. Writing 0 to Status resets the device. Used buffers raise InterruptStatus bit 0 (unless the driver set
 * VIRTQ_AVAIL_F_NO_INTERRUPT); the interrupt `ctx.irq(interrupts[0])` is high while InterruptStatus is non-zero.
 * A malformed queue (see virtqueue.ts) sets DEVICE_NEEDS_RESET (0x40) in Status, raises a configuration-change
 * interrupt (bit 1) if the driver is running, and that queue is no longer processed until reset.
 */
import { arr, asObject, big, int, SavedStateError, type SavedState } from '../state/saved-state.js';
import type { DeviceContext, DeviceFactory, MmioDevice } from './device.js';
import { OutputLine, firstIrq, validAccess } from './util.js';
import { SplitQueue } from './virtqueue.js';
import { createVirtioConsole } from './virtio-console.js';
import { createVirtioBlk } from './virtio-blk.js';

export const VIRTIO_MMIO_MAGIC = 0x74726976; // 'virt'
/**
 * 'QEMU' as a little-endian word: the VendorID of QEMU's virtio-mmio transports (VIRT_VENDOR), which guests built
 * for QEMU's virt machine see in their modalias (virtio:d00000002v554D4551) and in sysfs.
 */
export const VIRTIO_MMIO_VENDOR = 0x554d4551;
export const VIRTIO_F_VERSION_1 = 1n << 32n;

export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;

export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 0x40;
export const STATUS_FAILED = 0x80;

export const INT_USED_BUFFER = 1;
export const INT_CONFIG_CHANGE = 2;

/** What the transport offers a device backend. */
export interface VirtioTransport {
  /** Run `work` on queue `index` if it may be processed now (driver running, queue ready, not broken); a
   * malformed queue found while working marks the device as needing reset. Used buffers added interrupt. */
  process(index: number, work: (q: SplitQueue) => void): void;
  /** Feature bits the driver accepted. */
  readonly driverFeatures: bigint;
}

/** A virtio device behind the transport. */
export interface VirtioBackend {
  readonly deviceId: number;
  /** Device-specific feature bits offered (the transport adds VIRTIO_F_VERSION_1). */
  readonly features: bigint;
  /** Maximum size of each of the device's queues. */
  readonly queueMax: readonly number[];
  /** The device configuration space. */
  readonly config: Uint8Array;
  /** A write into the configuration space (ignored unless the device handles it). */
  configWrite?(offset: number, size: number, value: number): void;
  /** The driver notified queue `index`. */
  notify(index: number): void;
  /** The driver set DRIVER_OK. */
  driverOk?(): void;
  /** Device reset (Status 0 or a guest reset): drop in-flight state; keep what a real device keeps (disk data). */
  reset(): void;
  /** The backend's own state for a snapshot (the transport saves the queues), and its restore. */
  save(): SavedState;
  restore(state: SavedState): void;
}

export type VirtioBackendFactory = (ctx: DeviceContext, transport: VirtioTransport) => VirtioBackend;

const NO_DEVICE: VirtioBackend = {
  deviceId: 0, features: 0n, queueMax: [], config: new Uint8Array(0), notify() {}, reset() {}, save: () => null, restore() {},
};

const TWO32 = 0x100000000;
const MASK32 = 0xffffffffn;

export class VirtioMmio implements MmioDevice, VirtioTransport {
  readonly backend: VirtioBackend;
  private readonly queues: SplitQueue[];
  private readonly irq: OutputLine;
  private status = 0;
  private interruptStatus = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  driverFeatures = 0n;
  private queueSel = 0;

  constructor(ctx: DeviceContext, backend: VirtioBackendFactory | undefined) {
    this.irq = new OutputLine(firstIrq(ctx.attributes, (n) => ctx.irq(n)));
    this.backend = backend ? backend(ctx, this) : NO_DEVICE;
    this.queues = this.backend.queueMax.map((max) => new SplitQueue(ctx.memory, max));
  }

  private get offered(): bigint {
    return this.backend.deviceId === 0 ? 0n : this.backend.features | VIRTIO_F_VERSION_1;
  }

  private updateIrq(): void {
    this.irq.set(this.interruptStatus !== 0);
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.updateIrq();
  }

  private needsReset(q: SplitQueue): void {
    q.broken = true;
    if (this.status & STATUS_DEVICE_NEEDS_RESET) return;
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    if (this.status & STATUS_DRIVER_OK) this.raise(INT_CONFIG_CHANGE);
  }

  process(index: number, work: (q: SplitQueue) => void): void {
    const q = this.queues[index];
    if (!q || !q.ready || q.broken || !(this.status & STATUS_DRIVER_OK)) return;
    q.pushed = 0;
    try {
      work(q);
    } catch {
      // A malformed ring or descriptor chain: the device needs a reset; nothing reaches the guest's access.
      this.needsReset(q);
    }
    if (q.pushed > 0) {
      q.pushed = 0;
      let want: boolean;
      try { want = q.wantsInterrupt(); } catch { want = true; }
      if (want) this.raise(INT_USED_BUFFER);
    }
  }

  private resetDevice(): void {
    this.status = 0;
    this.interruptStatus = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    for (const q of this.queues) q.reset();
    try { this.backend.reset(); } catch { /* a backend's reset must not reach the guest */ }
    this.updateIrq();
  }

  private writeStatus(v: number): void {
    if (v === 0) {
      this.resetDevice();
      return;
    }
    const before = this.status;
    let next = (v & 0xff & ~STATUS_DEVICE_NEEDS_RESET) | (before & STATUS_DEVICE_NEEDS_RESET);
    if (next & STATUS_FEATURES_OK && !(before & STATUS_FEATURES_OK)) {
      const ok = (this.driverFeatures & VIRTIO_F_VERSION_1) !== 0n && (this.driverFeatures & ~this.offered) === 0n;
      if (!ok || this.backend.deviceId === 0) next &= ~STATUS_FEATURES_OK;
    }
    this.status = next;
    if (next & STATUS_DRIVER_OK && !(before & STATUS_DRIVER_OK)) {
      try { this.backend.driverOk?.(); } catch { /* ignore */ }
    }
  }

  private get queue(): SplitQueue | undefined {
    return this.queues[this.queueSel];
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (!validAccess(offset, size)) return 0;
    if (offset >= 0x100) return this.readConfig(offset - 0x100, size);
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const q = this.queue;
    switch (offset) {
      case 0x000: return VIRTIO_MMIO_MAGIC;
      case 0x004: return 2;
      case 0x008: return this.backend.deviceId;
      case 0x00c: return VIRTIO_MMIO_VENDOR;
      case 0x010:
        return this.deviceFeaturesSel > 1 ? 0 : Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & MASK32);
      case 0x034: return q ? q.maxSize : 0;
      case 0x038: return q ? q.size : 0;
      case 0x044: return q?.ready ? 1 : 0;
      case 0x060: return this.interruptStatus;
      case 0x070: return this.status;
      case 0x080: return q ? q.descAddr >>> 0 : 0;
      case 0x084: return q ? Math.floor(q.descAddr / TWO32) >>> 0 : 0;
      case 0x090: return q ? q.driverAddr >>> 0 : 0;
      case 0x094: return q ? Math.floor(q.driverAddr / TWO32) >>> 0 : 0;
      case 0x0a0: return q ? q.deviceAddr >>> 0 : 0;
      case 0x0a4: return q ? Math.floor(q.deviceAddr / TWO32) >>> 0 : 0;
      case 0x0b0: case 0x0b4: case 0x0b8: case 0x0bc: return 0xffffffff; // no shared memory regions
      case 0x0fc: return 0; // ConfigGeneration: the configuration never changes under the driver
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!validAccess(offset, size)) return;
    if (offset >= 0x100) {
      this.writeConfig(offset - 0x100, size, value);
      return;
    }
    if (size !== 4 || (offset & 3) !== 0) return;
    const v = value >>> 0;
    const q = this.queue;
    const setLow = (old: number): number => Math.floor(old / TWO32) * TWO32 + v;
    const setHigh = (old: number): number => (v & 0x1fffff) * TWO32 + (old % TWO32); // beyond 2^53: unreachable memory
    switch (offset) {
      case 0x014: this.deviceFeaturesSel = v; return;
      case 0x020:
        if (this.driverFeaturesSel <= 1 && !(this.status & STATUS_FEATURES_OK)) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(MASK32 << shift)) | (BigInt(v) << shift);
        }
        return;
      case 0x024: this.driverFeaturesSel = v; return;
      case 0x030: this.queueSel = v; return;
      case 0x038: if (q && !q.ready) q.size = v; return;
      case 0x044:
        if (!q) return;
        if (v & 1) {
          if (q.ready || q.size < 1 || q.size > q.maxSize) return;
          q.ready = true;
          q.lastAvail = 0;
          q.usedIdx = 0;
          q.broken = false;
        } else {
          q.ready = false;
        }
        return;
      case 0x050:
        if (v < this.queues.length) {
          try { this.backend.notify(v); } catch { /* backends work through process(), which contains errors */ }
        }
        return;
      case 0x064:
        this.interruptStatus &= ~v;
        this.updateIrq();
        return;
      case 0x070: this.writeStatus(v); return;
      case 0x080: if (q && !q.ready) q.descAddr = setLow(q.descAddr); return;
      case 0x084: if (q && !q.ready) q.descAddr = setHigh(q.descAddr); return;
      case 0x090: if (q && !q.ready) q.driverAddr = setLow(q.driverAddr); return;
      case 0x094: if (q && !q.ready) q.driverAddr = setHigh(q.driverAddr); return;
      case 0x0a0: if (q && !q.ready) q.deviceAddr = setLow(q.deviceAddr); return;
      case 0x0a4: if (q && !q.ready) q.deviceAddr = setHigh(q.deviceAddr); return;
      default: return;
    }
  }

  private readConfig(off: number, size: number): number {
    const c = this.backend.config;
    if (off + size > c.length) return 0;
    let v = 0, scale = 1;
    for (const b of c.subarray(off, off + size)) { v += b * scale; scale *= 256; } // little-endian, at most 4 bytes
    return v >>> 0;
  }

  private writeConfig(off: number, size: number, value: number): void {
    const c = this.backend.config;
    if (off + size > c.length) return;
    try { this.backend.configWrite?.(off, size, value >>> 0); } catch { /* ignore */ }
  }

  reset(): void {
    this.resetDevice();
  }

  save(): SavedState {
    return {
      status: this.status, interruptStatus: this.interruptStatus, deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel, driverFeatures: this.driverFeatures.toString(), queueSel: this.queueSel,
      queues: this.queues.map((q) => q.save()), backend: this.backend.save(),
    };
  }

  restore(state: SavedState): void {
    const o = asObject(state, 'virtio-mmio');
    const w = 'virtio-mmio';
    const queues = arr(o, 'queues', w);
    if (queues.length !== this.queues.length) throw new SavedStateError(`${w}.queues: ${queues.length} queues, expected ${this.queues.length}`);
    const saved = {
      status: int(o, 'status', w, 0, 255), interruptStatus: int(o, 'interruptStatus', w, 0, 3),
      deviceFeaturesSel: int(o, 'deviceFeaturesSel', w, 0, 0xffffffff), driverFeaturesSel: int(o, 'driverFeaturesSel', w, 0, 0xffffffff),
      driverFeatures: big(o, 'driverFeatures', w), queueSel: int(o, 'queueSel', w, 0, 0xffffffff),
    };
    this.queues.forEach((queue, i) => queue.restore(queues[i] ?? null)); // as many as saved: checked above
    this.backend.restore(o.backend ?? null);
    Object.assign(this, saved);
    this.updateIrq();
  }
}

/** The backend for a `virtio_type`, or undefined when tsvisor has none (DeviceID 0). */
export function virtioBackend(type: number | undefined): VirtioBackendFactory | undefined {
  if (type === VIRTIO_ID_CONSOLE) return createVirtioConsole;
  if (type === VIRTIO_ID_BLOCK) return createVirtioBlk;
  return undefined;
}

export const virtioMmioFactory: DeviceFactory = (ctx) => new VirtioMmio(ctx, virtioBackend(ctx.attributes.u32('virtio_type')));
