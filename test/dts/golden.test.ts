/**
 * Byte-for-byte comparison with dtc 1.6.1 on the fixture corpus: DTB, DTB with -@, DTS output, and the DTS
 * dtc prints when reading our DTB back. Goldens come from test/dts/regen-goldens.sh.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, loadBlob, toBlob, toDts, compileSource } from '../../src/dts/index.js';
import { fixtureFlags } from './dtc-args.js';

const FIXTURES = 'test/dts/fixtures';
const GOLDEN = 'test/dts/golden';
const names = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.dts'))
  .map((f) => f.slice(0, -4))
  .sort();

/**
 * The one place we differ from dtc on purpose: dtc prints a byte >= 0x80 in a string as \xffffffNN (a sign-extended
 * char), which does not read back as the same byte. We print \xNN.
 */
function dtcDts(path: string): string {
  return readFileSync(path, 'latin1').replace(/\\xffffff([0-9a-f]{2})/g, '\\x$1');
}

function hexdiff(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `first difference at byte ${i} (0x${i.toString(16)}): ours ${a[i]} dtc ${b[i]}; sizes ${a.length} vs ${b.length}`;
  }
  return 'identical';
}

describe.each(names)('%s', (name) => {
  const path = join(FIXTURES, `${name}.dts`);
  const flags = fixtureFlags(path);
  const opts = { ...flags.compile, includePaths: [FIXTURES] };

  it('compiles to the same DTB as dtc', () => {
    const r = compileFile(path, opts);
    expect(r.diagnostics.filter((d) => d.severity === 'error' && !flags.force)).toEqual([]);
    const ours = toBlob(r.tree!, flags.blob);
    const ref = new Uint8Array(readFileSync(join(GOLDEN, `${name}.dtb`)));
    expect(hexdiff(ours, ref)).toBe('identical');
  });

  it('compiles with -@ to the same DTB as dtc', () => {
    const r = compileFile(path, { ...opts, symbols: true });
    const ours = toBlob(r.tree!, flags.blob);
    const ref = new Uint8Array(readFileSync(join(GOLDEN, `${name}.sym.dtb`)));
    expect(hexdiff(ours, ref)).toBe('identical');
  });

  it('prints the same DTS as dtc', () => {
    const r = compileFile(path, opts);
    expect(toDts(r.tree!)).toBe(dtcDts(join(GOLDEN, `${name}.dts`)));
  });

  it('reads the DTB back to the same DTS as dtc, and DTB → DTS → DTB is the identity', () => {
    const ref = new Uint8Array(readFileSync(join(GOLDEN, `${name}.dtb`)));
    const back = loadBlob(ref, `${name}.dtb`, flags.compile);
    if (!flags.force) expect(back.ok).toBe(true);
    const dts = toDts(back.tree!);
    expect(dts).toBe(dtcDts(join(GOLDEN, `${name}.rt.dts`)));
    const again = compileSource(dts, `${name}.rt.dts`, flags.compile);
    if (flags.force) return;
    expect(again.ok).toBe(true);
    const blobOpts = { ...flags.blob, bootCpuid: back.tree!.bootCpuid };
    const reread = toBlob(back.tree!, blobOpts);
    expect(hexdiff(toBlob(again.tree!, blobOpts), reread)).toBe('identical');
    // A /memreserve/ of 0 0 reads as the map's terminator, so that fixture loses entries by design of the format.
    if (name !== 'memreserve') expect(hexdiff(reread, ref)).toBe('identical');
  });
});
