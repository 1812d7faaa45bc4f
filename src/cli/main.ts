/**
 * The tsvisor command line (the `tsvisor` command runs it from its bundle: tsvisor.cts). Start-up stays cheap:
 * `tsvisor --version` is answered before anything else loads, commands.ts holds the command lines only, and each
 * subcommand's implementation is imported when it runs.
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
  // No top-level await: this is also the entry of the command's CommonJS bundle (scripts/bundle-cli.mjs).
  void (async () => {
    const { program } = await import('./commands.js');
    // parseAsync: the actions are async (they import their implementation first).
    await program(process.argv).parseAsync(process.argv);
  })();
}
