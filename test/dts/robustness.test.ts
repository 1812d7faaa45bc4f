/**
 * No input makes the toolchain throw or hang: random bytes, every truncation of real sources, random edits,
 * extreme nesting and corrupted blobs all end in diagnostics.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource, loadBlob, toBlob } from '../../src/dts/index.js';
import { MAX_EXPANSION_WORK, MAX_EXPR_DEPTH, MAX_MACRO_DEPTH, MAX_NODE_DEPTH } from '../../src/dts/limits.js';

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

  it('limits nesting instead of overflowing the stack (limits.ts), with located errors', () => {
    const nodes = (n: number) => '/dts-v1/;\n/ {' + ' a {'.repeat(n) + ' };'.repeat(n) + ' };';
    expect(compileSource(nodes(MAX_NODE_DEPTH), 'deep.dts').ok).toBe(true);
    const deep = compileSource(nodes(MAX_NODE_DEPTH + 1), 'deep.dts');
    expect(deep.ok).toBe(false);
    expect(deep.diagnostics[0]).toMatchObject({ message: `nodes nested more than ${MAX_NODE_DEPTH} deep`, line: 2 });
    // Merging into a deep node makes the tree deeper than any one block: refused too, at the node.
    const half = MAX_NODE_DEPTH - 10;
    const labelled = '/dts-v1/;\n/ {' + ' a {'.repeat(half - 1) + ' l: a {' + ' };'.repeat(half) + ' };';
    const merged = compileSource(labelled + '\n&l {' + ' b {'.repeat(20) + ' };'.repeat(20) + ' };', 'deep.dts');
    expect(merged.diagnostics[0]).toMatchObject({ message: `nodes nested more than ${MAX_NODE_DEPTH} deep`, line: 3 });
    const expr = (n: number, open: string, close = '') => `/dts-v1/;\n/ { p = <(${open.repeat(n)}1${close.repeat(n)})>; };`;
    for (const [open, close] of [['(', ')'], ['!', ''], ['-', ''], ['~', ''], ['1?', ':1']] as const) {
      const ok = compileSource(expr(MAX_EXPR_DEPTH - 2, open, close), 'deep.dts');
      expect(ok.diagnostics.filter((d) => d.severity === 'error'), open).toEqual([]);
      const bad = compileSource(expr(MAX_EXPR_DEPTH + 1, open, close), 'deep.dts');
      expect(bad.diagnostics[0], open).toMatchObject({ message: `syntax error: expression nested more than ${MAX_EXPR_DEPTH} deep`, line: 2 });
    }
    const cppIf = (n: number) => `#if ${'('.repeat(n)}1${')'.repeat(n)} && ${'!'.repeat(n)}0\n/dts-v1/;\n#endif\n/ { };\n`;
    expect(compileSource(cppIf(MAX_EXPR_DEPTH - 1), 'deep.dts').diagnostics).toEqual([]);
    expect(compileSource(cppIf(MAX_EXPR_DEPTH + 1), 'deep.dts').diagnostics[0]).toMatchObject({ line: 1, message: `expression nested more than ${MAX_EXPR_DEPTH} deep` });
    const macro = (n: number) => `#define F(x) (x)\n/dts-v1/;\n/ { p = <${'F('.repeat(n)}1${')'.repeat(n)}>; };\n`;
    expect(compileSource(macro(MAX_MACRO_DEPTH), 'deep.dts').ok).toBe(true);
    expect(compileSource(macro(MAX_MACRO_DEPTH + 1), 'deep.dts').diagnostics[0]).toMatchObject({ line: 3, message: `macro invocations nested more than ${MAX_MACRO_DEPTH} deep` });
  });

  it('bounds the work of macro expansion, not only its depth (found by the DTS fuzz)', () => {
    // A nest at the depth limit around a long argument: each level reads the whole argument again.
    const nest = `#define F(x) x\n/dts-v1/;\n/ { p = <${'F('.repeat(MAX_MACRO_DEPTH)}${'&{/n'.repeat(4000)}${')'.repeat(MAX_MACRO_DEPTH)}>; };\n`;
    const wide = compileSource(nest, 'nest.dts');
    expect(wide.diagnostics[0]).toMatchObject({ file: 'nest.dts', line: 3, message: `macro expansion too large: more than ${MAX_EXPANSION_WORK} tokens read and copied by macro expansions` });
    // A short nest of a macro with a long body: each level copies everything the levels inside it made.
    const body = `#define F(x) ${'n{'.repeat(2000)}${'};'.repeat(2000)}x\n/dts-v1/;\n/ { p = <${'F('.repeat(40)}1${')'.repeat(40)}>; };\n`;
    expect(compileSource(body, 'body.dts').diagnostics[0]).toMatchObject({ file: 'body.dts', line: 3, message: expect.stringContaining('macro expansion too large') });
    // Macros that each use the next twice: 2^40 tokens if nothing stopped them.
    const defs = Array.from({ length: 40 }, (_, i) => `#define A${i + 1} A${i} A${i}`).join('\n');
    const doubling = compileSource(`#define A0 1\n${defs}\n/dts-v1/;\n/ { p = <A40>; };\n`, 'double.dts');
    expect(doubling.diagnostics[0]).toMatchObject({ file: 'double.dts', line: 43, message: expect.stringContaining('macro expansion too large') });
  });

  it('locates diagnostics after a #line that names no place (#line 0 "", as GCC accepts)', () => {
    const r = compileSource('/**//{\n#line 0 ""\ns 2\n', 'line0.dts');
    expect(r.diagnostics[0]).toMatchObject({ file: 'line0.dts', line: 3, column: 3, message: expect.stringContaining('syntax error') });
  });

  it('reads back its own DTB of the deepest tree it accepts', () => {
    const src = '/dts-v1/;\n/ {' + ' a {'.repeat(MAX_NODE_DEPTH) + ' };'.repeat(MAX_NODE_DEPTH) + ' };';
    const blob = toBlob(compileSource(src, 'deep.dts').tree!);
    const back = loadBlob(blob, 'deep.dtb');
    expect(back.ok).toBe(true);
    expect(Buffer.compare(Buffer.from(toBlob(back.tree!)), Buffer.from(blob))).toBe(0);
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
