/** A command line with `;` separators, as Xvisor's command manager splits it. */

/**
 * The commands of a line, split at each `;` outside double quotes (so `echo "a;b"` stays whole), trimmed, empty
 * ones dropped.
 */
export function splitCommands(line: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out.map((c) => c.trim()).filter((c) => c !== '');
}

/** Where the command being typed starts: just after the last `;` outside quotes (for completion). */
export function lastCommandStart(line: string): number {
  let quoted = false;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ';' && !quoted) start = i + 1;
  }
  return start;
}
