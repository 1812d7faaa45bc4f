/**
 * virtio block device (device ID 2) behind the virtio-mmio transport: one request queue, 512-byte sectors.
 *
 * Backing: the attribute `blkdev` names a host file, read where the guest reads it (`ctx.files.open`, block-store.ts)
 * or, when the runtime can only read files whole, once into memory; its size is rounded up to whole sectors
 * (zero-filled). Guest writes go to an overlay (copy-on-write) unless the region has the `writeback` attribute:
 * then each write goes through to the host file as QEMU's does (`ctx.files.writeAt`), or, when the runtime offers
 * only `ctx.files.write`, the whole file is written back on each VIRTIO_BLK_T_FLUSH. No `blkdev`, an empty one
 * (`blkdev = ""`, as Xvisor's guest trees say "nothing attached"), or no `ctx.files`: capacity 0.
 * A `blkdev` that cannot be read makes the factory throw (a configuration error, before the guest runs).
 *
 * Requests: IN (0), OUT (1), FLUSH (4), GET_ID (8, the `blkdev_id` attribute or `tsvisor-<guest>-<region>`, at
 * most 20 bytes); others answer UNSUPP. A request outside the disk answers IOERR. Features: SEG_MAX, BLK_SIZE,
 * FLUSH. Configuration: capacity (u64, sectors), size_max 0, seg_max, geometry 0, blk_size 512.
 */
import { asObject, bool, type SavedState } from '../state/saved-state.js';
import type { DeviceContext } from './device.js';
import type { VirtioBackend, VirtioTransport } from './virtio-mmio.js';
import { VirtqueueError, total } from './virtqueue.js';
import { hasFlag } from './util.js';
import { fileStore, memoryStore, type BlockStore } from './block-store.js';

export const VIRTIO_BLK_F_SEG_MAX = 1n << 2n;
export const VIRTIO_BLK_F_BLK_SIZE = 1n << 6n;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const SECTOR = 512;
const QUEUE_MAX = 256;
const ID_BYTES = 20;

export function createVirtioBlk(ctx: DeviceContext, transport: VirtioTransport): VirtioBackend {
  // Xvisor's guest trees say `blkdev = ""` for a disk with nothing attached.
  const named = ctx.attributes.string('blkdev');
  const path = named === '' ? undefined : named;
  let disk: BlockStore = memoryStore(new Uint8Array(0), SECTOR);
  let fileLength = 0;
  if (path !== undefined && ctx.files) {
    try {
      // Read where the guest reads when the runtime can (a host file), else whole.
      if (ctx.files.open) {
        const file = ctx.files.open(path);
        fileLength = file.size;
        disk = fileStore(file, SECTOR);
      } else {
        const data = ctx.files.read(path);
        fileLength = data.length;
        disk = memoryStore(data, SECTOR);
      }
    } catch (e) {
      throw new Error(`${ctx.name}: cannot read blkdev '${path}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const writeback = hasFlag(ctx.attributes, 'writeback') && path !== undefined && ctx.files?.write !== undefined;
  let dirty = false;

  const id = new Uint8Array(ID_BYTES);
  const idText = ctx.attributes.string('blkdev_id') ?? `tsvisor-${ctx.name.replace(/\//g, '-')}`;
  for (let i = 0; i < Math.min(ID_BYTES, idText.length); i++) id[i] = idText.charCodeAt(i) & 0xff;

  const config = new Uint8Array(0x3c);
  const cv = new DataView(config.buffer);
  const sectors = disk.length / SECTOR;
  cv.setUint32(0, sectors >>> 0, true);
  cv.setUint32(4, Math.floor(sectors / 0x100000000), true);
  cv.setUint32(12, QUEUE_MAX - 2, true); // seg_max: all but the header and status descriptors
  cv.setUint32(20, SECTOR, true); // blk_size

  const flush = (): number => {
    if (!writeback || !dirty) return VIRTIO_BLK_S_OK;
    try {
      const whole = new Uint8Array(fileLength);
      disk.read(0, whole);
      ctx.files!.write!(path!, whole);
      dirty = false;
      return VIRTIO_BLK_S_OK;
    } catch {
      return VIRTIO_BLK_S_IOERR;
    }
  };

  /** A write reached the disk: through to the host file now, or at the next flush. */
  const writeThrough = (start: number, length: number): number => {
    if (!writeback) return VIRTIO_BLK_S_OK;
    const writeAt = ctx.files?.writeAt;
    if (!writeAt) { dirty = true; return VIRTIO_BLK_S_OK; }
    const end = Math.min(start + length, fileLength); // the rounding up to a sector is ours, not the file's
    if (end <= start) return VIRTIO_BLK_S_OK;
    try {
      const bytes = new Uint8Array(end - start);
      disk.read(start, bytes);
      writeAt(path!, start, bytes);
      return VIRTIO_BLK_S_OK;
    } catch {
      return VIRTIO_BLK_S_IOERR;
    }
  };

  const serve = (): void => {
    transport.process(0, (q) => {
      for (let chain = q.pop(); chain; chain = q.pop()) {
        const inLen = total(chain.readable);
        const outLen = total(chain.writable);
        if (inLen < 16 || outLen < 1) throw new VirtqueueError('block request without a header or a status byte');
        const hdr = new DataView(q.gather(chain.readable, 0, 16).buffer);
        const type = hdr.getUint32(0, true);
        const sector = hdr.getUint32(8, true) + hdr.getUint32(12, true) * 0x100000000;
        const start = sector * SECTOR;
        const dataOut = inLen - 16; // bytes the driver sends after the header
        const dataIn = outLen - 1; // room before the status byte
        let status = VIRTIO_BLK_S_OK;
        let written = 0;
        switch (type) {
          case VIRTIO_BLK_T_IN:
            if (start + dataIn > disk.length) {
              status = VIRTIO_BLK_S_IOERR;
            } else {
              q.forEach(chain.writable, 0, dataIn, (addr, len, at) => {
                const bytes = new Uint8Array(len);
                disk.read(start + at, bytes);
                q.store(addr, bytes);
              });
              written = dataIn;
            }
            break;
          case VIRTIO_BLK_T_OUT:
            if (start + dataOut > disk.length) {
              status = VIRTIO_BLK_S_IOERR;
            } else {
              q.forEach(chain.readable, 16, dataOut, (addr, len, at) => disk.write(start + at, q.read({ addr, len })));
              if (dataOut > 0) status = writeThrough(start, dataOut);
            }
            break;
          case VIRTIO_BLK_T_FLUSH:
            status = flush();
            break;
          case VIRTIO_BLK_T_GET_ID: {
            const n = Math.min(ID_BYTES, dataIn);
            written = q.scatter(chain.writable, id.subarray(0, n));
            break;
          }
          default:
            status = VIRTIO_BLK_S_UNSUPP;
        }
        // The status byte is the last writable byte of the chain.
        q.forEach(chain.writable, outLen - 1, 1, (addr) => q.store(addr, Uint8Array.of(status)));
        q.push(chain.head, written + 1);
      }
    });
  };

  return {
    deviceId: 2,
    features: VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH,
    queueMax: [QUEUE_MAX],
    config,
    notify(index: number): void {
      if (index === 0) serve();
    },
    // The disk's contents survive a device reset, as a real disk's do.
    reset(): void {},
    // Requests complete within the notify that posts them: nothing is in flight between instructions.
    save: () => ({ dirty, disk: disk.save() }),
    restore(state: SavedState): void {
      const o = asObject(state, 'virtio-blk');
      const wasDirty = bool(o, 'dirty', 'virtio-blk');
      disk.restore(o.disk ?? null);
      dirty = wasDirty;
    },
  };
}
