/**
 * DTB versions 1, 2, 3 and 16 against dtc 1.6.1's `-V N` (golden/versions, from regen-goldens.sh): tsvisor writes
 * the same bytes, reads them back to the tree dtc reads, and writes that tree back unchanged. Also DTBs dtc cannot
 * make from source (test/dts/fixtures-dtb): a named root, NOPs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, fromBlob, loadBlob, toBlob, toDts } from '../../src/dts/index.js';

const FIX = 'test/dts/fixtures';
const GOLD = 'test/dts/golden';
const NAMES = ['minimal', 'riscv-virt', 'memreserve', 'strings-lists', 'name-prop'];
const VERSIONS = [1, 2, 3, 16];

function bytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** dtc drops reserve entries after a `/memreserve/ 0 0`; tsvisor keeps them (see dtb.ts). */
function dtcReadBack(text: string): string {
  return text.replace(
    '/memreserve/\t0xffffffff00000000 0x0000000000000001;\n/ {',
    '/memreserve/\t0xffffffff00000000 0x0000000000000001;\n/memreserve/\t0x0000000000000000 0x0000000000000000;\n/memreserve/\t0x0000000000002000 0x0000000000000010;\n/ {',
  );
}

describe.each(NAMES.flatMap((n) => VERSIONS.map((v) => [n, v] as const)))('%s, version %i', (name, v) => {
  const golden = bytes(join(GOLD, 'versions', `${name}.v${v}.dtb`));

  it('is written byte for byte as dtc -V writes it', () => {
    const r = compileFile(join(FIX, `${name}.dts`), { includePaths: [FIX] });
    expect(same(toBlob(r.tree!, { version: v }), golden)).toBe(true);
  });

  it('reads back as dtc reads it, and DTB → tree → DTB is the identity', () => {
    const raw = fromBlob(golden);
    expect(same(toBlob(raw, { version: v, bootCpuid: raw.bootCpuid, reserveSlots: raw.reserveSlots ?? 0 }), golden)).toBe(true);
    const back = loadBlob(golden, `${name}.v${v}.dtb`);
    expect(back.ok).toBe(true);
    expect(toDts(back.tree!)).toBe(dtcReadBack(readFileSync(join(GOLD, 'versions', `${name}.v${v}.dts`), 'latin1')));
    // The same tree as version 17 is dtc's ordinary DTB of the source.
    expect(same(toBlob(back.tree!, { bootCpuid: back.tree!.bootCpuid }), bytes(join(GOLD, `${name}.dtb`)))).toBe(true);
  });
});

describe('DTBs dtc cannot make from source', () => {
  for (const name of ['named-root', 'nop-after-root', 'nop-in-node']) {
    it(`${name}: as dtc reads it`, () => {
      const input = bytes(`test/dts/fixtures-dtb/${name}.dtb`);
      const r = loadBlob(input, `${name}.dtb`);
      if (existsSync(join(GOLD, 'dtb', `${name}.rejected`))) {
        expect(r.ok).toBe(false);
        expect(r.diagnostics[0]!.message).toMatch(/does not end with FDT_END/);
        return;
      }
      expect(r.ok).toBe(true);
      expect(toDts(r.tree!)).toBe(readFileSync(join(GOLD, 'dtb', `${name}.dts`), 'latin1'));
      expect(same(toBlob(r.tree!, { bootCpuid: r.tree!.bootCpuid }), bytes(join(GOLD, 'dtb', `${name}.dtb`)))).toBe(true);
    });
  }
});
