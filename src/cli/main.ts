#!/usr/bin/env -S node --v8-pool-size=0
/**
 * The tsvisor command line. Start-up stays cheap: `tsvisor --version` is answered before anything else loads,
 * commands.ts holds the command lines only, and each subcommand's implementation is imported when it runs.
 *
 * `--v8-pool-size=0` (the line above, as the `tsvisor` command runs this file): V8's background threads, one fewer
 * than the machine's cores, not Node's fixed four. A guest's boot keeps V8 compiling in the background (its
 * optimising compiler for the interpreter and translator, tier-up of the wasm blocks): ~1.2 s of CPU in Linux's.
 * Four threads for that on a 2-core machine took the guest's own thread's core from it for a sixth of the boot,
 * and each optimised function arrived later. Linux to its shell there: 1.43-1.62 s with four, 1.23-1.24 s with one.
 */
import { readFileSync } from 'node:fs';

// `tsvisor run ... | head` or `| grep -q`: the reader went away; the run ends with its own status, quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // What commander prints for it, without loading commander (a third of this command's time).
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { program } = await import('./commands.js');
  // parseAsync: the actions are async (they import their implementation first).
  await program(process.argv).parseAsync(process.argv);
}
