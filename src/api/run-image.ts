/**
 * `runImage`: one guest image run to its end, as `tsvisor run` runs it, with defaults for everything but the guest
 * and the image: the built-in device emulators, a 10 s virtual-time limit, host files relative to the guest file,
 * the console collected into the result. Throws a {@link ConfigError} for a guest file or image that cannot be
 * used (missing, with errors, too large for the guest's memory).
 */
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildDevice } from '../devices/registry.js';
import { ConfigError } from '../vmm/config/config-error.js';
import { readGuest } from '../vmm/config/read-config.js';
import type { GuestConfig } from '../vmm/config/types.js';
import { memoryRegions } from '../vmm/guest-instance.js';
import { readHostFile } from '../vmm/host-file.js';
import { hostFiles } from '../vmm/host-files.js';
import { runImage as runGuest, type RunImageOptions, type RunImageResult } from '../vmm/run-image.js';

/** Default limit of guest virtual time, seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Console bytes kept in the result (the first ones; `output` sees every byte). */
const MAX_CONSOLE_BYTES = 16 * 1024 * 1024;

export interface RunOptions extends Partial<Omit<RunImageOptions, 'guest' | 'image' | 'initrd'>> {
  /** The guest: a guest DTS or DTB file (Xvisor's guest format), or a configuration already built. */
  readonly guest: string | GuestConfig;
  /** The image: a file or its bytes. ELF loads at its addresses, raw at `start_pc` (or `loadAddress`); gzip is unpacked. */
  readonly image: string | Uint8Array;
  /** An initial ramdisk (a file or its bytes), loaded as QEMU's -initrd loads it. */
  readonly initrd?: string | Uint8Array;
  /** For a guest file: RAM for its `mem0` alias in bytes (default 128 MiB when the file leaves the size to the loader). */
  readonly memory?: number;
  /** For a guest file: `<alias>,<attr>,<type>,<value>` overrides, as `vfs guest_fdt_load` takes them. */
  readonly overrides?: readonly string[];
  /** For a guest file: more folders searched for its includes. */
  readonly include?: readonly string[];
}

export interface RunResult extends RunImageResult {
  /** What the guest printed on its consoles (the first 16 MiB), as Latin-1 text. */
  readonly console: string;
}

export function runImage(options: RunOptions): RunResult {
  const { guest: given, image: imageIn, initrd: initrdIn, memory, overrides, include, ...rest } = options;
  let guest: GuestConfig;
  let folder = process.cwd();
  if (typeof given === 'string') {
    const read = readGuest(given, { vcpus: options.vcpus, memory, overrides, include });
    if (!read.ok) throw new ConfigError(`guest ${given}`, read.diagnostics);
    guest = read.guest;
    folder = dirname(given);
  } else {
    guest = given;
  }
  // The image (after gunzip) and the initrd must fit the guest's memory: a bigger file is refused before it is read.
  const limit = memoryRegions(guest).filter((r) => r.aliasOf === undefined).reduce((n, r) => n + r.size, 0);
  const image = gunzipped(bytesOf(imageIn, limit, 'image'), limit);
  const initrd = initrdIn === undefined ? undefined : bytesOf(initrdIn, limit, 'initrd');

  const chunks: Uint8Array[] = [];
  let kept = 0;
  const output = rest.output;
  const result = runGuest({
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, buildDevice, files: hostFiles(folder), ...rest,
    guest, image, initrd,
    output: (vserial, bytes) => {
      if (kept < MAX_CONSOLE_BYTES) {
        const part = bytes.subarray(0, MAX_CONSOLE_BYTES - kept);
        chunks.push(part.slice());
        kept += part.length;
      }
      output?.(vserial, bytes);
    },
  });
  return { ...result, console: Buffer.concat(chunks).toString('latin1') };
}

function bytesOf(input: string | Uint8Array, limit: number, what: string): Uint8Array {
  if (typeof input !== 'string') return input;
  const read = readHostFile(input, limit, what);
  if (!read.ok) throw new ConfigError(what, [{ severity: 'error', code: 'read', message: read.error.replace(/ limit$/, " limit (the guest's memory)"), file: input }]);
  return read.data;
}

/** A gzip-compressed image unpacked (no larger than the guest's memory), as `tsvisor run` and QEMU's loader do. */
function gunzipped(bytes: Uint8Array, limit: number): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    throw new ConfigError('image', [{ severity: 'error', code: 'gzip', message: `cannot unpack the gzip image: ${e instanceof Error ? e.message : String(e)}` }]);
  }
}
