/**
 * `npm run fuzz -- [--seconds N] [--seed S] [--target NAME]... [--out DIR] [--list]`: run the fuzz targets, each
 * for N seconds (default 10) from seed S (default 1), printing inputs per second per target and every kind of
 * failure found, minimized, each written to DIR (default fuzz-failures/) as <target>-<seed>-<n>.txt. Exit 1 when
 * anything failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// tsx runs the .ts sources: the device-tree toolchain's optional parts load up front (dts/preload.ts).
import '../dts/preload.js';
import { runTarget } from './runner.js';
import { allTargets } from './targets/index.js';

interface Args { seconds: number; seed: number; targets: string[]; out: string; list: boolean; minimizeSeconds: number }

function parse(argv: readonly string[]): Args {
  const a: Args = { seconds: 10, seed: 1, targets: [], out: 'fuzz-failures', list: false, minimizeSeconds: 30 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const num = (x: string): number => {
      if (!/^\d+(\.\d+)?$/.test(x)) throw new Error(`${k}: "${x}" is not a non-negative number`);
      return Number(x);
    };
    if (k === '--seconds') a.seconds = num(v());
    else if (k === '--seed') a.seed = num(v()) >>> 0;
    else if (k === '--target') a.targets.push(...v().split(','));
    else if (k === '--out') a.out = v();
    else if (k === '--minimize-seconds') a.minimizeSeconds = num(v());
    else if (k === '--list') a.list = true;
    else throw new Error(`unknown option ${k} (options: --seconds N --seed S --target NAME --out DIR --minimize-seconds N --list)`);
  }
  return a;
}

function main(): number {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`);
    return 2;
  }
  const targets = allTargets();
  if (args.list) { for (const t of targets) { console.log(t.name); t.close?.(); } return 0; }
  const chosen = args.targets.length ? targets.filter((t) => args.targets.some((n) => t.name === n || (n.endsWith('*') && t.name.startsWith(n.slice(0, -1))))) : targets;
  const unknown = args.targets.filter((n) => !targets.some((t) => t.name === n || (n.endsWith('*') && t.name.startsWith(n.slice(0, -1)))));
  if (unknown.length) { for (const t of targets) t.close?.(); console.error(`fuzz: unknown target ${unknown.join(', ')} (--list shows them)`); return 2; }
  let failed = 0;
  for (const t of chosen) {
    const r = runTarget(t, { seed: args.seed, ms: args.seconds * 1000, minimizeMs: args.minimizeSeconds * 1000 });
    const rate = r.inputs / (r.ms / 1000);
    console.log(`${t.name.padEnd(22)} ${String(r.inputs).padStart(8)} inputs in ${(r.ms / 1000).toFixed(1)} s: ${rate.toFixed(1)} inputs/s, ${r.failures.length} kind(s) of failure`);
    for (const [i, f] of r.failures.entries()) {
      failed++;
      mkdirSync(args.out, { recursive: true });
      const file = join(args.out, `${t.name}-${args.seed}-${i + 1}.txt`);
      writeFileSync(file, `target: ${f.target}\nseed: ${f.seed} (input #${f.index})\nfailures of this kind: ${f.count}\n` +
        `message: ${f.message}\nminimized message: ${f.minimizedMessage}\n\n--- minimized input ---\n${f.minimized}\n\n--- original input ---\n${f.input}\n`);
      console.log(`  FAIL ×${f.count}: ${f.minimizedMessage}\n    minimized (${file}):\n${f.minimized.slice(0, 600).split('\n').map((l) => `      ${l}`).join('\n')}`);
    }
  }
  for (const t of targets) t.close?.();
  return failed > 0 ? 1 : 0;
}

process.exitCode = main();
