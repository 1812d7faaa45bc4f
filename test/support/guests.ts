/**
 * Running the committed guest programs (guests/bin) the way the product runs guests: `runImage` on
 * guests/dts/basic.dts (QEMU virt's RAM, PLIC, UART and test finisher), with accesses to no region answered by an
 * access fault as QEMU's machine does, output cut the way guests/qemu-run.sh cuts it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { runImage, type RunImageResult } from '../../src/vmm/run-image.js';
import { buildDevice } from '../../src/devices/registry.js';
import type { GuestConfig } from '../../src/vmm/config/types.js';

export const GUESTS = join(import.meta.dirname, '../../guests');

/** Names of the programs in guests/bin (without .elf). */
export const guestPrograms = (): string[] =>
  readdirSync(join(GUESTS, 'bin')).filter((f) => f.endsWith('.elf')).map((f) => f.slice(0, -4)).sort();

/** The guest's own output, as guests/qemu-run.sh cuts it: from its "== name ==" line on, without CRs. */
export function guestOutput(raw: string): string {
  const text = raw.replace(/\r/g, '');
  const start = text.search(/^== /m);
  return start < 0 ? '' : text.slice(start);
}

/** The verdict as qemu-run.sh computes it: 0 when the guest shut down cleanly after a PASS line. */
export function verdict(result: RunImageResult, output: string): number {
  const last = output.trimEnd().split('\n').pop() ?? '';
  return result.outcome === 'shutdown' && result.status === 0 && last.startsWith('PASS ') ? 0 : 1;
}

/** Harts a program asks for (guests/tests/<name>/qemu.args "-smp N"), 1 by default. */
export function hartsOf(name: string): number {
  const args = join(GUESTS, 'tests', name, 'qemu.args');
  const m = existsSync(args) ? /-smp\s+(\d+)/.exec(readFileSync(args, 'utf8')) : null;
  return m ? Number(m[1]) : 1;
}

let basic: GuestConfig | undefined;
/** guests/dts/basic.dts, the guest the programs run in. */
export function basicGuest(): GuestConfig {
  if (!basic) {
    const path = join(GUESTS, 'dts/basic.dts');
    basic = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]).guests[0]!;
  }
  return basic;
}

export interface GuestRun {
  readonly result: RunImageResult;
  readonly output: string;
  readonly status: number;
}

/**
 * Run guests/bin/<name>.elf with as many VCPUs as it asks for. `stepLimit` 1 runs every hart one instruction per
 * `Hart.run` call (the check of block translation against single-stepping); `wasmAfter` sets when blocks go to the
 * wasm tier (Infinity: never).
 */
export function runGuest(name: string, stepLimit?: number, wasmAfter?: number): GuestRun {
  let raw = '';
  const result = runImage({
    guest: basicGuest(), image: readFileSync(join(GUESTS, 'bin', `${name}.elf`)), vcpus: hartsOf(name),
    timeoutSeconds: name === 'bench' ? 100 : 5, buildDevice, unmapped: 'fault', stepLimit, wasmAfter,
    output: (_vserial, bytes) => { raw += Buffer.from(bytes).toString('latin1'); },
  });
  const output = guestOutput(raw);
  return { result, output, status: verdict(result, output) };
}
