/**
 * `compile`: device-tree source (or a DTB) to a tree and a DTB in one call, with dtc's diagnostics — the library
 * form of `tsvisor dtc -I dts -O dtb`. Never throws for bad input: problems are diagnostics.
 */
import { compileData, compileSource, type CompileOptions as DtsCompileOptions } from '../dts/compile.js';
import { formatPlain, type Diagnostic } from '../dts/diagnostics.js';
import { toBlob, type BlobOptions } from '../dts/dtb.js';
import type { DeviceTree } from '../dts/tree.js';

export interface CompileOptions extends DtsCompileOptions {
  /** The name diagnostics give the input; /include/ and #include search its folder first (default `<input>`). */
  readonly path?: string;
  /** How the DTB is written (version, padding, reserve-map slots). */
  readonly blob?: BlobOptions;
}

export interface Compiled {
  /** No errors (warnings may remain in `diagnostics`). */
  readonly ok: boolean;
  /** The tree, when the input could be read (it may still carry errors: see ok). */
  readonly tree: DeviceTree | undefined;
  /** The flattened tree, when ok. */
  readonly dtb: Uint8Array | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** The diagnostics as `file:line:column: severity: message` lines. */
  readonly messages: readonly string[];
}

/** Compile DTS text, or DTS/DTB bytes (a DTB is recognised by its magic number). */
export function compile(source: string | Uint8Array, options: CompileOptions = {}): Compiled {
  const { path = '<input>', blob, ...opts } = options;
  const r = typeof source === 'string' ? compileSource(source, path, opts) : compileData(source, path, opts);
  let dtb: Uint8Array | undefined;
  const diagnostics = [...r.diagnostics];
  if (r.ok && r.tree) {
    try {
      dtb = toBlob(r.tree, blob);
    } catch (e) {
      // Only bad blob options get here (an unknown version): reported like any other problem.
      diagnostics.push({ severity: 'error', code: 'blob', message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { ok: r.ok && dtb !== undefined, tree: r.tree, dtb, diagnostics, messages: diagnostics.map(formatPlain) };
}
