/** `tsvisor dtc`: the device-tree compiler with dtc's flags. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { BLOB_VERSIONS, compileSource, fromFs, FsTreeError, isCheckName, loadBlob, loadTree, toAsm, toBlob, toDts, toYaml, type CompileOptions, type CompileResult } from '../dts/index.js';
import { renderDiagnostic } from './render.js';

export interface DtcFlags {
  inFormat?: string;
  outFormat?: string;
  out?: string;
  include: string[];
  define: string[];
  cpp?: boolean;
  symbols?: boolean;
  autoAlias?: boolean;
  bootCpu?: string;
  phandle?: string;
  quiet: number;
  reserve?: string;
  space?: string;
  pad?: string;
  align?: string;
  sort?: boolean;
  force?: boolean;
  warning: string[];
  error: string[];
  outVersion?: string;
  outDependency?: string;
  annotate?: number;
}

function num(s: string | undefined, what: string): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s.startsWith('0') && !s.startsWith('0x') && s.length > 1 ? parseInt(s, 8) : s);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`invalid ${what}: ${s}`);
  return v;
}

class UsageError extends Error {}

function readInput(input: string): Uint8Array {
  return input === '-' ? readFileSync(0) : readFileSync(input);
}

function guessInputFormat(input: string, data: Uint8Array): 'dts' | 'dtb' {
  if (input.endsWith('.dts') || input.endsWith('.dtsi')) return 'dts';
  if (data.length >= 4 && data[0] === 0xd0 && data[1] === 0x0d && data[2] === 0xfe && data[3] === 0xed) return 'dtb';
  return 'dts';
}

/** -W/-E as dtc takes them: `-Wname` / `-Wno-name`, checked against dtc's check names. */
function checkFlags(flags: DtcFlags): string[] {
  const out: string[] = [];
  for (const [kind, names] of [['W', flags.warning], ['E', flags.error]] as const) {
    for (const name of names) {
      if (!isCheckName(name)) throw new UsageError(`Unrecognized check name "${name.replace(/^no[-_]/, '')}"`);
      out.push(`-${kind}${name}`);
    }
  }
  return out;
}

/**
 * Runs dtc. Exit status as dtc 1.6.1's: 1 when the input cannot be read, lexed or parsed, or an error is found
 * while building the tree (out-of-range values, unknown references...), whatever follows it, and even with -f;
 * 2 when only the checks fail (-f writes the output anyway); 0 otherwise.
 */
export function runDtc(input: string, flags: DtcFlags): number {
  try {
    const version = flags.outVersion === undefined ? 17 : num(flags.outVersion, 'version')!;
    if (!(BLOB_VERSIONS as readonly number[]).includes(version)) throw new UsageError(`Unknown device tree blob version ${version}`);
    if (flags.space !== undefined && flags.pad !== undefined) throw new UsageError("can't set both -p and -S");
    const name = input === '-' ? '<stdin>' : input;
    const opts: CompileOptions = {
      includePaths: flags.include,
      symbols: !!flags.symbols,
      autoAliases: !!flags.autoAlias,
      sort: !!flags.sort,
      phandleFormat: (flags.phandle as CompileOptions['phandleFormat']) ?? 'epapr',
      checkFlags: checkFlags(flags),
      dtcWarnings: true,
    };
    if (flags.cpp === false) opts.cpp = false;
    if (flags.define.length) opts.defines = Object.fromEntries(flags.define.map((d) => (d.includes('=') ? [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)] : [d, '1'])));
    let result: CompileResult;
    let inFormat: string;
    if (flags.inFormat === 'fs') {
      inFormat = 'fs';
      try {
        result = loadTree(fromFs(input), opts);
      } catch (e) {
        if (!(e instanceof FsTreeError)) throw e;
        process.stderr.write(`tsvisor dtc: ${e.message}\n`);
        return 1;
      }
    } else {
      let data: Uint8Array;
      try {
        if (input !== '-' && statSync(input).isDirectory()) throw new UsageError(`${input} is a directory (use -I fs to read a directory tree)`);
        data = readInput(input);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        process.stderr.write(`tsvisor dtc: couldn't open "${input}": ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
        return 1;
      }
      inFormat = flags.inFormat ?? guessInputFormat(input, data);
      result = inFormat === 'dtb' ? loadBlob(data, name, opts) : compileSource(new TextDecoder('latin1').decode(data), name, opts);
    }
    const outFormat =
      flags.outFormat ?? (flags.out?.endsWith('.dts') ? 'dts' : flags.out?.endsWith('.dtb') ? 'dtb' : flags.out?.endsWith('.S') || flags.out?.endsWith('.s') ? 'asm' : inFormat === 'dts' ? 'dtb' : 'dts');
    if (outFormat === 'yaml' && inFormat !== 'dts') throw new UsageError('YAML output format requires dts input format');
    if (flags.outDependency !== undefined) {
      const deps = [input, ...(result.dependencies ?? [])];
      writeFileSync(flags.outDependency, `${flags.out ?? '-'}:${deps.map((d) => ` ${d}`).join('')}\n`);
    }
    for (const d of result.diagnostics) {
      if (d.severity === 'warning' && flags.quiet >= 1) continue;
      if (d.severity === 'error' && flags.quiet >= 2) continue;
      process.stderr.write(renderDiagnostic(d) + '\n');
    }
    if (!result.tree || result.fatal || (!result.ok && !flags.force)) {
      const n = result.diagnostics.filter((d) => d.severity === 'error').length;
      if (flags.quiet < 2) process.stderr.write(`tsvisor dtc: ${n} error${n === 1 ? '' : 's'}, no output written\n`);
      return !result.tree || result.fatal ? 1 : 2;
    }
    const blob: Parameters<typeof toBlob>[1] = {};
    const set = <K extends keyof typeof blob>(k: K, v: (typeof blob)[K] | undefined) => {
      if (v !== undefined) blob[k] = v;
    };
    set('bootCpuid', num(flags.bootCpu, 'boot cpu'));
    set('reserveSlots', num(flags.reserve, 'reserve count'));
    set('minSize', num(flags.space, 'size'));
    set('padSize', num(flags.pad, 'padding'));
    const align = num(flags.align, 'alignment');
    if (align !== undefined && (align & (align - 1)) !== 0) throw new UsageError('invalid alignment: must be a power of two');
    set('align', align);
    set('version', version);
    let out: Uint8Array | string;
    if (outFormat === 'dtb') out = toBlob(result.tree, blob);
    else if (outFormat === 'asm') out = toAsm(result.tree, blob);
    else if (outFormat === 'yaml') out = toYaml(result.tree);
    else {
      if (flags.bootCpu !== undefined) result.tree.bootCpuid = num(flags.bootCpu, 'boot cpu')!;
      out = toDts(result.tree, (flags.annotate ?? 0) > 0 ? name : false);
    }
    const bytes = typeof out === 'string' ? Buffer.from(out, 'latin1') : out;
    if (!flags.out || flags.out === '-') process.stdout.write(bytes);
    else writeFileSync(flags.out, bytes);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tsvisor dtc: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
