/**
 * Diagnostics are data: the toolchain never prints. Errors carry the source reference they point at; callers
 * render them (the CLI with a caret, tests by comparing fields).
 */
import { describe, type SourceRef } from './source.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** A short stable name, e.g. `syntax`, `duplicate_label`, `phandle_references` (dtc's check names where one exists). */
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** The source line the position is on, and how many characters the caret underlines. */
  sourceLine?: string;
  length?: number;
  hint?: string;
}

function diagnostic(
  severity: Severity,
  code: string,
  message: string,
  at?: SourceRef,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = { severity, code, message };
  if (at) {
    const p = describe(at);
    d.file = p.file;
    d.line = p.line;
    d.column = p.column;
    d.sourceLine = p.text;
    d.length = Math.max(1, p.length);
  }
  if (hint) d.hint = hint;
  return d;
}

/** Collects diagnostics for one compilation. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  error(code: string, message: string, at?: SourceRef, hint?: string): void {
    this.items.push(diagnostic('error', code, message, at, hint));
  }

  warning(code: string, message: string, at?: SourceRef, hint?: string): void {
    this.items.push(diagnostic('warning', code, message, at, hint));
  }

  get errorCount(): number {
    let n = 0;
    for (const d of this.items) if (d.severity === 'error') n++;
    return n;
  }
}

/** `file:line:col: severity: message` without colour or caret, for logs and exceptions. */
export function formatPlain(d: Diagnostic): string {
  const where = d.file !== undefined ? `${d.file}:${d.line ?? 0}:${d.column ?? 0}: ` : '';
  return `${where}${d.severity}: ${d.message}`;
}
