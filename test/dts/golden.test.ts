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
  let text = readFileSync(path, 'latin1').replace(/\\xffffff([0-9a-f]{2})/g, '\\x$1');
  for (const [wrong, right] of DTC_PRINT_FAULTS) text = text.replace(wrong, right);
  return text;
}

/**
 * Where dtc 1.6.1 prints DTS that does not read back as the same value, tsvisor prints one that does (print.ts):
 * an empty byte string inside a list loses its brackets and comma in dtc's output, an empty cell list at the end
 * its comma. And dtc's DTB reader drops reserve-map entries after an all-zero one (`/memreserve/ 0 0;`), where
 * tsvisor keeps them (dtb.ts) so that the DTB reads back and writes out the same.
 */
const DTC_PRINT_FAULTS: [string, string][] = [
  ['\tstring-bytes-string = "x", [ "y";', '\tstring-bytes-string = "x", [], "y";'],
  ['\tcells-cells = <0x01>, <0x02 0x03> <>;', '\tcells-cells = <0x01>, <0x02 0x03>, <>;'],
  [
    '/memreserve/\t0xffffffff00000000 0x0000000000000001;\n/ {\n\tmodel = "memreserve test";',
    '/memreserve/\t0xffffffff00000000 0x0000000000000001;\n/memreserve/\t0x0000000000000000 0x0000000000000000;\n/memreserve/\t0x0000000000002000 0x0000000000000010;\n/ {\n\tmodel = "memreserve test";',
  ],
];

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

  it('prints DTS that compiles back to the same DTB', () => {
    const r = compileFile(path, opts);
    if (flags.force) return;
    const again = compileSource(toDts(r.tree!), `${name}.out.dts`, flags.compile);
    expect(again.ok).toBe(true);
    expect(hexdiff(toBlob(again.tree!, flags.blob), toBlob(r.tree!, flags.blob))).toBe('identical');
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
    expect(hexdiff(reread, ref)).toBe('identical');
  });
});
