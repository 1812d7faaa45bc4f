/**
 * The hand lexer and parser (src/dts/lexer.ts, parser.ts) against chevrotain's, which they stand in for on
 * well-formed input: the same tokens (positions included) and the same AST for every source here, for their
 * truncations and for random edits of their token streams; and where one gives up, the other reports an error.
 * chevrotain's own checks of the token and grammar definitions run here too (production skips them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IToken, TokenType } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { chevrotainLexer, handTokenize, REGEX_START_CHARS } from '../../src/dts/lexer.js';
import { chevrotainParser, foldExpressions, handParse } from '../../src/dts/parser.js';
import { allTokens, setInitialMode, type Mode } from '../../src/dts/tokens.js';
import { Rng } from '../../src/fuzz/prng.js';


function sources(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of ['test/dts/fixtures', 'test/dts/golden', 'test/dts/malformed', 'test/dts/repro', 'boards', 'guests/dts']) {
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (/\.dtsi?$/.test(f)) out.push({ name: join(dir, f), text: readFileSync(join(dir, f), 'latin1') });
    }
  }
  return out;
}

const all = sources();
const lexer = chevrotainLexer();
const parser = chevrotainParser();

function lexBoth(text: string, mode: Mode = 'value'): IToken[] | undefined {
  setInitialMode(mode);
  try {
    const hand = handTokenize(text);
    const ref = lexer.tokenize(text);
    if (hand === undefined) {
      expect(ref.errors.length).toBeGreaterThan(0);
      return undefined;
    }
    expect(ref.errors).toEqual([]);
    expect(hand.tokens).toStrictEqual(ref.tokens);
    expect(hand.groups).toStrictEqual(ref.groups);
    return hand.tokens;
  } finally {
    setInitialMode('value');
  }
}

/** Parses with both; returns whether the input parsed. */
function parseBoth(tokens: IToken[]): boolean {
  const f = foldExpressions(tokens);
  if (f.error) return false;
  const hand = handParse(f.tokens);
  parser.input = f.tokens;
  const ast = parser.file();
  if (parser.errors.length > 0) {
    expect(hand).toBeUndefined();
    return false;
  }
  expect(hand).toStrictEqual(ast);
  return true;
}

describe('chevrotain definitions', () => {
  it('the tokens and the grammar pass chevrotain\'s validations', () => {
    expect(() => chevrotainLexer(true)).not.toThrow();
    expect(chevrotainLexer(true).lexerDefinitionErrors).toEqual([]);
    expect(() => chevrotainParser(true)).not.toThrow();
  });

  it('the hand lexer tries every token chevrotain would at each first character, and counts lines as it does', () => {
    const optimized = chevrotainLexer(true) as unknown as {
      canModeBeOptimized: Record<string, boolean>;
      charCodeToPatternIdxToConfig: Record<string, ({ tokenType: TokenType }[] | undefined)[]>;
      patternIdxToConfig: Record<string, { tokenType: TokenType; canLineTerminator: boolean }[]>;
    };
    expect(optimized.canModeBeOptimized['defaultMode']).toBe(true);
    const table = optimized.charCodeToPatternIdxToConfig['defaultMode']!;
    for (let c = 0; c < 256; c++) {
      for (const { tokenType } of table[c] ?? []) {
        const p = tokenType.PATTERN;
        const starts =
          typeof p === 'string' ? p.charAt(0) : p instanceof RegExp ? REGEX_START_CHARS.get(tokenType) : (tokenType.START_CHARS_HINT ?? []).join('');
        expect(starts, `${tokenType.name} at ${c}`).toContain(String.fromCharCode(c));
      }
    }
    for (const { tokenType, canLineTerminator } of optimized.patternIdxToConfig['defaultMode']!) {
      expect(tokenType.LINE_BREAKS === true, tokenType.name).toBe(canLineTerminator);
    }
    expect(allTokens.length).toBeGreaterThan(50);
  });
});

describe('hand lexer and parser against chevrotain', () => {
  it('lex and parse every source file the same, from every lexer state', () => {
    let parsed = 0;
    for (const { name, text } of all) {
      for (const mode of ['value', 'name', 'bytes'] as const) {
        const tokens = lexBoth(text, mode);
        if (mode === 'value' && tokens && parseBoth(tokens)) parsed++;
      }
      expect(name).toBeTruthy();
    }
    expect(parsed).toBeGreaterThan(50);
  });

  it('lex line terminators, odd characters and unterminated tokens the same', () => {
    const cases = [
      '/ {\r\n\ta = "x\r\ny";\r\n\tb = "p\rq";\r};\r\n',
      "/* a\r\n b \r */ / { c = 'x'; d = '\n'; };",
      '# 1 "a\rb.dts"\n/ { };\n',
      '// comment\r / { };',
      '/ { s = "unterminated\n',
      '/ { /* unterminated\r\n',
      '/ { a = <1 2>; \u20ac };',
      '/ { b = [00 11 22 \x80]; };',
      '\x00\x01 / {};',
      '/include/ "x\r\ny"',
      '/ { a = "\\"\n"; };',
    ];
    for (const c of cases) for (const mode of ['value', 'name', 'bytes'] as const) lexBoth(c, mode);
  });

  it('agree on random text, every truncation of a board file and random token edits', () => {
    const random = new Rng(7);
    const r = (): number => random.next();
    const alphabet = '/{};=<>[]()&:,"\'\\#-+*~!?|^%0123456789abcxyzABCXYZ_@. \t\r\n';
    for (let i = 0; i < 400; i++) {
      let s = '';
      const n = Math.floor(r() * 120);
      for (let k = 0; k < n; k++) s += r() < 0.9 ? alphabet[Math.floor(r() * alphabet.length)] : String.fromCharCode(Math.floor(r() * 256));
      const tokens = lexBoth(s);
      if (tokens) parseBoth(tokens);
    }
    const virt = readFileSync('test/dts/fixtures/riscv-virt.dts', 'latin1');
    for (let cut = 0; cut < virt.length; cut += 7) {
      const tokens = lexBoth(virt.slice(0, cut));
      if (tokens) parseBoth(tokens);
    }
    let accepted = 0;
    let rejected = 0;
    for (const { text } of all) {
      const tokens = lexBoth(text);
      if (!tokens || tokens.length === 0) continue;
      for (let i = 0; i < 40; i++) {
        const t = [...tokens];
        const at = Math.floor(r() * t.length);
        const op = Math.floor(r() * 4);
        if (op === 0) t.splice(at, 1);
        else if (op === 1) t.splice(at, 0, t[at]!);
        else if (op === 2) t.splice(at, 0, tokens[Math.floor(r() * tokens.length)]!);
        else if (at + 1 < t.length) [t[at], t[at + 1]] = [t[at + 1]!, t[at]!];
        if (parseBoth(t)) accepted++;
        else rejected++;
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});
