/**
 * The shell's command history, kept in a file between sessions (`$TSVISOR_HISTORY`, else ~/.tsvisor_history;
 * TSVISOR_HISTORY= with nothing keeps none), bounded to MAX_HISTORY lines. A file that cannot be read or written
 * costs the history, never the session.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Lines kept, in the file and in the session. */
export const MAX_HISTORY = 1000;
/** A history file larger than this is not read (it is not ours, or something went wrong). */
const MAX_HISTORY_FILE_BYTES = 1 << 20;

/** Where the history lives, or undefined when it is turned off. */
export function historyPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  const set = env.TSVISOR_HISTORY;
  if (set !== undefined) return set === '' ? undefined : set;
  return home ? join(home, '.tsvisor_history') : undefined;
}

/** The saved history, newest first (as node:readline holds it); [] when there is none or it cannot be read. */
export function loadHistory(path: string | undefined): string[] {
  if (path === undefined) return [];
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_HISTORY_FILE_BYTES) return [];
    const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
    return lines.slice(-MAX_HISTORY).reverse();
  } catch {
    return [];
  }
}

/** Save a history (newest first) oldest first, one command a line. Returns an error text, or undefined. */
export function saveHistory(path: string | undefined, newestFirst: readonly string[]): string | undefined {
  if (path === undefined) return undefined;
  try {
    const lines = newestFirst.slice(0, MAX_HISTORY).map((l) => l.trim()).filter((l) => l !== '' && !l.includes('\n')).reverse();
    writeFileSync(path, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
