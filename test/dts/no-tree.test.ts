/**
 * Input with no DTS token at all gets a located diagnostic, as dtc 1.6.1 gives a syntax error at the end of its
 * input (and exits 1); a NUL in a line marker's file name is an error, as in dtc, and never reaches a file name.
 */
import { describe, expect, it } from 'vitest';
import { compileSource, formatPlain } from '../../src/dts/index.js';

describe('input without a tree', () => {
  const cases: [string, string, string, number][] = [
    ['empty', '', 'empty.dts', 1],
    ['comments only', '/* c */\n// x\n', 'comments.dts', 3],
    ['#define only', '#define X 1\n', 'define.dts', 1],
    ['line markers only', '# 1 "foo.dts"\n# 1 "<built-in>"\n', '<built-in>', 1],
  ];
  it.each(cases)('%s: a located error', (_what, text, file, line) => {
    const path = file.endsWith('.dts') ? file : 'markers.dts';
    const r = compileSource(text, path);
    expect(r.ok).toBe(false);
    expect(r.tree).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'syntax', file, line, column: 1 });
    expect(r.diagnostics[0]!.message).toMatch(/no device tree in the input/);
  });
});

describe('NUL in line markers', () => {
  it.each([
    ['raw', '# 1 "a\0b.dts"\n/dts-v1/;\n/ { };\n'],
    ['escaped', '# 1 "a\\000b.dts"\n/dts-v1/;\n/ { x = <; };\n'],
    ['#line', '#line 3 "x\0y"\n#define A\n/dts-v1/;\n/ { };\n'],
  ])('%s: rejected, and the name never carries the NUL', (_what, text) => {
    const r = compileSource(text, 'nul.dts');
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]!.message).toMatch(/NUL in the file name/);
    for (const d of r.diagnostics) expect(formatPlain(d)).not.toContain('\0');
  });
});
