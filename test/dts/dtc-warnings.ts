/**
 * Warning and error lines as dtc prints them and as tsvisor reports them, in one comparable form:
 * `check: path[:property]: message` (or `check: Failed prerequisite '...'`), in report order.
 */
import { existsSync } from 'node:fs';
import type { Diagnostic } from '../../src/dts/index.js';
import { run } from '../support/process.js';

export const DTC = '/usr/bin/dtc';
export const haveDtc = existsSync(DTC) && /DTC 1\.6\.1/.test((await run(DTC, ['--version'])).stdout.toString('utf8'));

const LINE = /^.*?: (?:Warning|ERROR) \(([a-z0-9_]+)\): (.*)$/;

/** Parses dtc's stderr into `check: text` lines (the text is what follows `Warning (check): `). */
export function parseDtcStderr(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push(`${m[1]}: ${m[2]}`);
  }
  return out;
}

const dtcArgs = (file: string, args: readonly string[]): string[] => ['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', ...args, file];

/** Runs dtc on a file (DTS in, DTB to /dev/null), asynchronously, and returns its check lines. */
export async function dtcChecksAsync(file: string, args: readonly string[] = []): Promise<string[]> {
  return parseDtcStderr((await run(DTC, dtcArgs(file, args))).stderr.toString('latin1'));
}

/** Our diagnostics from checks (those whose code is a dtc check name) in the same form. */
export function ourChecks(diags: readonly Diagnostic[], names: ReadonlySet<string>): string[] {
  return diags.filter((d) => names.has(d.code)).map((d) => `${d.code}: ${d.message}`);
}

/** `check path` pairs (the path without property; '' for prerequisite notes), for coarser comparisons. */
export function checkPaths(lines: readonly string[]): string[] {
  return lines.map((l) => {
    const i = l.indexOf(': ');
    const check = l.slice(0, i);
    const rest = l.slice(i + 2);
    if (!rest.startsWith('/')) return `${check} `;
    const end = rest.indexOf(': ');
    const where = end < 0 ? rest : rest.slice(0, end);
    const colon = where.indexOf(':');
    return `${check} ${colon < 0 ? where : where.slice(0, colon)}`;
  });
}
