/**
 * `tsvisor validate <board.dts|guest.dts|.dtb>...`: every configuration problem at once, compiler style or as JSON.
 * Exit status: 0 clean, 1 errors (or warnings with --strict), 2 a file could not be read.
 */
import { validateFiles } from '../vmm/config/read-config.js';
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
  const v = validateFiles(paths, flags.include);
  const diagnostics = v.diagnostics;
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
  if (v.unreadable) return 2;
  return errors > 0 || (flags.strict && warnings > 0) ? 1 : 0;
}
