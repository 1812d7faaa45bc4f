/**
 * Snapshots of Linux at its shell prompt (guests/linux, 2 VCPUs): the boot they skip, the time to write one, its
 * size against the RAM the guest touched, and the time to restore it (file bytes to a guest ready to run: checks,
 * inflate, guest built, state and RAM loaded, in a process of its own as `tsvisor run --restore` does it). The
 * issue's bar: restore ≤ 10% of the boot it skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// The shipped build (tsc's output) is what is measured.
import { RunSession, type RunImageOptions } from '../dist/vmm/run-image.js';
import { compileSource } from '../dist/dts/compile.js';
import { validate } from '../dist/vmm/config/validate.js';
import { loadGuestFile } from '../dist/vmm/config/guest-file.js';
import { buildDevice } from '../dist/devices/registry.js';
import { hostFiles } from '../dist/cli/host-files.js';
import { writeRunSnapshot } from '../dist/vmm/snapshot/run-snapshot.js';

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
  // The restore as `tsvisor run --restore` does it: in a process of its own (not one holding a booted guest's heap
  // and RAM), from the file's bytes to a guest ready to run. Best of three.
  const dir = mkdtempSync(join(tmpdir(), 'tsvisor-snap-bench-'));
  const snapFile = join(dir, 'linux.snap');
  writeFileSync(snapFile, file);
  const dist = (m: string): string => pathToFileURL(join(import.meta.dirname, '../dist', m)).href;
  const child = `
    import { readFileSync } from 'node:fs';
    const { RunSession } = await import(${JSON.stringify(dist('vmm/run-image.js'))});
    const { readRunSnapshot } = await import(${JSON.stringify(dist('vmm/snapshot/run-snapshot.js'))});
    const { compileSource } = await import(${JSON.stringify(dist('dts/compile.js'))});
    const { validate } = await import(${JSON.stringify(dist('vmm/config/validate.js'))});
    const { loadGuestFile } = await import(${JSON.stringify(dist('vmm/config/guest-file.js'))});
    const { buildDevice } = await import(${JSON.stringify(dist('devices/registry.js'))});
    const { hostFiles } = await import(${JSON.stringify(dist('cli/host-files.js'))});
    const path = ${JSON.stringify(path)};
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree;
    const guest = validate([{ path, tree: loadGuestFile(tree, path, { vcpus: ${vcpus}, overrides: [${JSON.stringify(`disk0,blkdev,string,${join(GUESTS, 'linux/rootfs.ext2')}`)}] }) }]).guests[0];
    const t = performance.now();
    const snap = readRunSnapshot(readFileSync(${JSON.stringify(snapFile)}));
    const s = new RunSession({ guest, image: new Uint8Array(0), vcpus: ${vcpus}, timeoutSeconds: 60, bootargs: 'console=ttyS0 root=/dev/vda rw',
      buildDevice, files: hostFiles(${JSON.stringify(GUESTS)}), output: () => {}, restore: { state: snap.state, memory: snap.memory } });
    process.stdout.write(JSON.stringify({ ms: performance.now() - t, instructions: s.progress().instructions }));`;
  let restoreSeconds = Infinity;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the restore failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { ms: number; instructions: number };
    if (out.instructions !== session.progress().instructions) throw new Error('the restored run is not where the snapshot was taken');
    restoreSeconds = Math.min(restoreSeconds, out.ms / 1000);
  }
  rmSync(dir, { recursive: true, force: true });
  const f = { bootSeconds, saveSeconds, restoreSeconds, snapshotBytes: file.length, touchedBytes: touched, ramBytes: ram.length };
  const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
  log(`  Linux (2 VCPUs) at its prompt: boot ${bootSeconds.toFixed(2)} s; snapshot ${mib(f.snapshotBytes)} MiB ` +
    `(${mib(touched)} MiB of ${mib(ram.length)} MiB RAM touched) written in ${(saveSeconds * 1000).toFixed(0)} ms; ` +
    `restored in ${(restoreSeconds * 1000).toFixed(0)} ms = ${(100 * restoreSeconds / bootSeconds).toFixed(1)}% of the boot (bar: ≤ 10%)`);
  return f;
}

if (import.meta.url === `file://${process.argv[1]}`) runSnapshotBench(console.log);
