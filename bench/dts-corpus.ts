/**
 * Linux 6.1 RISC-V + arm64 DTS corpus: tsvisor compiling every file in one process against dtc started once per
 * file (how builds run it). Preprocessing with cpp is done first and not timed. Needs the packages the
 * conformance script installs (device-tree-compiler, cpp, linux-source-6.1); run it once to prepare the cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compileSource, toBlob } from '../src/dts/index.js';

const cache = process.env['TSVISOR_LINUX_DTS'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tsvisor/linux-6.1-dts');
const src = join(cache, 'linux-source-6.1');

function findDts(dir: string, out: string[]): void {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) findDts(p, out);
    else if (e.endsWith('.dts')) out.push(p);
  }
}

export interface CorpusResult {
  files: number;
  identical: number;
  tsvisorSeconds: number;
  dtcSeconds: number;
}

export function runCorpusBench(log: (s: string) => void): CorpusResult | undefined {
  if (!existsSync(join(src, 'scripts/dtc/include-prefixes'))) {
    log(`corpus: skipped (no Linux DTS cache at ${cache}; run ../shared/dts-conformance/linux-corpus.sh --limit 1 once)`);
    return undefined;
  }
  const files: string[] = [];
  for (const arch of ['riscv', 'arm64']) findDts(join(src, 'arch', arch, 'boot/dts'), files);
  files.sort();
  const ppDir = join(cache, 'pp');
  mkdirSync(ppDir, { recursive: true });
  const jobs: { pp: string; dtb: Uint8Array }[] = [];
  for (const f of files) {
    const pp = join(ppDir, f.slice(src.length + 1).replace(/\//g, '_'));
    const inc = ['-I', join(f, '..'), '-I', join(src, 'arch', f.includes('/arm64/') ? 'arm64' : 'riscv', 'boot/dts'), '-I', join(src, 'scripts/dtc/include-prefixes')];
    if (!existsSync(pp)) {
      const r = spawnSync('cpp', ['-nostdinc', ...inc, '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', '-o', pp, f]);
      if (r.status !== 0) continue;
    }
    const ref = spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-b', '0', '-o', '-', pp], { maxBuffer: 64 << 20 });
    if (ref.status !== 0) continue;
    jobs.push({ pp, dtb: new Uint8Array(ref.stdout) });
  }

  const texts = jobs.map((j) => readFileSync(j.pp, 'latin1'));
  let identical = 0;
  const t0 = process.hrtime.bigint();
  const outs: Uint8Array[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const r = compileSource(texts[i]!, jobs[i]!.pp);
    outs.push(r.tree && r.ok ? toBlob(r.tree, { bootCpuid: 0 }) : new Uint8Array());
  }
  const tsvisorSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (let i = 0; i < jobs.length; i++) if (Buffer.compare(Buffer.from(outs[i]!), Buffer.from(jobs[i]!.dtb)) === 0) identical++;

  const t1 = process.hrtime.bigint();
  for (const j of jobs) spawnSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-b', '0', '-o', '/dev/null', j.pp]);
  const dtcSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

  log(`corpus: ${jobs.length} Linux 6.1 riscv+arm64 DTS files, ${identical} byte-identical DTBs (${((100 * identical) / jobs.length).toFixed(1)}%)`);
  log(`corpus: tsvisor ${tsvisorSeconds.toFixed(2)} s in one process, dtc ${dtcSeconds.toFixed(2)} s one process per file`);
  log(`corpus: ratio tsvisor/dtc = ${(tsvisorSeconds / dtcSeconds).toFixed(2)} (below 1 means tsvisor is faster)`);
  return { files: jobs.length, identical, tsvisorSeconds, dtcSeconds };
}
