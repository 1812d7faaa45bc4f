/** Maps the dtc flags used in fixtures (`// dtc-flags: ...`) to toolchain options. */
import { readFileSync } from 'node:fs';
import type { BlobOptions, CompileOptions } from '../../src/dts/index.js';

export interface FixtureFlags {
  compile: CompileOptions;
  blob: BlobOptions;
  force: boolean;
}

export function fixtureFlags(path: string): FixtureFlags {
  const first = readFileSync(path, 'latin1').split('\n')[0] ?? '';
  const m = /^\/\/ dtc-flags:(.*)$/.exec(first);
  const args = m ? m[1]!.trim().split(/\s+/) : [];
  const flags: FixtureFlags = { compile: {}, blob: {}, force: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = () => args[++i]!;
    if (a === '-H') flags.compile.phandleFormat = next() as CompileOptions['phandleFormat'];
    else if (a === '-b') flags.blob.bootCpuid = Number(next());
    else if (a === '-R') flags.blob.reserveSlots = Number(next());
    else if (a === '-p') flags.blob.padSize = Number(next());
    else if (a === '-S') flags.blob.minSize = Number(next());
    else if (a === '-f') flags.force = true;
    else throw new Error(`fixture flag ${a} not understood by the test harness`);
  }
  return flags;
}
