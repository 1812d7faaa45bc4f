/**
 * No input makes the toolchain throw or hang: random bytes, every truncation of real sources, random edits,
 * extreme nesting and corrupted blobs all end in diagnostics.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource, loadBlob, toBlob } from '../../src/dts/index.js';

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function compileQuietly(text: string): { ok: boolean; located: boolean } {
  const r = compileSource(text, 'fuzz.dts');
  const err = r.diagnostics.find((d) => d.severity === 'error');
  return { ok: r.ok, located: !err || (err.line !== undefined && err.column !== undefined) || err.file === undefined };
}

const virt = readFileSync('test/dts/fixtures/riscv-virt.dts', 'latin1');

describe('malformed source', () => {
  it('survives 500 random byte strings', () => {
    const r = rng(1);
    for (let i = 0; i < 500; i++) {
      let s = '';
      const n = Math.floor(r() * 200);
      for (let k = 0; k < n; k++) s += String.fromCharCode(Math.floor(r() * 256));
      expect(() => compileQuietly(s)).not.toThrow();
    }
  });

  it('rejects every truncation of a real board file with a located error', () => {
    const whole = compileSource(virt, 'virt.dts');
    expect(whole.ok).toBe(true);
    for (let cut = 0; cut < virt.length - 3; cut += 7) {
      const r = compileSource(virt.slice(0, cut), 'virt.dts');
      if (r.ok) continue; // a cut after a complete `};` can still be a valid tree
      const err = r.diagnostics.find((d) => d.severity === 'error')!;
      expect(err.line, `cut at ${cut}`).toBeGreaterThan(0);
    }
  });

  it('survives 1000 random edits of a real board file', () => {
    const r = rng(7);
    const alphabet = '{}<>[]();=,&/:"\'#@0x1aZ \n-+*~!?|^%\\';
    for (let i = 0; i < 1000; i++) {
      const chars = virt.split('');
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * chars.length);
        const op = r();
        if (op < 0.33) chars.splice(at, 1);
        else if (op < 0.66) chars.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]!);
        else chars[at] = alphabet[Math.floor(r() * alphabet.length)]!;
      }
      const res = compileQuietly(chars.join(''));
      expect(res.located).toBe(true);
    }
  });

  it('limits nesting instead of overflowing the stack', () => {
    const deep = '/dts-v1/;\n/ {' + 'a {'.repeat(5000) + '};'.repeat(5000) + '};';
    const r = compileSource(deep, 'deep.dts');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.message).toMatch(/nested more than 256 deep/);
    const parens = '/dts-v1/;\n/ { p = <' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '>; };';
    expect(compileSource(parens, 'deep.dts').diagnostics[0]!.message).toMatch(/parentheses nested/);
  });

  it('reports numbers too large for 64 bits at the literal', () => {
    const r = compileSource('/dts-v1/;\n/ { p = <0x1ffffffffffffffffffff>; };\n', 'big.dts');
    expect(r.diagnostics[0]).toMatchObject({ line: 2, column: 10, message: "integer literal '0x1ffffffffffffffffffff' out of range" });
  });
});

describe('malformed blobs', () => {
  const good = toBlob(compileSource(virt, 'virt.dts').tree!);

  it('reports every truncation of a DTB as an error, never an exception', () => {
    for (let cut = 0; cut < good.length; cut += 3) {
      const r = loadBlob(good.slice(0, cut), 'cut.dtb');
      expect(r.ok, `cut at ${cut}`).toBe(false);
      expect(r.diagnostics[0]!.message).toMatch(/cut\.dtb/);
    }
  });

  it('survives 2000 random byte corruptions of a DTB', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const b = good.slice();
      for (let k = 0; k < 4; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      expect(() => loadBlob(b, 'bad.dtb')).not.toThrow();
    }
  });

  it('refuses data that is not a DTB', () => {
    const r = loadBlob(new TextEncoder().encode('/dts-v1/; / { };' + ' '.repeat(40)), 'x.dtb');
    expect(r.diagnostics[0]!.message).toMatch(/bad magic/);
  });
});
