/**
 * Where each string of a string-list property was written (`bootcmd = "a", "b";`), so that a problem with one boot
 * command points at that command's line and column instead of at the property name. The tree keeps only the
 * property's name token; this scans the source text after it.
 */
import { pointAt, SourceBuffer, type SourceRef } from '../../dts/source.js';
import type { Property } from '../../dts/tree.js';

/**
 * One reference per string literal of the property's value, in order; undefined when the value is not written as
 * plain string literals in one place (a macro, a label or `/incbin/` in it, a DTB without source), so callers fall
 * back to the property itself.
 */
export function stringRefs(prop: Property): SourceRef[] | undefined {
  const src = prop.src;
  const buf = src?.payload;
  if (!src || !(buf instanceof SourceBuffer) || src.startLine === undefined || src.startColumn === undefined) return undefined;
  const text = buf.text;
  let i = offsetOf(text, src.startLine, src.startColumn) + src.image.length;
  const refs: SourceRef[] = [];
  let sawEquals = false;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c) || (sawEquals && c === ',')) { i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '=' && !sawEquals) { sawEquals = true; i++; continue; }
    if (c === ';') break;
    if (c !== '"' || !sawEquals) return undefined;
    const start = i;
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    if (i >= text.length) return undefined;
    i++;
    const at = buf.positionOf(start);
    refs.push(pointAt(buf, at.line, at.column, text.slice(start, i)));
  }
  return refs;
}

/** The character offset of a 1-based physical line and column. */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at + column - 1;
}
