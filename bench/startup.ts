/**
 * CLI start-up: wall time of `tsvisor --version` and of a trivial `tsvisor run` (the smallest guest image, and the
 * README's rv64i example), each spawned as a user runs it, best of five. `node -e 0` is measured alongside: it is
 * the floor no command can go below on this machine (Node's own start-up).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { shebangOf, tsvisorCommand } from '../dist/cli/cli-command.js';
import { CHILD_ENV } from './child-env.js';

const ROOT = join(import.meta.dirname, '..');

interface Case {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export function runStartupBench(log: (s: string) => void, cli = join(ROOT, 'dist/cli/tsvisor.cjs')): void {
  // tsvisor's commands as its `#!` line runs them (Node's options, and the variables it drops: see tsvisor.cts).
  const tsvisor = (name: string, ...args: string[]): Case => {
    const c = tsvisorCommand(cli, args, CHILD_ENV);
    return { name, args: c.args, env: c.env };
  };
  // Node alone, and Node in the environment the command gives it (without what its #! line drops), when that differs.
  const dropped = shebangOf(cli).unset.filter((k) => CHILD_ENV[k] !== undefined);
  const cases: Case[] = [
    { name: 'node -e 0 (floor)', args: ['-e', '0'], env: CHILD_ENV },
    ...(dropped.length > 0
      ? [{ name: `node -e 0 without ${dropped.join(', ')} (tsvisor's floor)`, args: ['-e', '0'], env: tsvisorCommand(cli, [], CHILD_ENV).env }] : []),
    tsvisor('tsvisor --version', '--version'),
    tsvisor('tsvisor run basic.dts hello.elf', 'run', 'guests/dts/basic.dts', '--image', 'guests/bin/hello.elf'),
    tsvisor('tsvisor run basic.dts rv64i.elf', 'run', 'guests/dts/basic.dts', '--image', 'guests/bin/rv64i.elf'),
  ];
  const best = cases.map(() => Infinity);
  // Round robin, so that a burst of load elsewhere on the machine does not fall on one case only.
  for (let round = 0; round < 5; round++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.args, { cwd: ROOT, env: c.env, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 400)}`);
      best[i] = Math.min(best[i]!, ms);
    });
  }
  cases.forEach((c, i) => log(`start-up: ${c.name}: best of 5 ${best[i]!.toFixed(0)} ms wall`));
}

if (import.meta.url === `file://${process.argv[1]}`) runStartupBench(console.log, process.argv[2]);
