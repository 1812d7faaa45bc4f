/**
 * Turns a DTS buffer into tokens, splicing in `/include/`d files (dtc does this in its lexer too) and recording
 * cpp line markers so positions map back to the files the preprocessor read.
 */
import type { IToken, Lexer } from 'chevrotain';
import type { DiagnosticSink } from './diagnostics.js';
import { findFile, type FileReader } from './files.js';
import { pointAt, SourceBuffer, type SourceRef } from './source.js';
import { unescapeString } from './escape.js';
import { latin1 } from './bytes.js';
import { MAX_INCLUDE_DEPTH } from './limits.js';
import { allTokens, chevrotain, Include, modeAfter, setInitialMode, type Mode } from './tokens.js';

/** Built on first use: constructing it analyses every token pattern. */
let sharedLexer: Lexer | undefined;
function lexer(): Lexer {
  sharedLexer ??= new chevrotain.Lexer(allTokens, {
    positionTracking: 'onlyStart',
    ensureOptimizations: false,
    skipValidations: true,
  });
  return sharedLexer;
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
    result = lexer().tokenize(buf.text);
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
