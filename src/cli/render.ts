/** Renders diagnostics the way compilers do: location, message, the source line and a caret. */
import { Chalk } from 'chalk';
import type { Diagnostic } from '../dts/diagnostics.js';

/** Colours as chalk detects them, unless NO_COLOR (no-color.org: set and not empty) or --no-color asks for none. */
const chalk = new Chalk(process.env['NO_COLOR'] || process.argv.includes('--no-color') ? { level: 0 } : {});

export function renderDiagnostic(d: Diagnostic): string {
  const sev = d.severity === 'error' ? chalk.red.bold('error') : chalk.yellow.bold('warning');
  const at = d.line !== undefined ? `${d.file}:${d.line}:${d.column ?? 1}` : d.file;
  const where = d.file !== undefined ? chalk.bold(`${at}: `) : '';
  const code = d.code ? chalk.dim(` [${d.code}]`) : '';
  const lines = [`${where}${sev}: ${d.message}${code}`];
  if (d.sourceLine !== undefined && d.line !== undefined && d.column !== undefined) {
    const num = String(d.line);
    const pad = ' '.repeat(num.length);
    const text = d.sourceLine.replace(/\t/g, '    ');
    const before = d.sourceLine.slice(0, d.column - 1).replace(/\t/g, '    ');
    const width = Math.max(1, Math.min(d.length ?? 1, d.sourceLine.length - d.column + 1));
    lines.push(`${chalk.dim(`${num} |`)} ${text}`);
    lines.push(`${chalk.dim(`${pad} |`)} ${' '.repeat(before.length)}${chalk.green('^' + '~'.repeat(width - 1))}`);
  }
  if (d.hint) lines.push(`${chalk.cyan('hint')}: ${d.hint}`);
  return lines.join('\n');
}
