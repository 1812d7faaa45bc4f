/**
 * How the toolchain reaches files: `/include/`, `/incbin/` and the input itself. Injected so that tests and
 * embedders can compile from memory; the default reads the host filesystem.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export interface FileReader {
  /** The file's bytes, or undefined when it does not exist or cannot be read. */
  read(path: string): Uint8Array | undefined;
}

export const hostFiles: FileReader = {
  read(path: string): Uint8Array | undefined {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  },
};

/** An in-memory file set, for tests and generated sources. */
export function memoryFiles(files: Record<string, string | Uint8Array>): FileReader {
  return {
    read(path: string): Uint8Array | undefined {
      const f = files[path];
      if (f === undefined) return undefined;
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
  };
}

/**
 * dtc's lookup: the directory of the file that asks first, then each search path in turn. Absolute names are
 * used as they are.
 */
export function findFile(
  files: FileReader,
  name: string,
  fromFile: string | undefined,
  searchPaths: readonly string[],
): { path: string; data: Uint8Array } | undefined {
  if (isAbsolute(name)) {
    const data = files.read(name);
    return data ? { path: name, data } : undefined;
  }
  const candidates = [fromFile !== undefined ? join(dirname(fromFile), name) : name, ...searchPaths.map((d) => join(d, name))];
  for (const path of candidates) {
    const data = files.read(path);
    if (data) return { path, data };
  }
  return undefined;
}
