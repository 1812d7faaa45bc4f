/**
 * A built-in C preprocessor for DTS, doing what Linux's `cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp`
 * does: #include, macros (object-like and function-like, `#`, `##`, variadic), conditionals, #error, #line and
 * #pragma once. The output carries GNU cpp line markers (`# 1 "file" 1`, `# N "file" 2`) so the DTS lexer maps
 * every later diagnostic back to the file and line the user wrote.
 *
 * It follows GCC's design closely because the output's spacing matters to dtc (`p-1 -q` is not `p-1-q`): tokens
 * carry GCC's PREV_WHITE flag, macro expansions emit GCC's padding tokens, and the printer inserts a space only
 * where GCC's would. As in assembler mode, `#` followed by a word that is not a directive (`#address-cells`) is
 * ordinary text, an unterminated quote (`'`) runs to the end of its line as one token, and a failed `##` paste is
 * silent.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { latin1 } from './bytes.js';
import { DiagnosticSink, type Diagnostic } from './diagnostics.js';
import type { FileReader } from './files.js';
import { MAX_EXPANSION_WORK, MAX_INCLUDE_DEPTH, MAX_MACRO_DEPTH, tooDeep } from './limits.js';
import { parseExpression, type ExprBuilder, type Role } from './exprparse.js';
import { pointAt, SourceBuffer } from './source.js';

export interface PreprocessOptions {
  files: FileReader;
  /** -I: searched for `#include "..."` after the including file's directory, and alone for `#include <...>`. */
  includePaths: readonly string[];
  /** -D: macro name (or `NAME(args)`) to replacement text; `-DX` is `{ X: '1' }`. */
  defines?: Record<string, string>;
}

export interface PreprocessResult {
  text: string;
  diagnostics: Diagnostic[];
}

/** Runs the preprocessor over `text`, read from `path`. Never throws for bad input: problems are diagnostics. */
export function preprocess(text: string, path: string, opts: PreprocessOptions): PreprocessResult {
  const pp = new Preprocessor(opts);
  const out = pp.run(text, path);
  return { text: out, diagnostics: pp.diags.items };
}

// needsPreprocessor(), the cheap test of whether a text needs this module, is in compile.ts: this module loads only
// when it says so.

// ---------------------------------------------------------------------------------------------------------------
// Tokens

type Kind = 'name' | 'number' | 'string' | 'char' | 'punct' | 'other' | 'padding' | 'eol' | 'eof';

interface Tok {
  kind: Kind;
  text: string;
  /** GCC's PREV_WHITE: whitespace or a comment came before it. */
  white: boolean;
  /**
   * Physical line in the file it was read from. A macro body's tokens get the line of the invocation; an argument's
   * tokens keep their own.
   */
  line: number;
  col: number;
  /** The exact whitespace before a source token on its physical line (comments blanked), to keep columns. */
  pre?: string | undefined;
  /** First token on its physical line. */
  first?: boolean;
  /** First token of a logical line (where directives are recognised). */
  bol?: boolean;
  /** Offset in the spliced text of its file. */
  off?: number;
  /** Painted blue: names a macro that was disabled when this token was read. */
  noExpand?: boolean;
  /** In replacement lists: followed by `##`. */
  pasteLeft?: boolean;
  /** In replacement lists: the parameter this token stands for, and whether `#` stringizes it. */
  arg?: number;
  stringify?: boolean;
  /** Padding tokens: the token whose whitespace decides whether a space is printed (null: GCC's avoid_paste). */
  src?: Tok | null;
}

/**
 * Every token is made here, with every field present, so that all tokens share one shape: the expansion loops read
 * millions of them, and property access on objects of many shapes is several times slower.
 */
function tok(kind: Kind, text: string, white: boolean, line: number, col: number): Tok {
  return {
    kind, text, white, line, col, pre: undefined, first: false, bol: false, off: undefined, noExpand: false,
    pasteLeft: false, arg: undefined, stringify: false, src: undefined,
  };
}

const AVOID_PASTE: Tok = { ...tok('padding', '', false, 0, 0), src: null };
const EOF_SENTINEL: Tok = tok('eof', '', false, 0, 0);

function padding(src: Tok): Tok {
  const t = tok('padding', '', false, src.line, src.col);
  t.src = src;
  return t;
}

const PUNCT3 = ['...', '<<=', '>>='];
const PUNCT2 = ['->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=', '&=', '^=', '|=', '##'];
const PUNCT1 = '[](){}.&*+-~!/%<>^|?:;=,#';

/**
 * An argument's token as substituted: it keeps where it was written (so a nest `F(F(F(...)))` substitutes the same
 * token objects at every level instead of copying them all once per level) but no longer starts a line or carries
 * the whitespace text that preceded it.
 */
function unplaced(t: Tok): Tok {
  return t.pre === undefined && !t.first && !t.bol ? t : { ...t, pre: undefined, first: false, bol: false };
}

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface Lexed {
  toks: Tok[];
  spliced: string;
  errors: { line: number; col: number; message: string }[];
}

/** Splits text into preprocessing tokens (after line splicing), with eol tokens and a final eof. */
function lex(raw: string): Lexed {
  const norm = raw.includes('\r\n') ? raw.replace(/\r\n/g, '\n') : raw;
  // Line splicing: remember where each removed newline was, so physical lines can still be counted.
  const splices: number[] = [];
  let s = norm;
  if (norm.includes('\\')) {
    const parts: string[] = [];
    let len = 0;
    let last = 0;
    const re = /\\[ \t]*\n/g;
    for (let m = re.exec(norm); m; m = re.exec(norm)) {
      parts.push(norm.slice(last, m.index));
      len += m.index - last;
      splices.push(len);
      last = m.index + m[0].length;
    }
    parts.push(norm.slice(last));
    s = parts.join('');
  }
  const toks: Tok[] = [];
  const errors: Lexed['errors'] = [];
  const n = s.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let spl = 0;
  let white = false;
  let bol = true;
  let first = true;
  let wsStart = 0;
  const advance = (off: number) => {
    while (spl < splices.length && splices[spl]! <= off) {
      lineStart = splices[spl]!;
      spl++;
      line++;
      first = true;
    }
  };
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 10) {
      advance(i);
      toks.push(tok('eol', '\n', false, line, i - lineStart + 1));
      i++;
      line++;
      lineStart = i;
      bol = true;
      first = true;
      white = false;
      wsStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 13) {
      white = true;
      i++;
      continue;
    }
    if (c === 47 && s.charCodeAt(i + 1) === 42) {
      advance(i);
      let end = s.indexOf('*/', i + 2);
      if (end < 0) {
        errors.push({ line, col: i - lineStart + 1, message: 'unterminated comment' });
        end = n;
      } else end += 2;
      for (let k = s.indexOf('\n', i); k >= 0 && k < end; k = s.indexOf('\n', k + 1)) {
        advance(k);
        line++;
        lineStart = k + 1;
        first = true;
      }
      i = end;
      white = true;
      continue;
    }
    if (c === 47 && s.charCodeAt(i + 1) === 47) {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      white = true;
      continue;
    }
    advance(i);
    const start = i;
    let kind: Kind;
    if (isIdStart(c)) {
      kind = 'name';
      i++;
      while (i < n && isIdChar(s.charCodeAt(i))) i++;
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      kind = 'number';
      i++;
      for (;;) {
        const d = s.charCodeAt(i);
        if (isIdChar(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(s[i - 1]!)) i++;
        else break;
      }
    } else if (c === 34 || c === 39) {
      kind = c === 34 ? 'string' : 'char';
      let j = i + 1;
      for (;;) {
        if (j >= n || s.charCodeAt(j) === 10) {
          kind = 'other'; // assembler mode: an unterminated quote runs to the end of the line
          break;
        }
        const d = s.charCodeAt(j);
        if (d === 92 && j + 1 < n && s.charCodeAt(j + 1) !== 10) j += 2;
        else if (d === c) {
          j++;
          break;
        } else j++;
      }
      i = j;
    } else {
      kind = 'punct';
      const p3 = s.slice(i, i + 3);
      const p2 = s.slice(i, i + 2);
      if (PUNCT3.includes(p3)) i += 3;
      else if (PUNCT2.includes(p2)) i += 2;
      else {
        if (!PUNCT1.includes(s[i]!)) kind = 'other';
        i++;
      }
    }
    const pre = white ? s.slice(Math.max(wsStart, lineStart), start).replace(/[^\t ]/g, ' ') : '';
    const t = tok(kind, s.slice(start, i), white, line, start - lineStart + 1);
    t.pre = pre;
    t.first = first;
    t.bol = bol;
    t.off = start;
    toks.push(t);
    white = false;
    bol = false;
    first = false;
    wsStart = i;
  }
  advance(n);
  toks.push(tok('eof', '', false, line, n - lineStart + 1));
  return { toks, spliced: s, errors };
}

/** Whether two adjacent tokens would lex differently if printed without a space (GCC's cpp_avoid_paste). */
function avoidPaste(a: Tok, b: Tok): boolean {
  const c = b.kind === 'punct' ? b.text[0] : undefined;
  if (a.kind === 'punct') {
    if (c === '=' && ['=', '!', '>', '<', '+', '-', '*', '/', '%', '&', '|', '^', '>>', '<<'].includes(a.text)) return true;
    switch (a.text) {
      case '>':
        return c === '>';
      case '<':
        return c === '<' || c === '%' || c === ':';
      case '+':
        return c === '+';
      case '-':
        return c === '-' || c === '>';
      case '/':
        return c === '/' || c === '*';
      case '%':
        return c === ':' || c === '%';
      case '&':
        return c === '&';
      case '|':
        return c === '|';
      case ':':
        return c === ':' || c === '>';
      case '->':
        return c === '*';
      case '.':
        return c === '.' || c === '%' || b.kind === 'number';
      case '#':
        return c === '#' || c === '%';
      default:
        return false;
    }
  }
  if (a.kind === 'name') return b.kind === 'name' || b.kind === 'char' || b.kind === 'string';
  if (a.kind === 'number') return b.kind === 'number' || b.kind === 'name' || b.kind === 'char' || c === '.' || c === '+' || c === '-';
  if (a.kind === 'other') return a.text[0] === '\\' && b.kind === 'name';
  return false;
}

function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

// ---------------------------------------------------------------------------------------------------------------
// Output

/** GCC's output stage: spacing from padding tokens, line sync by newlines or markers. */
class Printer {
  private readonly out: string[] = [];
  private line = 1;
  private file = '';
  private printed = false;
  private indented = false;
  private avoid = false;
  private source: Tok | null = null;
  private prev: Tok | null = null;

  marker(line: number, file: string, flag?: number): void {
    if (this.printed) this.out.push('\n');
    this.out.push(`# ${line} ${quote(file)}${flag ? ' ' + flag : ''}\n`);
    this.line = line;
    this.file = file;
    this.printed = false;
    this.prev = null;
    this.source = null;
  }

  private sync(file: string, line: number): void {
    if (file !== this.file) return this.marker(line, file);
    if (line === this.line && !this.printed) return;
    if (this.printed) {
      this.out.push('\n');
      this.line++;
      this.printed = false;
    }
    if (line >= this.line && line < this.line + 8) {
      while (this.line < line) {
        this.out.push('\n');
        this.line++;
      }
    } else this.marker(line, file);
  }

  /** A token is about to be read from a new source line: move there and indent as the source did. */
  lineChange(file: string, line: number, pre: string): void {
    if (file === this.file && line === this.line && this.printed) return;
    this.sync(file, line);
    if (pre) this.out.push(pre);
    this.indented = pre.length > 0;
    this.printed = true;
    this.prev = null;
    this.source = null;
  }

  emit(t: Tok): void {
    if (t.kind === 'padding') {
      this.avoid = true;
      if (this.source === null || (!this.source.white && t.src === null)) this.source = t.src ?? null;
      return;
    }
    let space: string | undefined;
    if (this.avoid) {
      const s = this.source ?? t;
      if (s.white) space = s.pre || ' ';
      else if ((this.prev && avoidPaste(this.prev, t)) || (!this.prev && t.kind === 'punct' && t.text === '#')) space = ' ';
    } else if (t.white) space = t.pre || ' ';
    if (space !== undefined && !this.indented) this.out.push(space);
    this.out.push(t.text);
    this.indented = false;
    this.printed = true;
    this.avoid = false;
    this.source = null;
    this.prev = t;
  }

  finish(): string {
    if (this.printed) this.out.push('\n');
    return this.out.join('');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The preprocessor

interface Macro {
  name: string;
  fn: boolean;
  params: string[];
  variadic: boolean;
  body: Tok[];
  builtin?: string;
  disabled: boolean;
}

interface Context {
  toks: Tok[];
  i: number;
  macro: Macro | undefined;
}

interface Cond {
  wasSkipping: boolean;
  taken: boolean;
  sawElse: boolean;
  name: string;
  tok: Tok;
}

interface FileCtx {
  path: string;
  /** The name used in line markers and __FILE__ (#line may change it). */
  name: string;
  buf: SourceBuffer;
  spliced: string;
  toks: Tok[];
  i: number;
  look: Tok[];
  conds: Cond[];
  skipping: boolean;
  /** Logical line = physical line + delta (#line). */
  delta: number;
  /** Index of the include path the file was found in; -1 for the includer's directory or the main file. */
  dirIndex: number;
  lastLine: number;
  /** Logical line of the includer to resume at. */
  returnLine: number;
}

class Fatal extends Error {}

const DIRECTIVES = new Set([
  'define', 'undef', 'include', 'include_next', 'import', 'if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else',
  'endif', 'line', 'error', 'warning', 'pragma', 'ident', 'sccs', 'assert', 'unassert',
]);
const CONDITIONALS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

class Preprocessor {
  readonly diags = new DiagnosticSink();
  private readonly macros = new Map<string, Macro>();
  private readonly stack: FileCtx[] = [];
  private ctx: Context[] = [];
  private readonly printer = new Printer();
  private readonly once = new Set<string>();
  private prevent = 0;
  /** Macro arguments being expanded inside one another (F(F(F(...)))); bounded by MAX_MACRO_DEPTH. */
  private argDepth = 0;
  private parsingArgs = 0;
  /** Tokens read back from macro expansions, and copied into them, so far; bounded by MAX_EXPANSION_WORK. */
  private expansionWork = 0;
  private inDirective = false;
  private counter = 0;
  private basePath = '';
  private bufId = 0;

  constructor(private readonly opts: PreprocessOptions) {
    for (const b of ['__FILE__', '__LINE__', '__COUNTER__', '__INCLUDE_LEVEL__', '__BASE_FILE__', '__DATE__', '__TIME__']) {
      this.macros.set(b, { name: b, fn: false, params: [], variadic: false, body: [], builtin: b, disabled: false });
    }
  }

  private get file(): FileCtx {
    const f = this.stack.at(-1);
    if (!f) throw new Error('cpp: no file is being read');
    return f;
  }

  run(text: string, path: string): string {
    this.basePath = path;
    const predefined: [string, string][] = [
      ['__STDC__', '1'],
      ['__STDC_HOSTED__', '1'],
      ['__ASSEMBLER__', '1'],
      ['__DTS__', '1'],
      ...Object.entries(this.opts.defines ?? {}),
    ];
    for (const [k, v] of predefined) {
      const l = lex(`${k} ${v}`);
      this.define(l.toks.filter((t) => t.kind !== 'eol' && t.kind !== 'eof'), undefined);
    }
    this.pushFile(path, text, -1, 0);
    try {
      for (;;) {
        const t = this.getToken();
        if (t.kind === 'eof') {
          this.endFile();
          const done = this.stack.pop()!;
          if (this.stack.length === 0) break;
          this.printer.marker(done.returnLine, this.file.name, 2);
          continue;
        }
        this.printer.emit(t);
      }
    } catch (e) {
      if (e instanceof RangeError && this.stack.length) {
        // A backstop only: the limits of limits.ts are meant to stop every input before the stack does.
        const f = this.file;
        const at = f.toks[Math.max(0, Math.min(f.i, f.toks.length) - 1)] ?? EOF_SENTINEL;
        this.error('cpp', 'input nested too deeply to preprocess', at, f);
      } else if (!(e instanceof Fatal)) throw e;
    }
    return this.printer.finish();
  }

  private pushFile(path: string, text: string, dirIndex: number, returnLine: number): void {
    const lexed = lex(text);
    const buf = new SourceBuffer(--this.bufId, path, text);
    for (const e of lexed.errors) this.diags.error('cpp', e.message, pointAt(buf, e.line, e.col, '/*'));
    this.stack.push({
      path, name: path, buf, spliced: lexed.spliced, toks: lexed.toks, i: 0, look: [], conds: [], skipping: false,
      delta: 0, dirIndex, lastLine: 0, returnLine,
    });
    this.printer.marker(1, path, this.stack.length > 1 ? 1 : undefined);
  }

  private endFile(): void {
    const f = this.file;
    for (const c of f.conds) this.error('cpp_conditional', `unterminated #${c.name}`, c.tok, f);
  }

  private error(code: string, message: string, at: Tok, f: FileCtx = this.file, hint?: string): void {
    this.diags.error(code, message, pointAt(f.buf, at.line || 1, at.col || 1, at.text || ' '), hint);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Reading tokens

  /** The next token of the current file: directives are handled and skipped groups dropped here. */
  private fileToken(): Tok {
    for (;;) {
      const f = this.file;
      let t: Tok;
      if (f.look.length) t = f.look.shift()!;
      else {
        t = f.toks[f.i]!;
        if (t.kind === 'eof') return t;
        f.i++;
        if (t.kind === 'eol') continue;
        if (t.bol && t.kind === 'punct' && t.text === '#' && this.directive(f, t)) continue;
        if (f.skipping) continue;
        if (this.parsingArgs === 2 && t.first && !t.white) t = { ...t, white: true };
      }
      if (!this.parsingArgs && t.line !== f.lastLine) {
        f.lastLine = t.line;
        this.printer.lineChange(f.name, t.line + f.delta, t.first ? t.pre ?? '' : '');
      }
      return t;
    }
  }

  private tooMuchExpansion(at: Tok): never {
    this.error('cpp_macro', `macro expansion too large: more than ${MAX_EXPANSION_WORK} tokens read and copied by macro expansions`, at);
    throw new Fatal();
  }

  private backup(t: Tok): void {
    const c = this.ctx[this.ctx.length - 1];
    if (c) c.i--;
    else if (t.kind !== 'eof') this.file.look.unshift(t);
  }

  /** GCC's cpp_get_token: the next token after macro expansion, with padding tokens between expansions. */
  private getToken(): Tok {
    for (;;) {
      const c = this.ctx[this.ctx.length - 1];
      let t: Tok;
      if (!c) t = this.fileToken();
      else if (c.i < c.toks.length) {
        t = c.toks[c.i++]!;
        if (++this.expansionWork > MAX_EXPANSION_WORK) this.tooMuchExpansion(t);
        if (t.pasteLeft) {
          this.pasteAll(c, t);
          if (this.inDirective) continue;
          return padding(t);
        }
      } else {
        this.ctx.pop();
        if (c.macro) c.macro.disabled = false;
        if (this.inDirective) continue;
        return AVOID_PASTE;
      }
      if (t.kind === 'name' && !t.noExpand) {
        const m = this.macros.get(t.text);
        if (m) {
          if (m.disabled) return { ...t, noExpand: true };
          if (this.prevent > 0) return t;
          if (this.enterMacro(t, m)) {
            if (this.inDirective) continue;
            return padding(t);
          }
        }
      }
      return t;
    }
  }

  private pasteAll(c: Context, lhs: Tok): void {
    let cur = lhs;
    for (;;) {
      if (c.i >= c.toks.length) break;
      const rhs = c.toks[c.i++]!;
      if (rhs.kind === 'padding') break;
      const text = cur.text + rhs.text;
      const l = lex(text).toks.filter((x) => x.kind !== 'eof');
      if (l.length !== 1 || l[0]!.text !== text || l[0]!.kind === 'eol') {
        c.i--; // assembler mode: not an error, the two tokens stay apart
        break;
      }
      cur = tok(l[0]!.kind, text, lhs.white, lhs.line, lhs.col);
      if (!rhs.pasteLeft) break;
    }
    this.ctx.push({ toks: [{ ...cur, pasteLeft: false }], i: 0, macro: undefined });
  }

  /** A macro body's token, placed at the invocation. */
  private stamp(t: Tok, at: Tok): Tok {
    return { ...t, line: at.line, col: at.col, pre: undefined, first: false, bol: false };
  }

  /** Starts expanding macro `m` named by `name`; false when a function-like macro is not invoked. */
  private enterMacro(name: Tok, m: Macro): boolean {
    if (m.builtin) {
      this.ctx.push({ toks: [this.builtin(m.builtin, name)], i: 0, macro: undefined });
      return true;
    }
    if (!m.fn) {
      m.disabled = true;
      this.ctx.push({ toks: m.body.map((t) => this.stamp(t, name)), i: 0, macro: m });
      return true;
    }
    this.prevent++;
    const savedParsing = this.parsingArgs;
    this.parsingArgs = 1;
    let pad: Tok | undefined;
    let t: Tok;
    for (;;) {
      t = this.getToken();
      if (t.kind !== 'padding') break;
      if (!pad || t.src === null) pad = t;
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.parsingArgs = 2;
      const args = this.collectArgs(name, m);
      this.parsingArgs = savedParsing;
      this.prevent--;
      if (!args) return false;
      // Refuse too deep a nest of calls before expanding any of it: expanding arguments level by level costs time
      // that grows with the square of the depth, only to reach the same error.
      if (this.argDepth === 0 && this.callNesting(args.args) > MAX_MACRO_DEPTH) {
        this.error('cpp_macro', tooDeep('macro invocations', MAX_MACRO_DEPTH), name);
        throw new Fatal();
      }
      const toks = this.replaceArgs(m, args.args, args.vaOmitted, name);
      m.disabled = true;
      this.ctx.push({ toks, i: 0, macro: m });
      return true;
    }
    this.parsingArgs = savedParsing;
    this.prevent--;
    this.backup(t);
    if (pad) this.ctx.push({ toks: [pad], i: 0, macro: undefined });
    return false;
  }

  private collectArgs(name: Tok, m: Macro): { args: Tok[][]; vaOmitted: boolean } | undefined {
    const args: Tok[][] = [[]];
    const nparams = m.params.length;
    let depth = 0;
    for (;;) {
      const t = this.getToken();
      const cur = args[args.length - 1]!;
      if (t.kind === 'padding') {
        if (cur.length) cur.push(t);
        continue;
      }
      if (t.kind === 'eof') {
        this.backup(t);
        this.error('cpp_macro', `unterminated argument list invoking macro "${m.name}"`, name);
        return undefined;
      }
      if (t.kind === 'punct') {
        if (t.text === '(') depth++;
        else if (t.text === ')') {
          if (depth === 0) break;
          depth--;
        } else if (t.text === ',' && depth === 0 && !(m.variadic && args.length === nparams)) {
          args.push([]);
          continue;
        }
      }
      cur.push(t);
    }
    for (const a of args) while (a.length && a[a.length - 1]!.kind === 'padding') a.pop();
    let argc = args.length;
    if (argc === 1 && nparams === 0 && args[0]!.length === 0) argc = 0;
    let vaOmitted = false;
    if (argc < nparams) {
      if (argc + 1 === nparams && m.variadic) {
        args.push([]);
        vaOmitted = true;
      } else {
        this.error('cpp_macro', `macro "${m.name}" requires ${nparams} argument${nparams === 1 ? '' : 's'}, but only ${argc} given`, name);
        return undefined;
      }
    } else if (argc > nparams) {
      this.error('cpp_macro', `macro "${m.name}" passed ${argc} arguments, but takes just ${nparams}`, name);
      return undefined;
    }
    if (m.variadic && nparams === 1 && args[0]!.length === 0) vaOmitted = true;
    return { args, vaOmitted };
  }

  private replaceArgs(m: Macro, args: Tok[][], vaOmitted: boolean, name: Tok): Tok[] {
    const expanded: (Tok[] | undefined)[] = [];
    const out: Tok[] = [];
    const body = m.body;
    for (let k = 0; k < body.length; k++) {
      const src = body[k]!;
      if (src.arg === undefined) {
        out.push(this.stamp(src, name));
        continue;
      }
      const ai = src.arg;
      const raw = args[ai]!;
      const prev = k > 0 ? body[k - 1] : undefined;
      const afterPaste = !!prev?.pasteLeft;
      let toks: Tok[];
      if (src.stringify) toks = [tok('string', stringify(raw), src.white, name.line, name.col)];
      else if (src.pasteLeft || afterPaste) toks = raw;
      else toks = expanded[ai] ??= this.expandArg(raw, name);
      if (afterPaste && prev!.kind === 'punct' && prev!.text === ',' && m.variadic && ai === m.params.length - 1 && !src.stringify) {
        // GNU `, ## __VA_ARGS__`: the comma goes when the variable arguments were left out, and never pastes.
        if (vaOmitted) out.pop();
        else out[out.length - 1] = { ...out[out.length - 1]!, pasteLeft: false };
      }
      if (k > 0 && !afterPaste) out.push(padding(src));
      this.expansionWork += toks.length;
      for (const t of toks) out.push(t.kind === 'padding' ? t : unplaced(t));
      if (toks.length) {
        const last = out[out.length - 1]!;
        if (last.kind !== 'padding' && !!last.pasteLeft !== !!src.pasteLeft) out[out.length - 1] = { ...last, pasteLeft: !!src.pasteLeft };
      }
      if (!src.pasteLeft) out.push(AVOID_PASTE);
    }
    this.expansionWork += body.length;
    if (this.expansionWork > MAX_EXPANSION_WORK) this.tooMuchExpansion(name);
    return out;
  }

  /** How deeply calls of function-like macros nest in these arguments as written (`F(F(F(...)))`), in one pass. */
  private callNesting(args: Tok[][]): number {
    let max = 0;
    for (const a of args) {
      const opens: boolean[] = [];
      let calls = 0;
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!;
        if (t.kind !== 'punct') continue;
        if (t.text === '(') {
          let j = i - 1;
          while (j >= 0 && a[j]!.kind === 'padding') j--;
          const before = j >= 0 ? a[j]! : undefined;
          const call = before !== undefined && before.kind === 'name' && this.macros.get(before.text)?.fn === true;
          opens.push(call);
          if (call && ++calls > max) max = calls;
        } else if (t.text === ')' && opens.pop()) {
          calls--;
        }
      }
    }
    return max;
  }

  /** Fully macro-expands one argument on its own, as the standard asks before substitution. */
  private expandArg(raw: Tok[], name: Tok): Tok[] {
    if (this.argDepth >= MAX_MACRO_DEPTH) {
      this.error('cpp_macro', tooDeep('macro invocations', MAX_MACRO_DEPTH), name);
      throw new Fatal();
    }
    this.argDepth++;
    try {
      return this.expandArgAt(raw);
    } finally {
      this.argDepth--;
    }
  }

  private expandArgAt(raw: Tok[]): Tok[] {
    this.ctx.push({ toks: [...raw, EOF_SENTINEL], i: 0, macro: undefined });
    const depth = this.ctx.length;
    const out: Tok[] = [];
    for (;;) {
      const t = this.getToken();
      if (t.kind === 'eof' && this.ctx.length === depth) break;
      out.push(t);
    }
    this.ctx.pop();
    return out;
  }

  private builtin(which: string, at: Tok): Tok {
    const f = this.file;
    const made = (kind: Kind, text: string): Tok => tok(kind, text, false, at.line, at.col);
    switch (which) {
      case '__FILE__':
        return made('string', quote(f.name));
      case '__LINE__':
        return made('number', String(at.line + f.delta));
      case '__COUNTER__':
        return made('number', String(this.counter++));
      case '__INCLUDE_LEVEL__':
        return made('number', String(this.stack.length - 1));
      case '__BASE_FILE__':
        return made('string', quote(this.basePath));
      case '__DATE__': {
        const d = new Date();
        return made('string', `"${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${d.getFullYear()}"`);
      }
      default: {
        const d = new Date();
        const p = (v: number) => String(v).padStart(2, '0');
        return made('string', `"${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}"`);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Directives

  /** Handles a `#` at the start of a line; false when it is ordinary text (assembler mode, unknown directive). */
  private directive(f: FileCtx, hash: Tok): boolean {
    const nt = f.toks[f.i]!;
    if (nt.kind === 'eol' || nt.kind === 'eof') return true; // the null directive
    const name = nt.kind === 'name' && DIRECTIVES.has(nt.text) ? nt.text : undefined;
    if (!name || (f.skipping && !CONDITIONALS.has(name))) {
      if (!f.skipping) return false;
      while (f.toks[f.i]!.kind !== 'eol' && f.toks[f.i]!.kind !== 'eof') f.i++;
      return true;
    }
    const line: Tok[] = [];
    f.i++;
    while (f.toks[f.i]!.kind !== 'eol' && f.toks[f.i]!.kind !== 'eof') line.push(f.toks[f.i++]!);
    const endLine = f.toks[f.i]!.line;
    switch (name) {
      case 'if':
        this.pushCond(f, name, hash, () => this.evalIf(line, hash));
        break;
      case 'ifdef':
      case 'ifndef':
        this.pushCond(f, name, hash, () => this.ifdef(name, line, hash) === (name === 'ifdef'));
        break;
      case 'elif':
      case 'elifdef':
      case 'elifndef':
        this.elif(f, name, hash, line);
        break;
      case 'else': {
        const c = f.conds[f.conds.length - 1];
        if (!c) this.error('cpp_conditional', '#else without #if', hash, f);
        else {
          if (c.sawElse) this.error('cpp_conditional', '#else after #else', hash, f);
          c.sawElse = true;
          f.skipping = c.wasSkipping || c.taken;
          c.taken = true;
        }
        break;
      }
      case 'endif': {
        const c = f.conds.pop();
        if (!c) this.error('cpp_conditional', '#endif without #if', hash, f);
        else f.skipping = c.wasSkipping;
        break;
      }
      case 'define':
        this.define(line, f);
        break;
      case 'undef':
        if (line[0]?.kind !== 'name') this.error('cpp', 'macro names must be identifiers', line[0] ?? hash, f);
        else this.macros.delete(line[0].text);
        break;
      case 'include':
      case 'include_next':
      case 'import':
        this.include(f, name, hash, line, name === 'include_next', endLine);
        break;
      case 'line':
        this.lineDirective(f, hash, line, endLine);
        break;
      case 'error':
      case 'warning': {
        const text = line.length > 0 ? f.spliced.slice(line[0]!.off ?? 0, line[line.length - 1]!.off! + line[line.length - 1]!.text.length) : '';
        const msg = `#${name}${line.length ? ' ' + text : ''}`;
        if (name === 'error') this.error('cpp_error', msg, hash, f);
        else this.diags.warning('cpp_warning', msg, pointAt(f.buf, hash.line, hash.col, '#'));
        break;
      }
      case 'pragma':
        if (line[0]?.text === 'once') this.once.add(f.path);
        break;
      default:
        break; // #ident, #sccs, #assert, #unassert: nothing that reaches a DTB
    }
    return true;
  }

  private pushCond(f: FileCtx, name: string, hash: Tok, test: () => boolean): void {
    const wasSkipping = f.skipping;
    const taken = wasSkipping ? false : test();
    f.conds.push({ wasSkipping, taken: wasSkipping || taken, sawElse: false, name, tok: hash });
    f.skipping = wasSkipping || !taken;
  }

  private elif(f: FileCtx, name: string, hash: Tok, line: Tok[]): void {
    const c = f.conds[f.conds.length - 1];
    if (!c) {
      this.error('cpp_conditional', `#${name} without #if`, hash, f);
      return;
    }
    if (c.sawElse) this.error('cpp_conditional', `#${name} after #else`, hash, f);
    if (c.taken) {
      f.skipping = true;
      return;
    }
    const v = name === 'elif' ? this.evalIf(line, hash) : this.ifdef(name, line, hash) === (name === 'elifdef');
    f.skipping = !v;
    c.taken = v;
  }

  private ifdef(name: string, line: Tok[], hash: Tok): boolean {
    const n = line[0];
    if (!n || n.kind !== 'name') {
      this.error('cpp', n ? 'macro names must be identifiers' : `no macro name given in #${name} directive`, n ?? hash);
      return false;
    }
    return this.isDefined(n.text);
  }

  private isDefined(name: string): boolean {
    return this.macros.has(name) || name === '__has_include' || name === '__has_include_next';
  }

  private define(line: Tok[], f: FileCtx | undefined): void {
    const bad = (msg: string, at: Tok | undefined) => {
      if (f) this.error('cpp', msg, at ?? line[0] ?? EOF_SENTINEL, f);
      else this.diags.error('cpp', `-D: ${msg}`);
    };
    const n = line[0];
    if (!n || n.kind !== 'name') return bad(n ? 'macro names must be identifiers' : 'no macro name given in #define directive', n);
    if (n.text === 'defined') return bad('"defined" cannot be used as a macro name', n);
    const params: string[] = [];
    let variadic = false;
    let fn = false;
    let k = 1;
    const open = line[1];
    if (open && open.text === '(' && open.kind === 'punct' && !open.white) {
      fn = true;
      k = 2;
      if (line[k]?.text === ')') k++;
      else {
        for (;;) {
          const p = line[k];
          if (p?.kind === 'name') {
            params.push(p.text);
            k++;
            if (line[k]?.text === '...') {
              variadic = true;
              k++;
            }
          } else if (p?.text === '...') {
            params.push('__VA_ARGS__');
            variadic = true;
            k++;
          } else return bad(`expected parameter name, found "${p?.text ?? 'end of line'}"`, p);
          const sep = line[k];
          if (sep?.text === ')' && sep.kind === 'punct') {
            k++;
            break;
          }
          if (sep?.text !== ',' || variadic) return bad(`expected ',' or ')', found "${sep?.text ?? 'end of line'}"`, sep);
          k++;
        }
      }
    }
    const body: Tok[] = [];
    const src = line.slice(k);
    for (let j = 0; j < src.length; j++) {
      const t = src[j]!;
      const base: Tok = tok(t.kind, t.text, body.length === 0 ? false : t.white, t.line, t.col);
      const param = fn && t.kind === 'name' ? params.indexOf(t.text) : -1;
      if (fn && t.kind === 'punct' && t.text === '#') {
        const nx = src[j + 1];
        const pi = nx?.kind === 'name' ? params.indexOf(nx.text) : -1;
        if (pi >= 0) {
          body.push({ ...base, kind: 'name', text: nx!.text, arg: pi, stringify: true, white: body.length === 0 ? false : t.white });
          j++;
          continue;
        }
      }
      if (t.kind === 'punct' && t.text === '##') {
        if (body.length === 0 || j === src.length - 1) return bad("'##' cannot appear at either end of a macro expansion", t);
        body[body.length - 1]!.pasteLeft = true;
        continue;
      }
      if (param >= 0) base.arg = param;
      body.push(base);
    }
    this.macros.set(n.text, { name: n.text, fn, params, variadic, body, disabled: false });
  }

  /** Macro-expands the tokens of a directive line on their own (nothing beyond the line is read). */
  private expandLine(line: Tok[], onName?: (t: Tok, next: () => Tok) => Tok | undefined): Tok[] {
    const saved = this.ctx;
    const savedDirective = this.inDirective;
    this.ctx = [{ toks: [...line, EOF_SENTINEL], i: 0, macro: undefined }];
    this.inDirective = true;
    const out: Tok[] = [];
    const next = (): Tok => {
      for (;;) {
        const t = this.getToken();
        if (t.kind !== 'padding') return t;
      }
    };
    try {
      for (;;) {
        let t: Tok;
        if (onName) {
          // `defined X` must see X before it is expanded
          this.prevent++;
          t = next();
          this.prevent--;
          if (t.kind === 'name' && !t.noExpand) {
            const r = onName(t, next);
            if (r) {
              out.push(r);
              continue;
            }
            this.backup(t);
            t = next();
          }
        } else t = next();
        if (t.kind === 'eof') break;
        out.push(t);
      }
    } finally {
      for (const c of this.ctx) if (c.macro) c.macro.disabled = false;
      this.ctx = saved;
      this.inDirective = savedDirective;
    }
    return out;
  }

  private evalIf(line: Tok[], hash: Tok): boolean {
    const f = this.file;
    let failed: string | undefined;
    const toks = this.expandLine(line, (t, next) => {
      if (t.text === 'defined') {
        this.prevent++;
        let n = next();
        let paren = false;
        if (n.text === '(' && n.kind === 'punct') {
          paren = true;
          n = next();
        }
        if (n.kind !== 'name') failed ??= 'operator "defined" requires an identifier';
        else if (paren && next().text !== ')') failed ??= 'missing \')\' after "defined"';
        this.prevent--;
        return tok('number', n.kind === 'name' && this.isDefined(n.text) ? '1' : '0', t.white, t.line, t.col);
      }
      if (t.text === '__has_include' || t.text === '__has_include_next') {
        this.prevent++;
        let spelled = '';
        let ok = next().text === '(';
        const h = next();
        let angled = false;
        if (h.kind === 'string') spelled = h.text.slice(1, -1);
        else if (h.text === '<') {
          angled = true;
          for (let x = next(); x.text !== '>' && x.kind !== 'eof'; x = next()) spelled += (x.white && spelled ? ' ' : '') + x.text;
        } else ok = false;
        if (next().text !== ')') ok = false;
        this.prevent--;
        if (!ok) failed ??= `missing '(' or ')' around the operand of "${t.text}"`;
        const found = ok && this.findInclude(f, spelled, angled, t.text === '__has_include_next') !== undefined;
        return tok('number', found ? '1' : '0', t.white, t.line, t.col);
      }
      return undefined;
    });
    if (failed) {
      this.error('cpp', failed, hash, f);
      return false;
    }
    const r = evaluate(toks);
    if (typeof r === 'string') {
      this.error('cpp', r, hash, f);
      return false;
    }
    return r;
  }

  private findInclude(f: FileCtx, name: string, angled: boolean, next: boolean): { path: string; data: Uint8Array; dirIndex: number } | undefined {
    const files = this.opts.files;
    if (isAbsolute(name)) {
      const data = files.read(name);
      return data ? { path: name, data, dirIndex: -1 } : undefined;
    }
    if (!angled && !next) {
      const p = join(dirname(f.path), name);
      const data = files.read(p);
      if (data) return { path: p, data, dirIndex: -1 };
    }
    const paths = this.opts.includePaths;
    for (const [k, dir] of paths.entries()) {
      if (next && k <= f.dirIndex) continue; // #include_next: the directories after the including file's
      const p = join(dir, name);
      const data = files.read(p);
      if (data) return { path: p, data, dirIndex: k };
    }
    return undefined;
  }

  private include(f: FileCtx, directive: string, hash: Tok, line: Tok[], next: boolean, endLine: number): void {
    let name: string | undefined;
    let angled = false;
    const first = line[0];
    if (first?.kind === 'string') name = first.text.slice(1, -1);
    else if (first?.text === '<' && first.off !== undefined) {
      const rest = f.spliced.slice(first.off + 1);
      const end = rest.search(/[>\n]/);
      if (end >= 0 && rest[end] === '>') {
        name = rest.slice(0, end);
        angled = true;
      }
    } else if (first) {
      const x = this.expandLine(line);
      if (x[0]?.kind === 'string') name = x[0].text.slice(1, -1);
      else if (x[0]?.text === '<') {
        const close = x.findIndex((t) => t.text === '>');
        if (close > 0) {
          name = x.slice(1, close).map((t, j) => (j > 0 && t.white ? ' ' : '') + t.text).join('');
          angled = true;
        }
      }
    }
    if (name === undefined || name === '') {
      this.error('include', `#${directive} expects "FILENAME" or <FILENAME>`, hash, f);
      return;
    }
    const found = this.findInclude(f, name, angled, next);
    if (!found) {
      this.error('include', `${name}: No such file or directory`, first ?? hash, f, angled ? 'add its directory with -i DIR' : undefined);
      throw new Fatal();
    }
    if (this.once.has(found.path)) return;
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.error('include', `#include nested depth ${MAX_INCLUDE_DEPTH} exceeds maximum (is "${name}" including itself?)`, hash, f);
      throw new Fatal();
    }
    this.pushFile(found.path, latin1(found.data), found.dirIndex, endLine + 1 + f.delta);
  }

  private lineDirective(f: FileCtx, hash: Tok, line: Tok[], endLine: number): void {
    const x = this.expandLine(line);
    const num = x[0];
    if (!num || num.kind !== 'number' || !/^[0-9]+$/.test(num.text)) {
      this.error('cpp', `"${num?.text ?? ''}" after #line is not a positive integer`, hash, f);
      return;
    }
    const n = parseInt(num.text, 10);
    if (x[1]) {
      if (x[1].kind !== 'string') {
        this.error('cpp', `invalid filename "${x[1].text}"`, hash, f);
        return;
      }
      let name = x[1].text.slice(1, -1).replace(/\\(.)/g, '$1');
      const nul = name.indexOf('\0');
      if (nul >= 0) {
        this.error('cpp', 'NUL in the file name of #line', hash, f);
        name = name.slice(0, nul);
      }
      f.name = name;
    }
    f.delta = n - (endLine + 1);
    f.buf.addLineMarker(endLine, f.name, n);
  }
}

/** `#x`: the spelling of the argument as a string literal, with GCC's spacing. */
function stringify(toks: Tok[]): string {
  let s = '';
  let source: Tok | null = null;
  for (const t of toks) {
    if (t.kind === 'padding') {
      if (source === null || (!source.white && t.src === null)) source = t.src ?? null;
      continue;
    }
    if (s.length) {
      source ??= t;
      if (source.white) s += ' ';
    }
    source = null;
    s += t.kind === 'string' || t.kind === 'char' ? t.text.replace(/[\\"]/g, (m) => '\\' + m) : t.text;
  }
  return '"' + s + '"';
}

// ---------------------------------------------------------------------------------------------------------------
// #if expressions: C integer constant expressions in intmax_t / uintmax_t (64 bits)

interface Val {
  v: bigint;
  u: boolean;
}

function norm(v: bigint, u: boolean): Val {
  return { v: u ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v), u };
}

const INT64_MAX = (1n << 63n) - 1n;
const BINARY: Record<string, number> = {
  '*': 10, '/': 10, '%': 10, '+': 9, '-': 9, '<<': 8, '>>': 8, '<': 7, '>': 7, '<=': 7, '>=': 7, '==': 6, '!=': 6,
  '&': 5, '^': 4, '|': 3, '&&': 2, '||': 1,
};

type CNode =
  | { k: 'leaf'; t: Tok }
  | { k: 'un'; op: string; a: CNode }
  | { k: 'bin'; op: string; l: CNode; r: CNode }
  | { k: 'tern'; c: CNode; a: CNode; b: CNode };

const buildCNode: ExprBuilder<Tok, CNode> = {
  leaf: (t) => ({ k: 'leaf', t }),
  unary: (op, a) => ({ k: 'un', op: op.text, a }),
  binary: (op, l, r) => ({ k: 'bin', op: op.text, l, r }),
  ternary: (_q, c, a, b) => ({ k: 'tern', c, a, b }),
  paren: (_open, _close, inner) => inner,
};

function classifyIf(t: Tok, wantOperand: boolean): Role {
  if (wantOperand) {
    if (t.kind === 'number' || t.kind === 'char' || t.kind === 'name') return { role: 'operand' };
    if (t.kind !== 'punct') return { role: 'other' };
    if (t.text === '(') return { role: 'open' };
    if (t.text === '+' || t.text === '-' || t.text === '~' || t.text === '!') return { role: 'prefix' };
    return { role: 'other' };
  }
  if (t.kind !== 'punct') return { role: 'other' };
  if (t.text === ',') return { role: 'binary', prec: 0 };
  const prec = BINARY[t.text];
  if (prec !== undefined) return { role: 'binary', prec };
  if (t.text === '?') return { role: 'question' };
  if (t.text === ':') return { role: 'colon' };
  if (t.text === ')') return { role: 'close' };
  return { role: 'other' };
}

/**
 * Evaluates a fully expanded #if line; a string is an error message. Parsed and evaluated with explicit stacks
 * (exprparse.ts), so deep nesting costs no JavaScript stack. As in GCC, division by zero is an error only in an
 * operand that is evaluated (not on the skipped side of `&&`, `||` or `?:`).
 */
function evaluate(toks: Tok[]): boolean | string {
  if (toks.length === 0) return '#if with no expression';
  const parsed = parseExpression(toks, 0, false, classifyIf, buildCNode, (t) => (t ? `"${t.text}"` : 'end of line'), {
    operand: 'a number, a name, "(" or a unary operator',
    operator: 'a binary operator',
  });
  if (!parsed.ok) {
    const t = toks[parsed.at];
    if (parsed.message.startsWith('expression nested')) return parsed.message;
    if (!t) return parsed.message.startsWith("'?'") ? parsed.message : '#if expression ends too early';
    if (t.kind === 'punct' && t.text === ')') return "missing '(' in expression";
    if (classifyIf(t, true).role !== 'other' && classifyIf(t, false).role === 'other') return `missing binary operator before token "${t.text}"`;
    if (parsed.message.startsWith("'?'")) return parsed.message;
    return `token "${t.text}" is not valid in preprocessor expressions`;
  }
  const truthy = (a: Val) => a.v !== 0n;
  const bool = (b: boolean): Val => ({ v: b ? 1n : 0n, u: false });
  interface Frame {
    n: CNode;
    ev: boolean;
    vals: Val[];
  }
  const kids = (n: CNode): number => (n.k === 'leaf' ? 0 : n.k === 'un' ? 1 : n.k === 'bin' ? 2 : 3);
  /** Whether the next child of f is evaluated (its division by zero counts). */
  const childEv = (f: Frame): boolean => {
    const n = f.n;
    const [first] = f.vals;
    if (!f.ev || first === undefined) return f.ev;
    if (n.k === 'bin' && n.op === '&&') return truthy(first);
    if (n.k === 'bin' && n.op === '||') return !truthy(first);
    if (n.k === 'tern') return f.vals.length === 1 ? truthy(first) : !truthy(first);
    return true;
  };
  const child = (n: CNode, i: number): CNode => (n.k === 'un' ? n.a : n.k === 'bin' ? (i === 0 ? n.l : n.r) : n.k === 'tern' ? (i === 0 ? n.c : i === 1 ? n.a : n.b) : n);
  const ZERO: Val = { v: 0n, u: false };
  try {
    const stack: Frame[] = [{ n: parsed.node, ev: true, vals: [] }];
    let result: Val | undefined;
    for (let f = stack.at(-1); f; f = stack.at(-1)) {
      if (f.vals.length < kids(f.n)) {
        stack.push({ n: child(f.n, f.vals.length), ev: childEv(f), vals: [] });
        continue;
      }
      stack.pop();
      const n = f.n;
      const [a = ZERO, b = ZERO, c = ZERO] = f.vals; // the operands, `kids` of them
      let r: Val;
      if (n.k === 'leaf') r = n.t.kind === 'number' ? parseNumber(n.t.text) : n.t.kind === 'char' ? parseChar(n.t.text) : ZERO;
      else if (n.k === 'un') r = n.op === '+' ? a : n.op === '-' ? norm(-a.v, a.u) : n.op === '~' ? norm(~a.v, a.u) : bool(!truthy(a));
      else if (n.k === 'tern') r = norm(truthy(a) ? b.v : c.v, b.u || c.u);
      else if (n.op === '&&') r = bool(truthy(a) && truthy(b));
      else if (n.op === '||') r = bool(truthy(a) || truthy(b));
      else if (n.op === ',') r = b;
      else r = apply(n.op, a, b, f.ev);
      const parent = stack[stack.length - 1];
      if (parent) parent.vals.push(r);
      else result = r;
    }
    return (result ?? ZERO).v !== 0n;
  } catch (e) {
    if (e instanceof ExprError) return e.message;
    throw e;
  }
}

function apply(op: string, a: Val, b: Val, ev: boolean): Val {
  const u = a.u || b.u;
  const x = u ? BigInt.asUintN(64, a.v) : a.v;
  const y = u ? BigInt.asUintN(64, b.v) : b.v;
  const bool = (c: boolean): Val => ({ v: c ? 1n : 0n, u: false });
  switch (op) {
    case '*':
      return norm(x * y, u);
    case '/':
    case '%':
      if (y === 0n) {
        if (ev) throw new ExprError('division by zero in #if');
        return { v: 0n, u };
      }
      return norm(op === '/' ? x / y : x % y, u);
    case '+':
      return norm(x + y, u);
    case '-':
      return norm(x - y, u);
    case '<<':
    case '>>': {
      let n = b.u ? BigInt.asUintN(64, b.v) : b.v;
      let left = op === '<<';
      if (n < 0n) {
        n = -n;
        left = !left;
      }
      const av = a.u ? BigInt.asUintN(64, a.v) : a.v;
      if (left) return n >= 64n ? { v: 0n, u: a.u } : norm(av << n, a.u);
      if (n >= 64n) return { v: !a.u && av < 0n ? -1n : 0n, u: a.u };
      return norm(av >> n, a.u);
    }
    case '<':
      return bool(x < y);
    case '>':
      return bool(x > y);
    case '<=':
      return bool(x <= y);
    case '>=':
      return bool(x >= y);
    case '==':
      return bool(x === y);
    case '!=':
      return bool(x !== y);
    case '&':
      return norm(x & y, u);
    case '^':
      return norm(x ^ y, u);
    default:
      return norm(x | y, u);
  }
}

class ExprError extends Error {}

function parseNumber(text: string): Val {
  const [, digits, suffix = ''] = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)([uUlL]*)$/.exec(text) ?? [];
  if (digits === undefined || !/^(?:[uU]?(?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU])$/.test(suffix)) {
    if (/^[0-9.]/.test(text) && /[.eEpP]/.test(text) && !/^0[xX]/.test(text)) throw new ExprError('floating constant in preprocessor expression');
    throw new ExprError(`invalid integer constant "${text}" in #if`);
  }
  let v: bigint;
  if (/^0[bB]/.test(digits)) v = BigInt(digits.replace(/^0[bB]/, '0b'));
  else if (/^0[xX]/.test(digits)) v = BigInt(digits.replace(/^0X/, '0x'));
  else if (digits.length > 1 && digits[0] === '0') {
    if (/[89]/.test(digits)) throw new ExprError(`invalid digit in octal constant "${text}"`);
    v = BigInt('0o' + digits.slice(1));
  } else v = BigInt(digits);
  const u = /[uU]/.test(suffix) || BigInt.asUintN(64, v) > INT64_MAX;
  return norm(v, u);
}

function parseChar(text: string): Val {
  const body = text.slice(1, -1);
  const chars: number[] = [];
  for (let k = 0; k < body.length; ) {
    const c = body.charAt(k);
    if (c !== '\\') {
      chars.push(body.charCodeAt(k) & 0xff);
      k++;
      continue;
    }
    const e = body[k + 1] ?? '';
    k += 2;
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27, E: 27, '\\': 92, "'": 39, '"': 34, '?': 63 };
    const code = simple[e];
    if (code !== undefined) chars.push(code);
    else if (/[0-7]/.test(e)) {
      let s = e;
      while (s.length < 3 && /[0-7]/.test(body[k] ?? '')) s += body[k++];
      chars.push(parseInt(s, 8) & 0xff);
    } else if (e === 'x') {
      let s = '';
      while (/[0-9a-fA-F]/.test(body[k] ?? '')) s += body[k++];
      chars.push(parseInt(s || '0', 16) & 0xff);
    } else chars.push(e.charCodeAt(0) & 0xff);
  }
  if (chars.length === 0) throw new ExprError('empty character constant');
  const [c] = chars;
  if (chars.length === 1 && c !== undefined) {
    return { v: BigInt(c >= 128 ? c - 256 : c), u: false };
  }
  let v = 0n;
  for (const c of chars) v = (v << 8n) | BigInt(c);
  return { v: BigInt.asIntN(32, v), u: false };
}
