/**
 * Inputs dtc 1.6.1 rejects: each must give a located error (file, line, column, the source line) and never an
 * exception. expected.json records dtc's own verdict and line (regen-goldens.sh).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../src/dts/index.js';

const DIR = 'test/dts/malformed';
const expected = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, { dtcExit: number; line: number | null }>;

/**
 * Where tsvisor accepts what dtc rejects, on purpose: dtc's char-literal pattern runs `'\\'` on to the next quote,
 * its `//` comment needs a trailing newline, and it has no `&{label/path}` references.
 */
const ACCEPTED = new Set(['char-literal-backslash.dts', 'line-comment-at-eof.dts']);

describe.each(Object.keys(expected).filter((f) => !ACCEPTED.has(f)))('%s', (file) => {
  it('is rejected with a located error', () => {
    const r = compileFile(`${DIR}/${file}`, { includePaths: [DIR] });
    expect(r.ok).toBe(false);
    const err = r.diagnostics.find((d) => d.severity === 'error')!;
    expect(err.file).toMatch(/malformed\//);
    expect(err.line).toBeGreaterThan(0);
    expect(err.column).toBeGreaterThan(0);
    expect(err.sourceLine).toBeDefined();
    const lines = readFileSync(`${DIR}/${file}`, 'latin1').split('\n').length;
    expect(err.line).toBeLessThanOrEqual(lines);
    // dtc names the enclosing node for reference errors; we point at the reference, which is never earlier.
    const dtcLine = expected[file]!.line;
    if (dtcLine !== null) expect(err.line).toBeGreaterThanOrEqual(dtcLine);
  });
});

describe('deliberate extensions over dtc', () => {
  it("reads '\\\\' as a backslash character literal", () => {
    const r = compileFile(`${DIR}/char-literal-backslash.dts`);
    expect(r.ok).toBe(true);
    expect(Array.from(r.tree!.root.getProp('a')!.value.bytes)).toEqual([0, 0, 0, 0x5c]);
  });

  it('accepts a // comment on the last line without a newline', () => {
    expect(compileFile(`${DIR}/line-comment-at-eof.dts`).ok).toBe(true);
  });
});
