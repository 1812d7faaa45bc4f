/**
 * The DTS token vocabulary, as dtc's flex lexer defines it. dtc's lexer is context sensitive: after `{`, `;`,
 * `/delete-node/`, `/delete-property/` and `/omit-if-no-ref/` a word is a property or node name (so `0x10` or
 * `#size-cells` are names there), inside `[ ]` two hex digits are a byte, elsewhere digits are an integer
 * literal. The custom patterns below recover that state from the tokens matched so far.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';
import type { IToken, ITokenConfig, TokenType } from 'chevrotain';

/**
 * chevrotain's single-file build (lib/chevrotain.mjs, shipped in its package), when it is there. The package's
 * entry point is the unbundled build: ~700 modules (chevrotain's and lodash-es's) that took Node half a second to
 * resolve and load, most of the CLI's start-up; the bundle is the same release and loads in ~30 ms.
 */
function chevrotainBundle(): string | undefined {
  try {
    // The entry point (lib/src/api.js) as Node resolves it, wherever the package is installed.
    const url = new URL('../chevrotain.mjs', pathToFileURL(createRequire(import.meta.url).resolve('chevrotain')));
    return existsSync(url) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The token types are plain objects of chevrotain's TokenType shape, made here without chevrotain: lexer.ts and
 * parser.ts lex and parse well-formed input by hand, and load chevrotain (~60 ms of a run's start-up: loading it,
 * building its lexer, analysing the grammar) only to report an error exactly as its lexer and parser do. These
 * stand for chevrotain's Lexer.SKIPPED and Lexer.NA until then; chevrotainRuntime() puts the real ones in.
 */
const SKIPPED = 'SKIPPED';
const NOT_APPLICABLE = /NOT_APPLICABLE/;

function createToken(config: ITokenConfig): TokenType {
  const t: TokenType = { name: config.name };
  if (config.pattern !== undefined) t.PATTERN = config.pattern;
  if (config.label !== undefined) t.LABEL = config.label;
  if (config.group !== undefined) t.GROUP = config.group;
  if (config.line_breaks !== undefined) t.LINE_BREAKS = config.line_breaks;
  if (config.start_chars_hint !== undefined) t.START_CHARS_HINT = config.start_chars_hint;
  return t;
}
const Lexer = { SKIPPED, NA: NOT_APPLICABLE };

/**
 * Whether this Node can require() an ES module (20.19 and later): chevrotain can then load when first needed. On an
 * older Node, preload.ts loads it up front (`loadChevrotain`) and hands it here (no top-level await in this module:
 * see compile.ts).
 */
export const chevrotainLoadsOnFirstUse = (process.features as { require_module?: boolean }).require_module === true;
let runtime: typeof Chevrotain | undefined;

export async function loadChevrotain(): Promise<typeof Chevrotain> {
  const bundle = chevrotainBundle();
  return bundle ? ((await import(bundle)) as typeof Chevrotain) : await import('chevrotain');
}

/** preload.ts: chevrotain, where it cannot load on first use. */
export function provideChevrotain(loaded: typeof Chevrotain): void {
  runtime ??= loaded;
}

/**
 * chevrotain itself, loaded on first use (synchronously: require() of its ES module), with the token types made
 * whole for it. The lexer and parser take chevrotain from here, so that a process has one chevrotain (one EOF).
 */
export function chevrotainRuntime(): typeof Chevrotain {
  if (!runtime) {
    if (!chevrotainLoadsOnFirstUse) throw new Error('dts: chevrotain cannot load on first use on this Node: import dts/preload.js first');
    const require = createRequire(import.meta.url);
    const bundle = chevrotainBundle();
    runtime = (bundle ? require(fileURLToPath(bundle)) : require('chevrotain')) as typeof Chevrotain;
  }
  if (!tokensReady) {
    for (const t of allTokens) {
      if (t.GROUP === SKIPPED) t.GROUP = runtime.Lexer.SKIPPED;
      if (t.PATTERN === NOT_APPLICABLE) t.PATTERN = runtime.Lexer.NA;
    }
    tokensReady = true;
  }
  return runtime;
}
let tokensReady = false;

/** Whether a token type is skipped (whitespace, comments): chevrotain's Lexer.SKIPPED group, or its stand-in. */
export function isSkipped(t: TokenType): boolean {
  return t.GROUP === SKIPPED || (runtime !== undefined && t.GROUP === runtime.Lexer.SKIPPED);
}

/** Whether a token type is never lexed (ParenExpr): chevrotain's Lexer.NA, or its stand-in. */
export function isNotApplicable(t: TokenType): boolean {
  return t.PATTERN === NOT_APPLICABLE || (runtime !== undefined && t.PATTERN === runtime.Lexer.NA);
}

/** The end of input, for parse errors there (chevrotain's own EOF when chevrotain reported the error). */
export const EndOfInput: TokenType = createToken({ name: 'EOF' });

/** dtc's flex start conditions: PROPNODENAME, BYTESTRING and V1. */
export type Mode = 'name' | 'bytes' | 'value';

/** Lexer state at the start of an included file: the state at the `/include/` that pulled it in. */
let initialMode: Mode = 'value';

export function setInitialMode(mode: Mode): void {
  initialMode = mode;
}

/** The lexer state after `tokens`, as dtc's flex start conditions would have it. */
export function modeAfter(tokens: readonly IToken[]): Mode {
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!.tokenType;
    if (t === Label || t === Include) continue;
    if (t === LBrace || t === Semi || t === DelNode || t === DelProp || t === OmitIfNoRef) return 'name';
    if (t === LBracket || t === Byte) return 'bytes';
    return 'value';
  }
  return initialMode;
}

function sticky(re: RegExp): RegExp {
  return new RegExp(re.source, 'y');
}

function inMode(mode: Mode, re: RegExp) {
  const s = sticky(re);
  return (text: string, offset: number, tokens: IToken[]): RegExpExecArray | null => {
    if (modeAfter(tokens) !== mode) return null;
    s.lastIndex = offset;
    return s.exec(text);
  };
}

const LINE_MARKER = sticky(/#(?:line)?[ \t]+[0-9]+[ \t]+"(?:[^"\\\n]|\\.)*"(?:[ \t]+[0-9]+)*/);

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED, line_breaks: true });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });
/** `# 12 "file.dtsi" 1` at the start of a line, as cpp emits. */
export const LineMarker = createToken({
  name: 'LineMarker',
  pattern: {
    exec: (text: string, offset: number) => {
      if (offset > 0 && text.charCodeAt(offset - 1) !== 10) return null;
      LINE_MARKER.lastIndex = offset;
      return LINE_MARKER.exec(text);
    },
  },
  start_chars_hint: ['#'],
  line_breaks: false,
  group: 'markers',
});
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, line_breaks: true, group: 'errors' });

export const Include = createToken({ name: 'Include', pattern: /\/include\/\s*"(?:[^"\\]|\\[\s\S])*"/, line_breaks: true });
export const DtsV1 = createToken({ name: 'DtsV1', pattern: '/dts-v1/' });
export const Plugin = createToken({ name: 'Plugin', pattern: '/plugin/' });
export const MemReserve = createToken({ name: 'MemReserve', pattern: '/memreserve/' });
export const Bits = createToken({ name: 'Bits', pattern: '/bits/' });
export const DelProp = createToken({ name: 'DelProp', pattern: '/delete-property/' });
export const DelNode = createToken({ name: 'DelNode', pattern: '/delete-node/' });
export const OmitIfNoRef = createToken({ name: 'OmitIfNoRef', pattern: '/omit-if-no-ref/' });
export const Incbin = createToken({ name: 'Incbin', pattern: '/incbin/' });

export const Label = createToken({ name: 'Label', pattern: /[a-zA-Z_][a-zA-Z0-9_]*:/ });
/** `&{/path}`; tsvisor also accepts `&{label/sub/path}`. */
export const PathRef = createToken({ name: 'PathRef', pattern: /&\{[a-zA-Z0-9,._+*#?@/-]*\}/ });
export const LabelRef = createToken({ name: 'LabelRef', pattern: /&[a-zA-Z_][a-zA-Z0-9_]*/ });

export const Name = createToken({
  name: 'Name',
  pattern: { exec: inMode('name', /\\?[a-zA-Z0-9,._+*#?@-]+/) },
  start_chars_hint: [...'\\abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?@-'],
  line_breaks: false,
});
export const Byte = createToken({
  name: 'Byte',
  pattern: { exec: inMode('bytes', /[0-9a-fA-F]{2}/) },
  start_chars_hint: [...'0123456789abcdefABCDEF'],
  line_breaks: false,
});
export const Literal = createToken({ name: 'Literal', pattern: /(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:ULL|UL|U|LL|L)?/ });
export const CharLiteral = createToken({ name: 'CharLiteral', pattern: /'(?:[^'\\]|\\[\s\S])*'/, line_breaks: true });
export const StringLit = createToken({ name: 'String', pattern: /"(?:[^"\\]|\\[\s\S])*"/, line_breaks: true });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\]|\\[\s\S])*/, line_breaks: true, group: 'errors' });
/** A bare word where dtc expects a value: usually an undefined cpp macro. Kept so the parser can say so. */
export const Identifier = createToken({ name: 'Identifier', pattern: /[a-zA-Z_][a-zA-Z0-9_]*/ });

export const LShift = createToken({ name: 'LShift', pattern: '<<' });
export const RShift = createToken({ name: 'RShift', pattern: '>>' });
export const Le = createToken({ name: 'Le', pattern: '<=' });
export const Ge = createToken({ name: 'Ge', pattern: '>=' });
export const EqEq = createToken({ name: 'EqEq', pattern: '==' });
export const Ne = createToken({ name: 'Ne', pattern: '!=' });
export const AndAnd = createToken({ name: 'AndAnd', pattern: '&&' });
export const OrOr = createToken({ name: 'OrOr', pattern: '||' });

export const LBrace = createToken({ name: 'LBrace', pattern: '{', label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: '}', label: "'}'" });
export const Semi = createToken({ name: 'Semi', pattern: ';', label: "';'" });
export const Equals = createToken({ name: 'Equals', pattern: '=', label: "'='" });
export const LAngle = createToken({ name: 'LAngle', pattern: '<', label: "'<'" });
export const RAngle = createToken({ name: 'RAngle', pattern: '>', label: "'>'" });
export const LBracket = createToken({ name: 'LBracket', pattern: '[', label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: ']', label: "']'" });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Slash = createToken({ name: 'Slash', pattern: '/', label: "'/'" });
export const Tilde = createToken({ name: 'Tilde', pattern: '~', label: "'~'" });
export const Bang = createToken({ name: 'Bang', pattern: '!', label: "'!'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', label: "'-'" });
export const Plus = createToken({ name: 'Plus', pattern: '+', label: "'+'" });
export const Star = createToken({ name: 'Star', pattern: '*', label: "'*'" });
export const Percent = createToken({ name: 'Percent', pattern: '%', label: "'%'" });
export const Amp = createToken({ name: 'Amp', pattern: '&', label: "'&'" });
export const Pipe = createToken({ name: 'Pipe', pattern: '|', label: "'|'" });
export const Caret = createToken({ name: 'Caret', pattern: '^', label: "'^'" });
export const Question = createToken({ name: 'Question', pattern: '?', label: "'?'" });
export const Colon = createToken({ name: 'Colon', pattern: ':', label: "':'" });
/**
 * A whole parenthesised expression `( ... )`. Never produced by the lexer: the parser folds each one into this
 * token before the grammar runs (parser.ts), parsing it without recursion.
 */
export const ParenExpr = createToken({ name: 'ParenExpr', pattern: Lexer.NA, label: "'('" });

/** Order matters: chevrotain takes the first pattern that matches, so longer and context-sensitive ones go first. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineMarker,
  BlockComment,
  UnterminatedComment,
  LineComment,
  Include,
  DtsV1,
  Plugin,
  MemReserve,
  Bits,
  DelProp,
  DelNode,
  OmitIfNoRef,
  Incbin,
  Label,
  PathRef,
  LabelRef,
  Name,
  Byte,
  Literal,
  CharLiteral,
  StringLit,
  UnterminatedString,
  Identifier,
  LShift,
  RShift,
  Le,
  Ge,
  EqEq,
  Ne,
  AndAnd,
  OrOr,
  LBrace,
  RBrace,
  Semi,
  Equals,
  LAngle,
  RAngle,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Slash,
  Tilde,
  Bang,
  Minus,
  Plus,
  Star,
  Percent,
  Amp,
  Pipe,
  Caret,
  Question,
  Colon,
  ParenExpr,
];
