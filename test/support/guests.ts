/** Running the committed guest programs (guests/bin) on the bare machine, cut the way guests/qemu-run.sh cuts. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BareMachine, type BareResult } from '../../src/vmm/bare-machine.js';

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

/** Run guests/bin/<name>.elf; `slice` is the instruction budget per Hart.run call. */
export function runGuest(name: string, slice?: number): { result: BareResult; output: string; status: number } {
  const machine = new BareMachine();
  machine.load(readFileSync(join(GUESTS, 'bin', `${name}.elf`)));
  const result = machine.run(name === 'bench' ? 5e9 : 5e7, slice);
  const output = guestOutput(machine.output);
  return { result, output, status: verdict(result, output) };
}
