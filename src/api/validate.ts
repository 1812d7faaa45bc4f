/**
 * `validate`: configuration files (a board and/or guest files, DTS or DTB) checked as `tsvisor validate` checks
 * them. Never throws for bad input: an unreadable file or a bad configuration is a diagnostic.
 */
import { formatPlain, type Diagnostic } from '../dts/diagnostics.js';
import { validateFiles } from '../vmm/config/read-config.js';
import type { GuestConfig, HostConfig } from '../vmm/config/types.js';

export interface ValidateOptions {
  /** More folders searched for includes. */
  readonly includePaths?: readonly string[];
  /** Warnings count as failures (`ok` false), as `tsvisor validate --strict`. */
  readonly strict?: boolean;
}

export interface ValidationReport {
  /** No errors (and, with `strict`, no warnings). */
  readonly ok: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The diagnostics as `file:line:column: severity: message` lines. */
  readonly messages: readonly string[];
  /** The host a board describes, and every guest (inline, loaded by bootcmd, or given as a file). */
  readonly host: HostConfig | undefined;
  readonly guests: readonly GuestConfig[];
}

export function validate(paths: string | readonly string[], options: ValidateOptions = {}): ValidationReport {
  const v = validateFiles(typeof paths === 'string' ? [paths] : paths, options.includePaths);
  const errors = v.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = v.diagnostics.length - errors;
  return {
    ok: errors === 0 && !(options.strict === true && warnings > 0), errors, warnings,
    diagnostics: v.diagnostics, messages: v.diagnostics.map(formatPlain), host: v.host, guests: v.guests,
  };
}
