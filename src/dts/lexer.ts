/**
 * Turns a DTS buffer into tokens, splicing in `/include/`d files (dtc does this in its lexer too) and recording
 * cpp line markers so positions map back to the files the preprocessor read.
 */
import type { ILexingResult, IToken, Lexer, TokenType } from 'chevrotain';
import type { DiagnosticSink } from './diagnostics.js';
import { findFile, type FileReader } from './files.js';
import { pointAt, SourceBuffer, type SourceRef } from './source.js';
import { unescapeString } from './escape.js';
import { latin1 } from './bytes.js';
import { MAX_INCLUDE_DEPTH } from './limits.js';
import * as T from './tokens.js';
import { allTokens, chevrotainRuntime, Include, isNotApplicable, isSkipped, modeAfter, setInitialMode, type Mode } from './tokens.js';

/**
 * chevrotain's lexer for the DTS tokens. Used for input the hand lexer cannot lex (a character no token starts
 * with), for chevrotain's error and recovery there; `validate` (the tests) also checks the token definitions.
 */
export function chevrotainLexer(validate = false): Lexer {
  return new (chevrotainRuntime().Lexer)(allTokens, {
    positionTracking: 'onlyStart',
    ensureOptimizations: validate,
    skipValidations: !validate,
  });
}

/** Built on first use: constructing it analyses every token pattern. */
let sharedLexer: Lexer | undefined;
function lexer(): Lexer {
  return (sharedLexer ??= chevrotainLexer());
}

/**
 * The characters a token's regular expression can start with. chevrotain finds these by analysing each pattern;
 * written out here (and checked against chevrotain's analysis by test/dts/lexer-parity.test.ts).
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
export const REGEX_START_CHARS = new Map<TokenType, string>([
  [T.WhiteSpace, ' \t\r\n\f\v'],
  [T.BlockComment, '/'],
  [T.UnterminatedComment, '/'],
  [T.LineComment, '/'],
  [T.Include, '/'],
  [T.Label, LETTERS + '_'],
  [T.PathRef, '&'],
  [T.LabelRef, '&'],
  [T.Literal, DIGITS],
  [T.CharLiteral, "'"],
  [T.StringLit, '"'],
  [T.UnterminatedString, '"'],
  [T.Identifier, LETTERS + '_'],
]);

type Exec = (text: string, offset: number, tokens: IToken[], groups: Record<string, IToken[]>) => RegExpExecArray | null;

/** One token type as the hand lexer tries it: exactly one of ch, str, re and exec is set. */
interface Matcher {
  type: TokenType;
  ch: number;
  str: string | undefined;
  re: RegExp | undefined;
  exec: Exec | undefined;
  /** undefined: skipped; false: the token stream; else the name of the group the tokens go to. */
  group: string | false | undefined;
  /** chevrotain counts line terminators in the image (the token type says line_breaks: true). */
  lines: boolean;
}

interface HandLexer {
  /** Per character code below 256, the matchers that can start there, in allTokens order. */
  byChar: Matcher[][];
  all: Matcher[];
}

let handLexer: HandLexer | undefined;

function buildHandLexer(): HandLexer {
  const all: Matcher[] = [];
  const byChar: Matcher[][] = Array.from({ length: 256 }, () => []);
  for (const type of allTokens) {
    if (isNotApplicable(type)) continue;
    const p = type.PATTERN;
    const group = isSkipped(type) ? undefined : typeof type.GROUP === 'string' ? type.GROUP : false;
    const m: Matcher = { type, ch: -1, str: undefined, re: undefined, exec: undefined, group, lines: type.LINE_BREAKS === true };
    let starts: string;
    if (typeof p === 'string') {
      if (p.length === 1) m.ch = p.charCodeAt(0);
      else m.str = p;
      starts = p.charAt(0);
    } else if (p instanceof RegExp) {
      m.re = new RegExp(p.source, p.ignoreCase ? 'iy' : 'y');
      const s = REGEX_START_CHARS.get(type);
      if (s === undefined || p.ignoreCase) throw new Error(`lexer: no start characters for ${type.name}`);
      starts = s;
    } else if (p !== undefined && typeof p === 'object' && 'exec' in p) {
      m.exec = p.exec as Exec;
      const hint = type.START_CHARS_HINT;
      if (!hint) throw new Error(`lexer: no start characters for ${type.name}`);
      starts = hint.map((c) => (typeof c === 'number' ? String.fromCharCode(c) : c)).join('');
    } else {
      throw new Error(`lexer: unsupported pattern for ${type.name}`);
    }
    all.push(m);
    for (const c of new Set(starts)) {
      const code = c.charCodeAt(0);
      if (code < 256) byChar[code]!.push(m);
    }
  }
  return { byChar, all };
}

/**
 * chevrotain's tokenize(), for this vocabulary: at each offset, the first token type (in allTokens order) whose
 * pattern matches there; start line and column tracked as chevrotain's positionTracking 'onlyStart' does (line
 * terminators \n, \r\n and \r, counted in the images of line_breaks tokens only). Returns undefined where no
 * pattern matches: the caller then lexes with chevrotain itself, for its error and its recovery.
 */
export function handTokenize(text: string): ILexingResult | undefined {
  const { byChar, all } = (handLexer ??= buildHandLexer());
  const tokens: IToken[] = [];
  const groups: Record<string, IToken[]> = { markers: [], errors: [] };
  const length = text.length;
  let offset = 0;
  let line = 1;
  let column = 1;
  while (offset < length) {
    const code = text.charCodeAt(offset);
    const candidates = code < 256 ? byChar[code]! : all;
    let found: Matcher | undefined;
    let image: string | undefined;
    let size = -1;
    for (const m of candidates) {
      if (m.ch >= 0) {
        if (code === m.ch) size = 1;
      } else if (m.str !== undefined) {
        if (text.startsWith(m.str, offset)) size = m.str.length;
      } else if (m.re !== undefined) {
        m.re.lastIndex = offset;
        if (m.re.test(text)) size = m.re.lastIndex - offset;
      } else {
        const r = m.exec!(text, offset, tokens, groups);
        if (r !== null) {
          image = r[0];
          size = image.length;
        }
      }
      if (size !== -1) {
        found = m;
        break;
      }
    }
    if (!found) return undefined;
    if (found.group !== undefined) {
      image ??= text.substring(offset, offset + size);
      const token: IToken = { image, startOffset: offset, startLine: line, startColumn: column, tokenTypeIdx: found.type.tokenTypeIdx!, tokenType: found.type };
      if (found.group === false) tokens.push(token);
      else (groups[found.group] ??= []).push(token);
    }
    let counted = false;
    if (found.lines) {
      image ??= text.substring(offset, offset + size);
      let terminators = 0;
      let lastEnd = -1;
      for (let i = 0; i < size; i++) {
        const c = image.charCodeAt(i);
        if (c === 10) {
          terminators++;
          lastEnd = i;
        } else if (c === 13) {
          if (image.charCodeAt(i + 1) === 10) i++;
          terminators++;
          lastEnd = i;
        }
      }
      if (terminators !== 0) {
        counted = true;
        line += terminators;
        column = size - lastEnd;
      }
    }
    if (!counted) column += size;
    offset += size;
  }
  return { tokens, groups, errors: [] };
}

/** Every buffer read during one compilation, so positions can be described later. */
export class SourceSet {
  readonly buffers: SourceBuffer[] = [];

  add(path: string, text: string): SourceBuffer {
    const b = new SourceBuffer(this.buffers.length, path, text);
    this.buffers.push(b);
    return b;
  }
}

export interface LexOptions {
  files: FileReader;
  includePaths: readonly string[];
  sources: SourceSet;
  diags: DiagnosticSink;
}

/** A token is its own source reference: the buffer it came from is kept in its payload. */
export function refOf(t: IToken): SourceRef {
  return t;
}

export function lexFile(buf: SourceBuffer, opts: LexOptions): IToken[] {
  return lexBuffer(buf, opts, 'value', [buf.path]);
}

function lexBuffer(buf: SourceBuffer, opts: LexOptions, initial: Mode, stack: string[]): IToken[] {
  setInitialMode(initial);
  let result;
  try {
    result = handTokenize(buf.text) ?? lexer().tokenize(buf.text);
  } finally {
    setInitialMode('value');
  }
  for (const e of result.errors) {
    const ch = buf.text.slice(e.offset, e.offset + Math.max(1, e.length));
    opts.diags.error('lexical', `unexpected character ${JSON.stringify(ch.slice(0, 1))}`, pointAt(buf, e.line ?? 1, e.column ?? 1, ch.slice(0, 1)));
  }
  for (const t of result.groups['errors'] ?? []) {
    t.payload = buf;
    const what = t.image.startsWith('"') ? 'unterminated string' : 'unterminated comment';
    opts.diags.error('lexical', what, pointAt(buf, t.startLine ?? 1, t.startColumn ?? 1, t.image.slice(0, 1)));
  }
  for (const m of result.groups['markers'] ?? []) {
    m.payload = buf;
    recordLineMarker(buf, m, opts.diags);
  }

  const tokens = result.tokens;
  let hasInclude = false;
  for (const t of tokens) {
    t.payload = buf;
    if (t.tokenType === Include) hasInclude = true;
  }
  if (!hasInclude) return tokens;

  const out: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType !== Include) {
      out.push(t);
      continue;
    }
    const name = t.image.slice(t.image.indexOf('"') + 1, -1);
    const at = refOf(t);
    const found = findFile(opts.files, name, buf.path, opts.includePaths);
    if (!found) {
      opts.diags.error('include', `couldn't open "${name}": no such file`, at, 'add its directory with -i DIR');
      continue;
    }
    if (stack.length >= MAX_INCLUDE_DEPTH || stack.includes(found.path)) {
      opts.diags.error('include', `recursive /include/ of "${name}"`, at);
      continue;
    }
    const inc = opts.sources.add(found.path, latin1(found.data));
    const mode = modeAfter(out);
    for (const it of lexBuffer(inc, opts, mode, [...stack, found.path])) out.push(it);
  }
  return out;
}

function recordLineMarker(buf: SourceBuffer, t: IToken, diags: DiagnosticSink): void {
  const [, lineText, quoted] = /^#(?:line)?[ \t]+([0-9]+)[ \t]+"((?:[^"\\]|\\.)*)"/.exec(t.image) ?? [];
  if (lineText === undefined || quoted === undefined) return;
  let file = latin1(unescapeString(quoted).bytes);
  const nul = file.indexOf('\0');
  if (nul >= 0) {
    // As dtc: a lexical error, and the name ends at the NUL (never printed raw).
    diags.error('lexical', 'NUL in the file name of a line marker', t);
    file = file.slice(0, nul);
  }
  buf.addLineMarker(t.startLine ?? 1, file, parseInt(lineText, 10));
}
