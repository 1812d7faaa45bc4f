/**
 * Linux boot to the BusyBox shell (guests/linux: the kernel Image and its ext2 root disk on virtio-blk), with 1 and
 * 2 VCPUs: guest instructions and wall seconds under tsvisor, and QEMU's wall seconds on the same kernel and disk in
 * the same run (`qemu-system-riscv64 -M virt`, TCG, OpenSBI).
 *
 * tsvisor is timed two ways. As a user runs it: `tsvisor run` in a process of its own, from its start to the prompt,
 * as QEMU's time runs from its start (the figure the ratio is taken of). And in this process (the product's run
 * loop, as `tsvisor run` runs it), which by then has run other guests: V8 has compiled and optimised the
 * interpreter's handlers and the wasm tier's generator already, which a fresh process pays for during the boot.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured.
import { tsvisorCommand } from '../dist/cli/cli-command.js';
import { CHILD_ENV } from './child-env.js';
import { runImage } from '../dist/vmm/run-image.js';
import { compileSource } from '../dist/dts/compile.js';
import { validate } from '../dist/vmm/config/validate.js';
import { loadGuestFile } from '../dist/vmm/config/guest-file.js';
import { buildDevice } from '../dist/devices/registry.js';
import { hostFiles } from '../dist/cli/host-files.js';

const CLI = join(import.meta.dirname, '../dist/cli/tsvisor.cjs');
const GUESTS = join(import.meta.dirname, '../guests');
const IMAGE = join(GUESTS, 'linux/Image');
const DISK = join(GUESTS, 'linux/rootfs.ext2');
/** BusyBox's prompt (guests/linux/rootfs/profile), after the banner rcS prints. */
const BANNER = 'userspace up';
const PROMPT = '# ';
const BOOTARGS = 'console=ttyS0 root=/dev/vda rw';

export interface LinuxBootFigures {
  readonly vcpus: number;
  readonly instructions: number;
  readonly seconds: number;
  readonly virtualSeconds: number;
  readonly qemuSeconds?: number;
  /** `tsvisor run` in a process of its own, start to prompt (best of two; QEMU's too). */
  readonly processSeconds: number;
}

/** `tsvisor run` of the same guest in a process of its own, as a user runs it: wall seconds to the prompt. */
function tsvisorProcess(vcpus: number): number {
  const t0 = performance.now();
  const c = tsvisorCommand(CLI, ['run', join(GUESTS, 'dts/linux.dts'), '--image', IMAGE, '--vcpus', String(vcpus),
    '--timeout', '60', '--expect', BANNER, '--expect', PROMPT, '--until-expect'], CHILD_ENV);
  const r = spawnSync(c.command, c.args, { stdio: ['ignore', 'ignore', 'pipe'], env: c.env });
  if (r.status !== 0) throw new Error(`tsvisor run did not reach Linux's shell: ${r.stderr.toString().slice(0, 400)}`);
  return (performance.now() - t0) / 1000;
}

function tsvisorBoot(vcpus: number): Omit<LinuxBootFigures, 'processSeconds'> {
  const path = join(GUESTS, 'dts/linux.dts');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const loaded = loadGuestFile(tree, path, { vcpus, overrides: [`disk0,blkdev,string,${DISK}`] });
  if (typeof loaded === 'string') throw new Error(loaded);
  const guest = validate([{ path, tree: loaded }]).guests[0]!;
  let console = '';
  let atPrompt = false;
  const t0 = performance.now();
  const r = runImage({
    guest, image: readFileSync(IMAGE), vcpus, timeoutSeconds: 60, bootargs: BOOTARGS, buildDevice,
    files: hostFiles(GUESTS), // as tsvisor run reads them: the disk where the guest reads it
    output: (_v, b) => {
      console = (console + Buffer.from(b).toString('latin1')).slice(-4096);
      const banner = console.indexOf(BANNER);
      if (banner >= 0 && console.indexOf(PROMPT, banner) >= 0) atPrompt = true;
    },
    stopWhen: () => atPrompt,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.outcome !== 'stopped') throw new Error(`Linux did not reach its shell under tsvisor (${r.outcome}: ${r.reasons.join('; ')})`);
  return { vcpus, instructions: r.instructions, seconds, virtualSeconds: r.virtualSeconds };
}

/** QEMU from start to the same prompt, wall seconds (undefined when QEMU is missing or does not get there). */
function qemuBoot(vcpus: number): Promise<number | undefined> {
  return new Promise((done) => {
    const t0 = performance.now();
    const q = spawn('qemu-system-riscv64', ['-M', 'virt', '-smp', String(vcpus), '-m', '256M', '-nographic', '-bios', 'default',
      '-kernel', IMAGE, '-append', BOOTARGS, '-drive', `file=${DISK},format=raw,if=none,id=hd0,snapshot=on`,
      '-device', 'virtio-blk-device,drive=hd0', '-nic', 'none'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => { q.kill('SIGKILL'); done(undefined); }, 120_000);
    q.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString('latin1')).slice(-4096);
      const banner = out.indexOf(BANNER);
      if (banner >= 0 && out.indexOf(PROMPT, banner) >= 0) {
        const seconds = (performance.now() - t0) / 1000;
        clearTimeout(timer);
        q.kill('SIGKILL');
        done(seconds);
      }
    });
    q.on('error', () => { clearTimeout(timer); done(undefined); });
  });
}

export async function runLinuxBench(log: (s: string) => void): Promise<LinuxBootFigures[]> {
  if (!existsSync(IMAGE) || !existsSync(DISK)) {
    log('linux boot: guests/linux/Image or rootfs.ext2 missing — skipped');
    return [];
  }
  const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64']).status === 0;
  const figures: LinuxBootFigures[] = [];
  for (const vcpus of [1, 2]) {
    // Each command from its own start, best of two, tsvisor's and QEMU's runs taking turns (so that a burst of load
    // on the machine falls on both), and before the warm run here: its process's background compiling is not over
    // when the boot is, and would run beside the first child.
    let processSeconds = Infinity;
    let qemuSeconds: number | undefined;
    for (let round = 0; round < 2; round++) {
      processSeconds = Math.min(processSeconds, tsvisorProcess(vcpus));
      const q = haveQemu ? await qemuBoot(vcpus) : undefined;
      if (q !== undefined) qemuSeconds = Math.min(qemuSeconds ?? Infinity, q);
    }
    const f: LinuxBootFigures = { ...tsvisorBoot(vcpus), processSeconds, qemuSeconds };
    figures.push(f);
    const qemu = f.qemuSeconds === undefined ? 'QEMU not measured (apt-get install qemu-system-misc)'
      : `QEMU ${f.qemuSeconds.toFixed(2)} s, tsvisor/QEMU ${(f.processSeconds / f.qemuSeconds).toFixed(1)}×`;
    log(`linux boot to shell, ${vcpus} VCPU${vcpus > 1 ? 's' : ''}: ${(f.instructions / 1e6).toFixed(1)} M guest instructions, ` +
      `${f.virtualSeconds.toFixed(2)} s virtual; tsvisor run ${f.processSeconds.toFixed(2)} s wall from its start; ${qemu} ` +
      `(in a warm process: ${f.seconds.toFixed(2)} s, ${(f.instructions / f.seconds / 1e6).toFixed(1)} MIPS` +
      `${f.qemuSeconds === undefined ? '' : `, ${(f.seconds / f.qemuSeconds).toFixed(1)}×`})`);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await runLinuxBench(console.log);
