/**
 * The reproducers of issue 18's fuzzing campaign (test/dts/repro, copied from ../shared/reliability/repro): deep
 * expressions, conditionals, macro calls and references, and values whose round trips used to change. Each one
 * compiles to dtc 1.6.1's DTB (golden/repro, made by regen-goldens.sh with GCC's cpp where the file needs it) or
 * gives a located error, never an exception.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, compileSource, fromBlob, loadBlob, toBlob, toDts } from '../../src/dts/index.js';
import { MAX_MACRO_DEPTH } from '../../src/dts/limits.js';

const DIR = 'test/dts/repro';
const GOLD = 'test/dts/golden/repro';
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.dts'))
  .map((f) => f.slice(0, -4))
  .sort();

/** Where tsvisor stops at a documented limit (limits.ts) that cpp + dtc do not have. */
const LIMITED: Record<string, RegExp> = {
  'c1-stack-cpp-macro-nest': new RegExp(`macro invocations nested more than ${MAX_MACRO_DEPTH} deep`),
};

describe.each(names)('%s', (name) => {
  it('gives dtc 1.6.1 DTB byte for byte, or a located error', () => {
    const r = compileFile(join(DIR, `${name}.dts`), { includePaths: [DIR] });
    const golden = join(GOLD, `${name}.dtb`);
    const limited = LIMITED[name];
    if (limited || !existsSync(golden)) {
      expect(r.ok).toBe(false);
      const err = r.diagnostics.find((d) => d.severity === 'error')!;
      expect(err.file).toContain(name);
      expect(err.line).toBeGreaterThan(0);
      expect(err.column).toBeGreaterThan(0);
      if (limited) expect(err.message).toMatch(limited);
      return;
    }
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Buffer.compare(Buffer.from(toBlob(r.tree!)), readFileSync(golden))).toBe(0);
  });

  it.skipIf(LIMITED[name] !== undefined || !existsSync(join(GOLD, `${name}.dtb`)))('round-trips exactly: DTB → tree → DTB, DTB → DTS → DTB, DTS → DTS → DTB', () => {
    const dtb = new Uint8Array(readFileSync(join(GOLD, `${name}.dtb`)));
    const read = fromBlob(dtb);
    const header = { bootCpuid: read.bootCpuid, reserveSlots: read.reserveSlots ?? 0 };
    expect(Buffer.compare(Buffer.from(toBlob(read, header)), dtb)).toBe(0);
    const viaDts = compileSource(toDts(loadBlob(dtb, `${name}.dtb`).tree!), `${name}.rt.dts`);
    expect(viaDts.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Buffer.compare(Buffer.from(toBlob(viaDts.tree!, header)), dtb)).toBe(0);
    const printed = toDts(compileFile(join(DIR, `${name}.dts`), { includePaths: [DIR] }).tree!);
    const again = compileSource(printed, `${name}.out.dts`);
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Buffer.compare(Buffer.from(toBlob(again.tree!, { bootCpuid: read.bootCpuid })), dtb)).toBe(0);
  });
});
