/**
 * Debian's U-Boot (qemu-riscv64_smode, package u-boot-qemu) from reset to its `=> ` prompt: guest instructions and
 * wall seconds under tsvisor (the product's run loop, the guest of guests/dts/basic.dts), and QEMU's wall seconds
 * for the same image in the same run (`qemu-system-riscv64 -M virt`, TCG, with its OpenSBI).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured.
import { runImage } from '../dist/vmm/run-image.js';
import { compileSource } from '../dist/dts/compile.js';
import { validate } from '../dist/vmm/config/validate.js';
import { buildDevice } from '../dist/devices/registry.js';

const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const PROMPT = '=> ';

export interface UbootBootFigures {
  readonly instructions: number;
  readonly seconds: number;
  readonly qemuSeconds?: number;
}

function tsvisorBoot(): { instructions: number; seconds: number } {
  const path = join(import.meta.dirname, '../guests/dts/basic.dts');
  const guest = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]).guests[0]!;
  let console = '';
  const t0 = performance.now();
  const r = runImage({
    guest, image: readFileSync(UBOOT), timeoutSeconds: 30, buildDevice,
    output: (_v, b) => { console = (console + Buffer.from(b).toString('latin1')).slice(-256); },
    stopWhen: () => console.includes(PROMPT),
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.outcome !== 'stopped') throw new Error(`U-Boot did not reach its prompt under tsvisor (${r.outcome}: ${r.reasons.join('; ')})`);
  return { instructions: r.instructions, seconds };
}

/** QEMU from start to the same prompt, wall seconds (undefined when QEMU is missing or does not get there). */
function qemuBoot(): Promise<number | undefined> {
  return new Promise((done) => {
    const t0 = performance.now();
    const q = spawn('qemu-system-riscv64', ['-M', 'virt', '-m', '256M', '-nographic', '-bios', 'default', '-kernel', UBOOT, '-nic', 'none'],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => { q.kill('SIGKILL'); done(undefined); }, 60_000);
    q.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString('latin1')).slice(-256);
      if (out.includes(PROMPT)) {
        const seconds = (performance.now() - t0) / 1000;
        clearTimeout(timer);
        q.kill('SIGKILL');
        done(seconds);
      }
    });
    q.on('error', () => { clearTimeout(timer); done(undefined); });
  });
}

export async function runUbootBench(log: (s: string) => void): Promise<UbootBootFigures | undefined> {
  if (!existsSync(UBOOT)) {
    log(`u-boot boot: ${UBOOT} missing (apt-get install u-boot-qemu) — skipped`);
    return undefined;
  }
  const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64']).status === 0;
  // Best of three: the first run also pays for V8 warming up the interpreter's handlers.
  let best = { instructions: 0, seconds: Infinity };
  for (let i = 0; i < 3; i++) {
    const r = tsvisorBoot();
    if (r.seconds < best.seconds) best = r;
  }
  const qemuSeconds = haveQemu ? await qemuBoot() : undefined;
  const qemu = qemuSeconds === undefined ? 'QEMU not measured (apt-get install qemu-system-misc)'
    : `QEMU ${qemuSeconds.toFixed(2)} s, tsvisor/QEMU ${(best.seconds / qemuSeconds).toFixed(1)}×`;
  log(`u-boot to its prompt: ${(best.instructions / 1e6).toFixed(1)} M guest instructions, tsvisor ${best.seconds.toFixed(2)} s wall ` +
    `(${(best.instructions / best.seconds / 1e6).toFixed(1)} MIPS, best of 3); ${qemu}`);
  return { ...best, qemuSeconds };
}

if (import.meta.url === `file://${process.argv[1]}`) await runUbootBench(console.log);
