/** Host files the guests' devices name (a virtio disk's `blkdev`), relative to the folder of the file naming them. */
import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DeviceContext } from '../devices/device.js';
import { hostFileSize, readHostFile } from './host-file.js';

/** Largest host file a device reads whole: 1 GiB. */
export const MAX_DEVICE_FILE_BYTES = 1024 * 1024 * 1024;
/** Largest disk image read on demand: 1 TiB (virtio-blk's capacity is counted in sectors; this is a sanity bound). */
export const MAX_DISK_FILE_BYTES = 1024 ** 4;

export function hostFiles(folder: string): NonNullable<DeviceContext['files']> {
  return {
    // A regular file within the limit, checked before it is read (a FIFO or /dev/zero as a disk is refused).
    read: (path) => {
      const r = readHostFile(resolve(folder, path), MAX_DEVICE_FILE_BYTES, 'disk image');
      if (!r.ok) throw new Error(r.error);
      return r.data;
    },
    // Checked as a whole read is (a regular file within the limit), then read where the guest reads.
    open: (path) => {
      const file = resolve(folder, path);
      const r = hostFileSize(file, 'disk image');
      if (!r.ok) throw new Error(r.error);
      if (r.size > MAX_DISK_FILE_BYTES) throw new Error(`disk image ${file}: larger than ${MAX_DISK_FILE_BYTES} bytes`);
      return {
        size: r.size,
        readAt: (offset, out) => {
          const fd = openSync(file, 'r');
          try {
            for (let at = 0; at < out.length;) {
              const n = readSync(fd, out, at, out.length - at, offset + at);
              if (n === 0) break; // the file shrank: the rest reads as zeros
              at += n;
            }
          } finally {
            closeSync(fd);
          }
        },
      };
    },
    write: (path, bytes) => writeFileSync(resolve(folder, path), bytes),
    writeAt: (path, offset, bytes) => {
      const fd = openSync(resolve(folder, path), 'r+');
      try {
        writeSync(fd, bytes, 0, bytes.length, offset);
      } finally {
        closeSync(fd);
      }
    },
  };
}
