/**
 * `tsvisor validate <board.dts|guest.dts|.dtb>...`: every configuration problem at once, compiler style or as JSON.
 * Exit status: 0 clean, 1 errors (or warnings with --strict), 2 a file could not be read.
 */
import { MAX_DEVICE_TREE_BYTES, readHostFile } from '../vmm/host-file.js';
import { compileData } from '../dts/compile.js';
import type { Diagnostic } from '../dts/diagnostics.js';
import { validate, type ConfigFile } from '../vmm/config/validate.js';
import { renderDiagnostic } from './render.js';

export interface ValidateFlags {
  format: 'text' | 'json';
  strict?: boolean;
  include: string[];
}

export function runValidate(paths: readonly string[], flags: ValidateFlags, write: (s: string) => void): number {
  if (flags.format !== 'text' && flags.format !== 'json') {
    write(`tsvisor validate: unknown format "${flags.format}" (text or json)\n`);
    return 2;
  }
  const diagnostics: Diagnostic[] = [];
  const files: ConfigFile[] = [];
  let unreadable = false;
  for (const path of paths) {
    // Checked before it is read (regular file, size limit): a FIFO or /dev/zero is refused, never waited on.
    const file = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'device tree');
    if (!file.ok) {
      unreadable = true;
      diagnostics.push({ severity: 'error', code: 'read', message: file.error, file: path });
      continue;
    }
    const result = compileData(file.data, path, { includePaths: flags.include });
    // (dtc's binding warnings are not run here: Xvisor's guest format is not a Linux binding.)
    diagnostics.push(...result.diagnostics);
    if (result.tree && result.ok) files.push({ path, tree: result.tree });
  }
  const v = validate(files);
  diagnostics.push(...v.diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (flags.format === 'json') {
    write(JSON.stringify({
      files: paths,
      host: v.host ? { cpus: v.host.cpus.length, memoryBytes: v.host.memory.reduce((s, b) => s + b.size, 0) } : null,
      guests: v.guests.map((g) => ({ name: g.name, vcpus: g.vcpus.length, regions: g.regions.length })),
      errors, warnings, diagnostics,
    }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) write(renderDiagnostic(d) + '\n');
    const what = [v.host ? `host with ${v.host.cpus.length} CPUs` : undefined, `${v.guests.length} guest${v.guests.length === 1 ? '' : 's'}`]
      .filter(Boolean).join(', ');
    write(errors + warnings === 0 ? `ok: ${what}\n` : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${what})\n`);
  }
  if (unreadable) return 2;
  return errors > 0 || (flags.strict && warnings > 0) ? 1 : 0;
}
