/**
 * The toolchain's front door: source or blob in, a resolved DeviceTree and diagnostics out. The passes run in
 * dtc's order: parse and build, fill paths, checks and fix-ups, then the generated __symbols__ / __fixups__ /
 * __local_fixups__ nodes, then sorting.
 */
import { createRequire } from 'node:module';
import { buildTree } from './build.js';
import { runChecks, type Level } from './checks.js';
import { DiagnosticSink, type Diagnostic } from './diagnostics.js';
import type * as Cpp from './cpp.js';
import { BlobError, fromBlob } from './dtb.js';
import { hostFiles, type FileReader } from './files.js';
import { latin1, readU32BE } from './bytes.js';
import { lexFile, refOf, SourceSet } from './lexer.js';
import type * as Overlay from './overlay.js';
import { BUNDLED } from '../bundled.js';
import { parseTokens } from './parser.js';
import { Phandles, type PhandleFormat } from './phandles.js';
import { Identifier } from './tokens.js';
import { pointAt } from './source.js';
import { fillPaths, type DeviceTree, type Node } from './tree.js';

/**
 * The preprocessor (cpp.ts) and the overlay generators (overlay.ts) load on first use: most device trees need
 * neither, and loading them was ~6 ms of a trivial `tsvisor run`. Loading on first use from this synchronous code
 * takes require() of an ES module: Node 20.19 and later, and the built .js files. Elsewhere (an older Node, or the
 * .ts sources as vitest and tsx run them) preload.ts loads both up front and hands them here; the package's entry
 * points, the CLI there and the tests' setup file import it. That await is not here: the CLI require()s `tsvisor
 * run`'s module graph (cli/commands.ts), and require() refuses a graph with a top-level await anywhere in it.
 */
export const compilerLoadsOnFirstUse =
  (process.features as { require_module?: boolean }).require_module === true && import.meta.url.endsWith('.js');
let cppModule: typeof Cpp | undefined;
let overlayModule: typeof Overlay | undefined;

/** preload.ts: the modules this one cannot load on first use where it runs. */
export function provideCompilerModules(cppLoaded: typeof Cpp, overlayLoaded: typeof Overlay): void {
  cppModule = cppLoaded;
  overlayModule = overlayLoaded;
}

function loadOnFirstUse<T>(specifier: string): T {
  if (!compilerLoadsOnFirstUse) throw new Error(`dts: ${specifier} cannot load on first use here: import dts/preload.js first`);
  return createRequire(import.meta.url)(specifier) as T;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle takes them in (src/bundled.ts)
const cpp = (): typeof Cpp => (cppModule ??= BUNDLED ? require('./cpp.js') as typeof Cpp : loadOnFirstUse<typeof Cpp>('./cpp.js'));
const overlay = (): typeof Overlay =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as cpp above
  (overlayModule ??= BUNDLED ? require('./overlay.js') as typeof Overlay : loadOnFirstUse<typeof Overlay>('./overlay.js'));

/** The cheap test compile uses: does the text hold a preprocessor directive cpp would act on? */
export function needsPreprocessor(text: string): boolean {
  return /^[ \t]*#[ \t]*(?:include|define|if|ifdef|ifndef|undef)\b/m.test(text);
}

export interface CompileOptions {
  files?: FileReader;
  /** Directories searched for /include/ and /incbin/ after the including file's own directory (-i). */
  includePaths?: readonly string[];
  /** -@: add /__symbols__ (and phandles for every labelled node). */
  symbols?: boolean;
  /** -A: add every label to /aliases. */
  autoAliases?: boolean;
  /** -H: which phandle properties to generate. */
  phandleFormat?: PhandleFormat;
  /** -s: sort nodes and properties by name. */
  sort?: boolean;
  /** Check severities by dtc check name (-W/-E). */
  checkLevels?: ReadonlyMap<string, Level>;
  /**
   * dtc's -W/-E arguments in order, each `-Wname`, `-Wno-name`, `-Ename` or `-Eno-name` (applied after checkLevels).
   * Raising a check raises its prerequisites; lowering one lowers the checks that need it, as in dtc.
   */
  checkFlags?: readonly string[];
  /**
   * Run dtc's warning checks at their default severities, as the dtc CLI does (`tsvisor dtc` sets this). Off by
   * default: tsvisor's own board and guest files are device trees in name only, and dtc's conventions (interrupt
   * parents, unit addresses...) are noise there. Checks that checkFlags/checkLevels enable run either way.
   */
  dtcWarnings?: boolean;
  /**
   * Run the built-in C preprocessor first (as Linux does with cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp;
   * #include searches the including file's directory, then includePaths). Default: only when the text has a line
   * starting with #include, #define, #if, #ifdef, #ifndef or #undef, or when defines are given.
   */
  cpp?: boolean;
  /** Macros for the preprocessor (-D): name, or NAME(args), to replacement text. */
  defines?: Record<string, string>;
}

export interface CompileResult {
  /** The tree, when the input could be read (it may still carry errors: see ok). */
  tree?: DeviceTree;
  diagnostics: Diagnostic[];
  /** No errors: what dtc would compile without -f. */
  ok: boolean;
  /**
   * The errors came before the checks (reading, lexing, parsing, building the tree): dtc stops there and exits 1,
   * even with -f; errors from the checks alone exit 2, and -f writes output anyway.
   */
  fatal: boolean;
  /** Every file read besides the input itself, in order (/include/, #include, /incbin/): for `-d`. */
  dependencies?: string[];
  sources: SourceSet;
}

/** Compiles DTS text (the file name is used for messages and to resolve includes). */
export function compileSource(text: string, path: string, opts: CompileOptions = {}): CompileResult {
  const diags = new DiagnosticSink();
  const sources = new SourceSet();
  const dependencies: string[] = [];
  const reader = opts.files ?? hostFiles;
  const files: FileReader = {
    read(p: string) {
      const data = reader.read(p);
      if (data) dependencies.push(p);
      return data;
    },
  };
  const includePaths = opts.includePaths ?? [];
  const hasDefines = opts.defines !== undefined && Object.keys(opts.defines).length > 0;
  if (opts.cpp ?? (hasDefines || needsPreprocessor(text))) {
    const pp = cpp().preprocess(text, path, { files, includePaths, ...(opts.defines ? { defines: opts.defines } : {}) });
    diags.items.push(...pp.diagnostics);
    if (diags.errorCount) return { diagnostics: diags.items, ok: false, fatal: true, sources, dependencies };
    text = pp.text;
  }
  const buf = sources.add(path, text);
  const tokens = lexFile(buf, { files, includePaths, sources, diags });
  const result = (tree?: DeviceTree): CompileResult => {
    const r: CompileResult = { diagnostics: diags.items, ok: diags.errorCount === 0, fatal: !tree || diags.errorCount > 0, sources, dependencies };
    if (tree) r.tree = tree;
    return r;
  };
  if (diags.errorCount) return result();
  const parsed = parseTokens(tokens);
  if (parsed.error) {
    const t = parsed.error.token;
    if (t.tokenType.name === 'EOF') {
      const last = tokens[tokens.length - 1];
      if (last) diags.error('syntax', `unexpected end of input after ${JSON.stringify(last.image)}`, refOf(last), 'the file may be truncated or a "}" or ";" may be missing');
      else diags.error('syntax', 'empty input: expected "/dts-v1/;"', pointAt(buf, 1, 1));
    } else {
      const hint =
        t.tokenType === Identifier
          ? `"${t.image}" is not a number, string or reference; if it is a macro, preprocess the file with cpp first`
          : undefined;
      const message = parsed.error.final
        ? parsed.error.message
        : `syntax error: unexpected ${JSON.stringify(t.image)}${expected(parsed.error.message)}`;
      diags.error('syntax', message, refOf(t), hint);
    }
    return result();
  }
  const endPos = buf.positionOf(buf.text.length);
  const tree = buildTree(parsed.ast!, { diags, files, includePaths, end: pointAt(buf, endPos.line, endPos.column) });
  if (!tree || diags.errorCount) return result(tree);
  finish(tree, opts, diags);
  return { tree, diagnostics: diags.items, ok: diags.errorCount === 0, fatal: false, sources, dependencies };
}

/** Reads a DTS file from disk (or the injected file reader) and compiles it. */
export function compileFile(path: string, opts: CompileOptions = {}): CompileResult {
  const data = (opts.files ?? hostFiles).read(path);
  if (!data) {
    const diags = new DiagnosticSink();
    diags.error('io', `couldn't open "${path}": no such file or not readable`);
    return { diagnostics: diags.items, ok: false, fatal: true, sources: new SourceSet() };
  }
  return compileSource(latin1(data), path, opts);
}

/** Runs the checks and generators on a tree read some other way (`-I fs`), as for source input. */
export function loadTree(tree: DeviceTree, opts: CompileOptions = {}): CompileResult {
  const diags = new DiagnosticSink();
  finish(tree, opts, diags);
  return { tree, diagnostics: diags.items, ok: diags.errorCount === 0, fatal: false, sources: new SourceSet() };
}

/** Reads a DTB and runs the same checks and generators as for source input. */
export function loadBlob(blob: Uint8Array, path: string, opts: CompileOptions = {}): CompileResult {
  const diags = new DiagnosticSink();
  let tree: DeviceTree;
  try {
    tree = fromBlob(blob);
  } catch (e) {
    if (!(e instanceof BlobError)) throw e;
    diags.error('dtb', `${path}: ${e.message} (at byte offset ${e.offset})`);
    return { diagnostics: diags.items, ok: false, fatal: true, sources: new SourceSet() };
  }
  finish(tree, opts, diags);
  return { tree, diagnostics: diags.items, ok: diags.errorCount === 0, fatal: false, sources: new SourceSet() };
}

function finish(tree: DeviceTree, opts: CompileOptions, diags: DiagnosticSink): void {
  fillPaths(tree.root);
  const phandles = new Phandles(opts.phandleFormat ?? 'epapr');
  const ok = runChecks({ tree, diags, phandles, symbols: !!opts.symbols }, opts.checkLevels, opts.checkFlags, opts.dtcWarnings ?? false);
  if (!ok) return;
  if (opts.autoAliases) overlay().generateLabelTree(tree, 'aliases', undefined, diags);
  if (opts.symbols) overlay().generateLabelTree(tree, '__symbols__', phandles, diags);
  if (tree.plugin) {
    overlay().generateFixups(tree, diags);
    overlay().generateLocalFixups(tree);
  }
  if (opts.sort) sortTree(tree);
}

function sortTree(tree: DeviceTree): void {
  tree.reserves.sort((a, b) => (a.address !== b.address ? (a.address < b.address ? -1 : 1) : a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const visit = (n: Node) => {
    n.props.sort(byName);
    n.children.sort(byName);
    for (const c of n.children) visit(c);
  };
  visit(tree.root);
}

/** Condenses chevrotain's "Expecting ... but found" into a short list of what would have fitted. */
function expected(message: string): string {
  const m = /Expecting(?: token of type)? --> (.+?) <--/.exec(message);
  if (m) return `, expected ${m[1]}`;
  const alts = message.match(/\[([^\]]+)\]/g);
  if (alts && alts.length <= 6) {
    const names = [...new Set(alts.map((a) => a.slice(1, -1).split(', ', 1)[0] ?? ''))];
    return `, expected one of ${names.join(', ')}`;
  }
  return '';
}

/** Whether bytes are a flattened device tree (they start with the FDT magic). */
export function isBlob(data: Uint8Array): boolean {
  return data.length >= 4 && readU32BE(data, 0) === 0xd00dfeed;
}

/** Compile file contents that are either a DTB or DTS source (as latin1 text), whichever they are. */
export function compileData(data: Uint8Array, path: string, opts: CompileOptions = {}): CompileResult {
  return isBlob(data) ? loadBlob(data, path, opts) : compileSource(new TextDecoder('latin1').decode(data), path, opts);
}
