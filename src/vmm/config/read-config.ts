/**
 * Configuration files from disk to validated configurations, with every problem as a diagnostic: what `tsvisor
 * validate`, `tsvisor boot` and the library entry points start from. Files are checked before they are read
 * (regular file, size limit), so a FIFO or /dev/zero is refused, never waited on.
 */
import { dirname } from 'node:path';
import { compileData } from '../../dts/compile.js';
import type { Diagnostic } from '../../dts/diagnostics.js';
import type { DeviceTree } from '../../dts/tree.js';
import { MAX_DEVICE_TREE_BYTES, readHostFile } from '../host-file.js';
import { loadGuestFile, type GuestFileOptions } from './guest-file.js';
import type { GuestConfig, HostConfig } from './types.js';
import { isGuestTree, validate, type ConfigFile, type Validation } from './validate.js';

export interface FilesValidation extends Validation {
  /** Some file could not be read at all (`tsvisor validate` exits 2). */
  readonly unreadable: boolean;
}

const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error');

/** Compile each file (DTS or DTB) and validate them together: at most one board and any number of guest files. */
export function validateFiles(paths: readonly string[], include: readonly string[] = []): FilesValidation {
  const diagnostics: Diagnostic[] = [];
  const files: ConfigFile[] = [];
  let unreadable = false;
  for (const path of paths) {
    const file = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'device tree');
    if (!file.ok) {
      unreadable = true;
      diagnostics.push({ severity: 'error', code: 'read', message: file.error, file: path });
      continue;
    }
    const result = compileData(file.data, path, { includePaths: include });
    // (dtc's binding warnings are not run here: Xvisor's guest format is not a Linux binding.)
    diagnostics.push(...result.diagnostics);
    if (result.tree && result.ok) files.push({ path, tree: result.tree });
  }
  const v = validate(files);
  return { ...v, diagnostics: [...diagnostics, ...v.diagnostics], unreadable };
}

export type BoardRead =
  | { readonly ok: true; readonly tree: DeviceTree; readonly host: HostConfig; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A board file, compiled (its own folder searched for includes first) and validated with its boot loads. */
export function readBoard(path: string, include: readonly string[] = []): BoardRead {
  const read = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'board');
  if (!read.ok) return { ok: false, diagnostics: [{ severity: 'error', code: 'read', message: read.error, file: path }] };
  const compiled = compileData(read.data, path, { includePaths: [dirname(path), ...include] });
  if (!compiled.tree || !compiled.ok) return { ok: false, diagnostics: compiled.diagnostics };
  const v = validate([{ path, tree: compiled.tree }]);
  const diagnostics = [...compiled.diagnostics, ...v.diagnostics];
  if (!v.host) {
    diagnostics.push({ severity: 'error', code: 'not_board', message: `${path} is a guest file, not a board`, file: path });
  }
  if (!v.host || hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, tree: compiled.tree, host: v.host, diagnostics };
}

export type GuestRead =
  | { readonly ok: true; readonly guest: GuestConfig; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A guest file loaded as `tsvisor run` loads it (VCPU copies, RAM size, overrides) and validated. */
export function readGuest(path: string, opts: GuestFileOptions & { readonly include?: readonly string[] } = {}): GuestRead {
  const read = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'guest');
  if (!read.ok) return { ok: false, diagnostics: [{ severity: 'error', code: 'read', message: read.error, file: path }] };
  const compiled = compileData(read.data, path, { includePaths: [dirname(path), ...(opts.include ?? [])] });
  if (!compiled.tree || !compiled.ok) return { ok: false, diagnostics: compiled.diagnostics };
  if (!isGuestTree(compiled.tree)) {
    // A board would otherwise run the first guest its bootcmd loads, which is not what was asked for.
    const message = `${path} is not a guest (device_type = "guest" at its root): a board is booted, not run`;
    return { ok: false, diagnostics: [...compiled.diagnostics, { severity: 'error', code: 'not_guest', message, file: path }] };
  }
  const loaded = loadGuestFile(compiled.tree, path, opts);
  if (typeof loaded === 'string') return { ok: false, diagnostics: [{ severity: 'error', code: 'guest_load', message: loaded, file: path }] };
  const v = validate([{ path, tree: loaded }]);
  const diagnostics = [...compiled.diagnostics, ...v.diagnostics];
  const guest = v.guests[0];
  if (!guest) diagnostics.push({ severity: 'error', code: 'not_guest', message: `${path} is not a guest (device_type = "guest")`, file: path });
  if (!guest || hasErrors(diagnostics)) return { ok: false, diagnostics };
  return { ok: true, guest, diagnostics };
}
