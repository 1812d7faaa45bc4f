/**
 * Reading host files the user names (images, initrds, device trees, shell scripts, load lists) safely: the file is
 * opened without blocking (a FIFO cannot hang the hypervisor), must be a regular file (not a directory, a device
 * such as /dev/zero or /dev/urandom, a FIFO or a socket), and must be no larger than the caller's limit — all
 * checked before a byte is read, so a huge file is refused at once instead of being read whole. Errors are one line
 * that names the file and says the reason in words.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Largest device tree source or blob read from a file (the DTS toolchain has its own node limits). */
export const MAX_DEVICE_TREE_BYTES = 16 * 1024 * 1024;
/** Largest shell script (`vfs run`) or load list (`vfs guest_load_list`). */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

export type HostFileResult = { readonly ok: true; readonly data: Buffer } | { readonly ok: false; readonly error: string };

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EINVAL: 'invalid argument',
  EAGAIN: 'resource temporarily unavailable',
};

/** A file-system error as words ("no such file or directory"), never an exception's stack. */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return REASONS[code];
  if (code) return `cannot be read (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/** What kind of file a stat describes, for "is a ... (not a regular file)". */
function kind(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const MiB = 1024 * 1024;
/** A byte count for messages: exact below 1 MiB, else in MiB. */
export const sizeText = (n: number): string => (n < MiB ? `${n} bytes` : `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`);

/**
 * Read a whole regular file of at most `maxBytes` bytes. `what` names it in errors ("image", "device tree").
 * Never blocks on a FIFO, never reads a device, never reads more than `maxBytes` (+1 to notice a growing file).
 */
export function readHostFile(path: string, maxBytes: number, what = 'file'): HostFileResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, error: `${what} ${path}: ${describeFileError(e)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, error: `${what} ${path}: ${kind(st)}, not a regular file` };
    if (st.size > maxBytes) {
      return { ok: false, error: `${what} ${path}: ${sizeText(st.size)} is larger than the ${sizeText(maxBytes)} limit` };
    }
    const data = Buffer.alloc(st.size);
    let n = 0;
    while (n < data.length) {
      const got = readSync(fd, data, n, data.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n === data.length && readSync(fd, Buffer.alloc(1), 0, 1, n) > 0) {
      return { ok: false, error: `${what} ${path}: the file grew while it was read` };
    }
    return { ok: true, data: n === data.length ? data : data.subarray(0, n) };
  } catch (e) {
    return { ok: false, error: `${what} ${path}: ${describeFileError(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** The size of a regular file, or an error line as {@link readHostFile} gives (for a limit known only later). */
export function hostFileSize(path: string, what = 'file'): { readonly ok: true; readonly size: number } | { readonly ok: false; readonly error: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, error: `${what} ${path}: ${describeFileError(e)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, error: `${what} ${path}: ${kind(st)}, not a regular file` };
    return { ok: true, size: st.size };
  } finally {
    closeSync(fd);
  }
}
