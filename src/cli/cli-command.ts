/**
 * The `tsvisor` command as it runs: Node with the options of the `#!` line of the CLI's main file
 * (`#!/usr/bin/env -S node <options>`, see main.ts), then that file. Whatever starts the CLI as a child process
 * (`tsvisor test`, the benchmarks, the tests) runs it this way, as a user's `tsvisor` does.
 */
import { readFileSync } from 'node:fs';

/** Node's options from the `#!` line of `main` (none if it has no such line). */
export function nodeOptionsOf(main: string): string[] {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: +\S+)*) *$/.exec(first);
  return m === null ? [] : m[1]!.split(' ').filter(Boolean);
}

/** The program and its arguments that run `tsvisor <args>` from `main`: this Node, the `#!` line's options. */
export function tsvisorCommand(main: string, args: readonly string[]): [string, string[]] {
  return [process.execPath, [...nodeOptionsOf(main), main, ...args]];
}
