#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --v8-pool-size=0
/**
 * The `tsvisor` command (package.json's bin). It runs the CLI (main.ts) from tsvisor-bundle.cjs, one CommonJS file
 * that scripts/bundle-cli.mjs makes from the built modules, compiled with a V8 code cache kept beside it. Loading
 * ~100 ES modules one by one, each resolved, read, parsed and compiled, was a third of a trivial run's start-up, and
 * the guest's code was then compiled again function by function as it first ran. The cache holds the functions a
 * run compiled (written at exit when there was none, or V8 turned it down: another Node, other flags, a new bundle).
 *
 * `--v8-pool-size=0` (the line above): V8's background threads are one fewer than the machine's cores, not Node's
 * fixed four. A guest's boot keeps V8 compiling in the background (its optimising compiler for the interpreter and
 * translator, tier-up of the wasm blocks): ~1.2 s of CPU in Linux's. Four threads for that on a 2-core machine took
 * the guest's own thread's core from it for a sixth of the boot, and each optimised function arrived later.
 *
 * `-u NODE_EXTRA_CA_CERTS`: where it is set (proxied and corporate networks), Node 20 reads and parses that
 * certificate file as it starts, before any code runs: 38 ms of each start on the development machine (72 ms
 * without it, 110 with). tsvisor opens no TLS connection (its web view and migration are plain HTTP and TCP), so
 * the command starts without it.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/**
 * A code cache file: the bundle's size and modification time it was made for (two float64s), then V8's data. V8
 * checks its version, its flags and the source's length, not the source itself: a bundle rebuilt to the same length
 * would run the old bytecode.
 */
const STAMP_BYTES = 16;

function runBundle(file: string, cacheFile: string): void {
  // The wasm tier's flag (wasm/wasm-tier.ts), before anything compiles: V8 takes a code cache only under the flags
  // it was made with, and a flag set later would change them between this check and the cache written at exit.
  setFlagsFromString('--no-wasm-lazy-compilation');
  let size: number, mtimeMs: number;
  try {
    ({ size, mtimeMs } = statSync(file));
  } catch {
    process.stderr.write(`tsvisor: ${file} is missing: the package is not built whole (npm run build makes it)\n`);
    process.exit(1);
  }
  let cached: Buffer | undefined;
  try {
    const bytes = readFileSync(cacheFile);
    if (bytes.length > STAMP_BYTES && bytes.readDoubleLE(0) === size && bytes.readDoubleLE(8) === mtimeMs) cached = bytes.subarray(STAMP_BYTES);
  } catch {
    // None yet: this run makes it.
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(wrapped, { filename: file, ...(cached ? { cachedData: cached } : {}) });
  if (cached === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => saveCodeCache(script, cacheFile, size, mtimeMs));
  }
  const body = script.runInThisContext() as (exports: object, req: NodeJS.Require, mod: NodeJS.Module, filename: string, dirname: string) => void;
  // This file's require() serves the bundle: Node's builtins, and the packages it leaves out (chevrotain, ws).
  body.call(module.exports, module.exports, require, module, file, __dirname);
}

/** Write the code cache through a file of this process's own, renamed into place: runs at once may race to it. */
function saveCodeCache(script: Script, cacheFile: string, size: number, mtimeMs: number): void {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    const stamp = Buffer.alloc(STAMP_BYTES);
    stamp.writeDoubleLE(size, 0);
    stamp.writeDoubleLE(mtimeMs, 8);
    writeFileSync(temporary, Buffer.concat([stamp, script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    // A read-only installation: every run compiles the bundle itself.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // As main.ts answers it, without reading the bundle.
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else if ((process.features as { require_module?: boolean }).require_module !== true) {
  // A Node before 20.19: chevrotain (an ES module) could not load on first use from the bundle. The ES modules run.
  void import('./main.js');
} else {
  runBundle(join(__dirname, 'tsvisor-bundle.cjs'), process.env['TSVISOR_CODE_CACHE'] || join(__dirname, 'tsvisor-bundle.v8cache'));
}
