/**
 * Linux 6.1 RISC-V + arm64 DTS corpus: tsvisor compiling every file in one process against dtc started once per
 * file (how builds run it). Preprocessing with cpp is done first and not timed. Needs the packages the
 * conformance script installs (device-tree-compiler, cpp, linux-source-6.1); run it once to prepare the cache.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured; tsx only runs this harness.
import { compileSource, toBlob } from '../dist/dts/index.js';

const cache = process.env['TSVISOR_LINUX_DTS'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tsvisor/linux-6.1-dts');
const src = join(cache, 'linux-source-6.1');

function dtcArgs(includes: string[], out: string, input: string): string[] {
  return ['-q', '-I', 'dts', '-O', 'dtb', '-b', '0', ...includes.flatMap((d) => ['-i', d]), '-o', out, input];
}

function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

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
  const refDir = join(cache, 'ref');
  mkdirSync(ppDir, { recursive: true });
  mkdirSync(refDir, { recursive: true });

  // Preparation, not timed: cpp (as the kernel build runs it) and dtc's reference output.
  const jobs: { pp: string; ref: string; includes: string[] }[] = [];
  for (const f of files) {
    const id = f.slice(src.length + 1).replace(/\//g, '_');
    const pp = join(ppDir, id);
    const ref = join(refDir, `${id}.dtb`);
    const includes = [join(f, '..'), join(src, 'arch', f.includes('/arm64/') ? 'arm64' : 'riscv', 'boot/dts'), join(src, 'scripts/dtc/include-prefixes')];
    if (!existsSync(pp)) {
      const r = spawnSync('cpp', ['-nostdinc', ...includes.flatMap((d) => ['-I', d]), '-undef', '-D__DTS__', '-x', 'assembler-with-cpp', '-o', pp, f]);
      if (r.status !== 0) continue;
    }
    if (!existsSync(ref) && spawnSync('dtc', dtcArgs(includes, ref, pp)).status !== 0) continue;
    jobs.push({ pp, ref, includes });
  }

  if (jobs.length === 0) {
    log('corpus: skipped (cpp or dtc could not prepare any file; install cpp and device-tree-compiler)');
    return undefined;
  }

  // tsvisor: every file in this process, reading, compiling and encoding each in turn.
  const digests: string[] = [];
  const t0 = process.hrtime.bigint();
  for (const j of jobs) {
    const r = compileSource(readFileSync(j.pp, 'latin1'), j.pp, { includePaths: j.includes });
    digests.push(r.tree && r.ok ? sha1(toBlob(r.tree, { bootCpuid: 0 })) : '');
  }
  const tsvisorSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let identical = 0;
  for (let i = 0; i < jobs.length; i++) if (digests[i] === sha1(readFileSync(jobs[i]!.ref))) identical++;

  // dtc: one process per file, as a build runs it.
  const t1 = process.hrtime.bigint();
  for (const j of jobs) spawnSync('dtc', dtcArgs(j.includes, '/dev/null', j.pp));
  const dtcSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

  log(`corpus: ${jobs.length} Linux 6.1 riscv+arm64 DTS files, ${identical} byte-identical DTBs (${((100 * identical) / jobs.length).toFixed(1)}%)`);
  log(`corpus: tsvisor ${tsvisorSeconds.toFixed(2)} s in one process, dtc ${dtcSeconds.toFixed(2)} s one process per file`);
  log(`corpus: ratio tsvisor/dtc = ${(tsvisorSeconds / dtcSeconds).toFixed(2)} (below 1 means tsvisor is faster)`);
  return { files: jobs.length, identical, tsvisorSeconds, dtcSeconds };
}
