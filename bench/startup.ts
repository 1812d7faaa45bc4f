/**
 * CLI start-up: wall time of `tsvisor --version` and of a trivial `tsvisor run` (the smallest guest image, and the
 * README's rv64i example), each spawned as a user runs it, best of five. `node -e 0` is measured alongside: it is
 * the floor no command can go below on this machine (Node's own start-up).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tsvisorCommand } from '../dist/cli/cli-command.js';
import { CHILD_ENV } from './child-env.js';

const ROOT = join(import.meta.dirname, '..');

interface Case {
  name: string;
  args: string[];
}

export function runStartupBench(log: (s: string) => void, cli = join(ROOT, 'dist/cli/tsvisor.cjs')): void {
  // tsvisor's commands as its `#!` line runs them (Node's options from it).
  const tsvisor = (...args: string[]): string[] => tsvisorCommand(cli, args)[1];
  const cases: Case[] = [
    { name: 'node -e 0 (floor)', args: ['-e', '0'] },
    { name: 'tsvisor --version', args: tsvisor('--version') },
    { name: 'tsvisor run basic.dts hello.elf', args: tsvisor('run', 'guests/dts/basic.dts', '--image', 'guests/bin/hello.elf') },
    { name: 'tsvisor run basic.dts rv64i.elf', args: tsvisor('run', 'guests/dts/basic.dts', '--image', 'guests/bin/rv64i.elf') },
  ];
  const best = cases.map(() => Infinity);
  // Round robin, so that a burst of load elsewhere on the machine does not fall on one case only.
  for (let round = 0; round < 5; round++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.args, { cwd: ROOT, env: CHILD_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 400)}`);
      best[i] = Math.min(best[i]!, ms);
    });
  }
  cases.forEach((c, i) => log(`start-up: ${c.name}: best of 5 ${best[i]!.toFixed(0)} ms wall`));
}

if (import.meta.url === `file://${process.argv[1]}`) runStartupBench(console.log, process.argv[2]);
