/**
 * The benchmark guest (guests/bin/bench.elf: integer, memory and floating-point kernels) on tsvisor's hart:
 * retired guest instructions per second, best of three runs; and, in the same run, the wall time QEMU
 * (qemu-system-riscv64 -M virt, TCG) takes for the same image, when QEMU is installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured; tsx only runs this harness.
import { tsvisorCommand } from '../dist/cli/cli-command.js';
import { CHILD_ENV } from './child-env.js';
import { runImage } from '../dist/vmm/run-image.js';
import { compileSource } from '../dist/dts/compile.js';
import { validate } from '../dist/vmm/config/validate.js';
import { buildDevice } from '../dist/devices/registry.js';

const CLI = join(import.meta.dirname, '../dist/cli/tsvisor.cjs');
const GUESTS = join(import.meta.dirname, '../guests');

export interface GuestBenchResult {
  instructions: number;
  seconds: number;
  mips: number;
  /** `tsvisor run` in a process of its own, start-up included. */
  processSeconds: number;
  qemuSeconds?: number;
  sameOutput?: boolean;
}

function guestOutput(raw: string): string {
  const text = raw.replace(/\r/g, '');
  const start = text.search(/^== /m);
  return start < 0 ? '' : text.slice(start);
}

export function runGuestBench(log: (s: string) => void, image = join(GUESTS, 'bin/bench.elf')): GuestBenchResult {
  const bytes = readFileSync(image);
  let best = Infinity;
  let instructions = 0;
  let output = '';
  // The product's run loop: the guest of guests/dts/basic.dts under the scheduler, as `tsvisor run` runs it.
  const path = join(GUESTS, 'dts/basic.dts');
  const guest = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]).guests[0]!;
  for (let i = 0; i < 3; i++) {
    let raw = '';
    const t0 = performance.now();
    const result = runImage({
      guest, image: bytes, timeoutSeconds: 1000, buildDevice, unmapped: 'fault',
      output: (_v, b) => { raw += Buffer.from(b).toString('latin1'); },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.outcome !== 'shutdown') throw new Error(`bench guest did not finish: ${JSON.stringify(result)}`);
    best = Math.min(best, seconds);
    instructions = result.instructions;
    output = guestOutput(raw);
  }
  const mips = instructions / best / 1e6;
  log(`guest bench: ${(instructions / 1e6).toFixed(1)} M instructions in ${best.toFixed(3)} s = ${mips.toFixed(1)} MIPS (best of 3)`);
  // As a user runs it: `tsvisor run` in a process of its own, start-up included (as QEMU's time below includes its own).
  const t1 = performance.now();
  const c = tsvisorCommand(CLI, ['run', path, '--unmapped', 'fault', '--image', image], CHILD_ENV);
  const cli = spawnSync(c.command, c.args, { encoding: 'latin1', env: c.env });
  const processSeconds = (performance.now() - t1) / 1000;
  if (cli.status !== 0 || guestOutput(cli.stdout) !== output) throw new Error(`tsvisor run of the bench guest failed: ${cli.stderr.slice(0, 400)}`);
  log(`guest bench: tsvisor run in a process of its own, start-up included: ${processSeconds.toFixed(3)} s`);
  const result: GuestBenchResult = { instructions, seconds: best, mips, processSeconds };
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64'], { encoding: 'utf8' });
  if (qemu.status !== 0) {
    log('guest bench: qemu-system-riscv64 not installed (apt-get install qemu-system-misc) — QEMU time skipped');
    return result;
  }
  const t0 = performance.now();
  const run = spawnSync(join(GUESTS, 'qemu-run.sh'), [image, '120'], { encoding: 'latin1' });
  result.qemuSeconds = (performance.now() - t0) / 1000;
  result.sameOutput = run.stdout === output;
  log(`guest bench: QEMU 'qemu-system-riscv64 -M virt' (TCG, with OpenSBI boot) took ${result.qemuSeconds.toFixed(3)} s; ` +
    `tsvisor/QEMU time ratio ${(best / result.qemuSeconds).toFixed(2)} (from process start: ` +
    `${(processSeconds / result.qemuSeconds).toFixed(2)}); output ${result.sameOutput ? 'identical' : 'DIFFERS'}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) runGuestBench(console.log, process.argv[2]);
