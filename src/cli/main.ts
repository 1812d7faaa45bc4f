#!/usr/bin/env node
/** The tsvisor command line: one subcommand per file, this file only wires them together. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { dtcCommand } from './dtc.js';
import { validateCommand } from './validate.js';
import { traceCommand } from './trace.js';
import { runCommand } from './run.js';
import { bootCommand } from './boot.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function program(): Command {
  return new Command('tsvisor')
    .description('An Xvisor-style, device-tree-configured hypervisor runtime for RISC-V guests')
    .version(pkg.version, '-v, --version')
    // `tsvisor dtc --version` is dtc's version line, not tsvisor's: program options only before the subcommand.
    .enablePositionalOptions()
    .addCommand(dtcCommand())
    .addCommand(validateCommand())
    .addCommand(traceCommand())
    .addCommand(runCommand())
    .addCommand(bootCommand());
}

program().parse(process.argv);
