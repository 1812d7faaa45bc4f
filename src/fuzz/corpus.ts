/** The seed inputs: the DTS fixtures of the test suite and the board and guest files. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is src/fuzz/ or dist/fuzz/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface SeedFile {
  /** Absolute path: includes resolve against it. */
  readonly path: string;
  readonly text: string;
}

const dtsIn = (dir: string): SeedFile[] => {
  const abs = join(ROOT, dir);
  let names: string[];
  try { names = readdirSync(abs); } catch { return []; }
  return names.filter((n) => /\.dtsi?$/.test(n)).sort()
    .map((n) => join(abs, n)).filter((p) => statSync(p).isFile())
    .map((path) => ({ path, text: readFileSync(path, 'latin1') }));
};

let dtsCache: SeedFile[] | undefined;
/** test/dts/fixtures, boards and guests/dts. */
export function dtsSeeds(): SeedFile[] {
  dtsCache ??= [...dtsIn('test/dts/fixtures'), ...dtsIn('boards'), ...dtsIn('guests/dts')].filter((f) => f.text.length < 64 * 1024);
  return dtsCache;
}

let configCache: SeedFile[] | undefined;
/** The board and guest files (what `validate` reads). */
export function configSeeds(): SeedFile[] {
  configCache ??= [...dtsIn('boards'), ...dtsIn('guests/dts')].filter((f) => f.path.endsWith('.dts'));
  return configCache;
}
