/**
 * Snapshots of Linux at its shell prompt (guests/linux, 2 VCPUs): the boot they skip, the time to write one, its
 * size against the RAM the guest touched, and the time to restore it (file bytes to a guest ready to run: checks,
 * inflate, guest built, state and RAM loaded). The bar: restore ≤ 10% of the boot it skips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured.
import { RunSession, type RunImageOptions } from '../dist/vmm/run-image.js';
import { compileSource } from '../dist/dts/compile.js';
import { validate } from '../dist/vmm/config/validate.js';
import { loadGuestFile } from '../dist/vmm/config/guest-file.js';
import { buildDevice } from '../dist/devices/registry.js';
import { hostFiles } from '../dist/cli/host-files.js';
import { readRunSnapshot, writeRunSnapshot } from '../dist/vmm/snapshot/run-snapshot.js';

const GUESTS = join(import.meta.dirname, '../guests');

export interface SnapshotFigures {
  readonly bootSeconds: number;
  readonly saveSeconds: number;
  readonly restoreSeconds: number;
  readonly snapshotBytes: number;
  readonly touchedBytes: number;
  readonly ramBytes: number;
}

export function runSnapshotBench(log: (s: string) => void): SnapshotFigures {
  const vcpus = 2;
  const path = join(GUESTS, 'dts/linux.dts');
  const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
  const loaded = loadGuestFile(tree, path, { vcpus, overrides: [`disk0,blkdev,string,${join(GUESTS, 'linux/rootfs.ext2')}`] });
  if (typeof loaded === 'string') throw new Error(loaded);
  const guest = validate([{ path, tree: loaded }]).guests[0]!;
  let console = '';
  const options: RunImageOptions = {
    guest, image: readFileSync(join(GUESTS, 'linux/Image')), vcpus, timeoutSeconds: 60, bootargs: 'console=ttyS0 root=/dev/vda rw',
    buildDevice, files: hostFiles(GUESTS), output: (_v, b) => { console = (console + Buffer.from(b).toString('latin1')).slice(-4096); },
  };
  const t0 = performance.now();
  const session = new RunSession(options);
  while (session.advance() && !/userspace up[\s\S]*# /.test(console));
  const bootSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const file = writeRunSnapshot(session, new Uint8Array(0));
  const saveSeconds = (performance.now() - t1) / 1000;
  const ram = session.guest.memory();
  let touched = 0;
  const zero = Buffer.alloc(4096);
  const written = session.guest.writtenPages();
  for (let p = 0; p < ram.length; p += 4096) if (written[p >>> 12] && !Buffer.from(ram.buffer, p, 4096).equals(zero)) touched += 4096;
  const t2 = performance.now();
  const snap = readRunSnapshot(file);
  const restored = new RunSession({ ...options, image: new Uint8Array(0), restore: { state: snap.state, memory: snap.memory } });
  const restoreSeconds = (performance.now() - t2) / 1000;
  if (restored.progress().instructions !== session.progress().instructions) throw new Error('the restored run is not where the snapshot was taken');
  const f = { bootSeconds, saveSeconds, restoreSeconds, snapshotBytes: file.length, touchedBytes: touched, ramBytes: ram.length };
  const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
  log(`  Linux (2 VCPUs) at its prompt: boot ${bootSeconds.toFixed(2)} s; snapshot ${mib(f.snapshotBytes)} MiB ` +
    `(${mib(touched)} MiB of ${mib(ram.length)} MiB RAM touched) written in ${(saveSeconds * 1000).toFixed(0)} ms; ` +
    `restored in ${(restoreSeconds * 1000).toFixed(0)} ms = ${(100 * restoreSeconds / bootSeconds).toFixed(1)}% of the boot (bar: ≤ 10%)`);
  return f;
}

if (import.meta.url === `file://${process.argv[1]}`) runSnapshotBench(console.log);
