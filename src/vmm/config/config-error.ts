/**
 * A configuration that cannot be used (a board or guest file missing, unreadable, or with errors), as the library
 * entry points throw it: the message lists the errors compiler style, and `diagnostics` has all of them as data.
 */
import { formatPlain, type Diagnostic } from '../../dts/diagnostics.js';

/** Errors shown in the message (all of them stay in `diagnostics`). */
const MESSAGE_ERRORS = 10;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly what: string, readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    // A diagnostic without a place (a file that cannot be read) names its file in the message.
    const shown = errors.slice(0, MESSAGE_ERRORS).map((d) => `  ${d.line !== undefined ? formatPlain(d) : `error: ${d.message}`}`);
    if (errors.length > MESSAGE_ERRORS) shown.push(`  (${errors.length - MESSAGE_ERRORS} more)`);
    super(`${what}: ${errors.length} error${errors.length === 1 ? '' : 's'}\n${shown.join('\n')}`);
  }
}
