/** Host files the guests' devices name (a virtio disk's `blkdev`), relative to the folder of the file naming them. */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DeviceContext } from '../devices/device.js';
import { readHostFile } from '../vmm/host-file.js';

/** Largest host file a device reads whole (a virtio disk image, copied into memory): 1 GiB. */
export const MAX_DEVICE_FILE_BYTES = 1024 * 1024 * 1024;

export function hostFiles(folder: string): NonNullable<DeviceContext['files']> {
  return {
    // A regular file within the limit, checked before it is read (a FIFO or /dev/zero as a disk is refused).
    read: (path) => {
      const r = readHostFile(resolve(folder, path), MAX_DEVICE_FILE_BYTES, 'disk image');
      if (!r.ok) throw new Error(r.error);
      return r.data;
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
