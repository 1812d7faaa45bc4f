/** Host files the guests' devices name (a virtio disk's `blkdev`), relative to the folder of the file naming them. */
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DeviceContext } from '../devices/device.js';

export function hostFiles(folder: string): NonNullable<DeviceContext['files']> {
  return {
    read: (path) => readFileSync(resolve(folder, path)),
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
