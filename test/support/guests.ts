/** Running the committed guest programs (guests/bin) on the bare machine, cut the way guests/qemu-run.sh cuts. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BareMachine, type BareResult } from '../../src/vmm/bare-machine.js';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { runImage } from '../../src/vmm/run-image.js';
import { buildDevice } from '../../src/devices/registry.js';

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
export function verdict(result: BareResult, output: string): number {
  const last = output.trimEnd().split('\n').pop() ?? '';
  return result.outcome === 'shutdown' && result.status === 0 && last.startsWith('PASS ') ? 0 : 1;
}

/** Harts a program asks for (guests/tests/<name>/qemu.args "-smp N"), 1 by default. */
export function hartsOf(name: string): number {
  const args = join(GUESTS, 'tests', name, 'qemu.args');
  const m = existsSync(args) ? /-smp\s+(\d+)/.exec(readFileSync(args, 'utf8')) : null;
  return m ? Number(m[1]) : 1;
}

/**
 * Run guests/bin/<name>.elf; `slice` is the instruction budget per Hart.run call. Multi-hart programs run as a
 * guest (guests/dts/basic.dts) under the runtime, with their VCPUs as scheduler tasks; the others on the bare machine.
 */
export function runGuest(name: string, slice?: number): { result: BareResult; output: string; status: number } {
  const harts = hartsOf(name);
  if (harts > 1) return runSmpGuest(name, harts);
  const machine = new BareMachine();
  machine.load(readFileSync(join(GUESTS, 'bin', `${name}.elf`)));
  const result = machine.run(name === 'bench' ? 5e9 : 5e7, slice);
  const output = guestOutput(machine.output);
  return { result, output, status: verdict(result, output) };
}

function runSmpGuest(name: string, harts: number): { result: BareResult; output: string; status: number } {
  const path = join(GUESTS, 'dts/basic.dts');
  const config = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]).guests[0]!;
  let raw = '';
  const r = runImage({
    guest: config, image: readFileSync(join(GUESTS, 'bin', `${name}.elf`)), vcpus: harts, timeoutSeconds: 60, buildDevice,
    output: (_vserial, bytes) => { raw += Buffer.from(bytes).toString('latin1'); },
  });
  const result: BareResult = { outcome: r.outcome === 'timeout' ? 'timeout' : r.outcome === 'halted' ? 'halted' : 'shutdown', status: r.status, instructions: r.instructions };
  const output = guestOutput(raw);
  return { result, output, status: verdict(result, output) };
}
