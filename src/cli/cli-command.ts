/**
 * The `tsvisor` command as it runs: its `#!` line (`#!/usr/bin/env -S [-u NAME]... node <options>`, see
 * tsvisor.cts) names the environment variables it drops and Node's options, then the file. Whatever starts the CLI
 * as a child process (`tsvisor test`, the benchmarks, the tests) runs it this way, as a user's `tsvisor` does.
 */
import { readFileSync } from 'node:fs';

/** What a `#!/usr/bin/env` line asks for besides the file. */
export interface Shebang {
  /** Environment variables env drops (`-u NAME`). */
  readonly unset: readonly string[];
  /** Node's options. */
  readonly nodeOptions: readonly string[];
}

/** The `#!` line of `main` (nothing dropped and no options when it has no env line for node). */
export function shebangOf(main: string): Shebang {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0]!;
  const words = /^#!\/usr\/bin\/env\s+(.*)$/.exec(first)?.[1]?.trim().split(/\s+/) ?? [];
  const unset: string[] = [];
  let k = words[0] === '-S' ? 1 : 0;
  for (; words[k] === '-u' && words[k + 1] !== undefined; k += 2) unset.push(words[k + 1]!);
  if (words[k] !== 'node') return { unset: [], nodeOptions: [] };
  return { unset, nodeOptions: words.slice(k + 1) };
}

/** How to run `tsvisor <args>` from `main`: this Node with the `#!` line's options, in `env` less what it drops. */
export function tsvisorCommand(main: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env):
  { readonly command: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
  const { unset, nodeOptions } = shebangOf(main);
  return {
    command: process.execPath,
    args: [...nodeOptions, main, ...args],
    env: Object.fromEntries(Object.entries(env).filter(([name]) => !unset.includes(name))),
  };
}
