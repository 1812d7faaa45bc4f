/**
 * Every guest program in guests/bin runs on tsvisor's hart and must print exactly what it printed on the reference
 * machine (qemu-system-riscv64 -M virt with OpenSBI, recorded in guests/expected/), with the same verdict.
 * Each also runs a second time one instruction per `run` call, which checks block translation (early exits,
 * retired counts, pc bookkeeping) against single-stepping: same output, same instruction count.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BareMachine, type BareResult } from '../../../src/vmm/bare-machine.js';

const GUESTS = join(import.meta.dirname, '../../../guests');
const programs = readdirSync(join(GUESTS, 'bin'))
  .filter((f) => f.endsWith('.elf'))
  .map((f) => f.slice(0, -4))
  .filter((p) => existsSync(join(GUESTS, 'expected', `${p}.out`)));

/** The guest's own output, as guests/qemu-run.sh cuts it: from its "== name ==" line on, without CRs. */
function guestOutput(raw: string): string {
  const text = raw.replace(/\r/g, '');
  const start = text.search(/^== /m);
  return start < 0 ? '' : text.slice(start);
}

/** The verdict as qemu-run.sh computes it: 0 when the guest shut down cleanly after a PASS line. */
function verdict(result: BareResult, output: string): number {
  const last = output.trimEnd().split('\n').pop() ?? '';
  return result.outcome === 'shutdown' && result.status === 0 && last.startsWith('PASS ') ? 0 : 1;
}

function runProgram(name: string, slice?: number): { result: BareResult; output: string } {
  const machine = new BareMachine();
  machine.load(readFileSync(join(GUESTS, 'bin', `${name}.elf`)));
  const result = machine.run(name === 'bench' ? 5e9 : 5e7, slice);
  return { result, output: guestOutput(machine.output) };
}

describe('guest programs match QEMU', () => {
  it('finds the committed programs and their expected output', () => {
    expect(programs.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of programs) {
    it(name, () => {
      const expected = readFileSync(join(GUESTS, 'expected', `${name}.out`), 'latin1');
      const status = Number(readFileSync(join(GUESTS, 'expected', `${name}.status`), 'latin1').trim());
      const { result, output } = runProgram(name);
      expect(output).toBe(expected);
      expect(verdict(result, output)).toBe(status);
    }, 120_000);
  }
});

describe('block translation agrees with single-stepping', () => {
  for (const name of programs.filter((p) => p !== 'bench')) {
    it(name, () => {
      const blocks = runProgram(name);
      const steps = runProgram(name, 1);
      expect(steps.output).toBe(blocks.output);
      expect(steps.result.instructions).toBe(blocks.result.instructions);
    }, 120_000);
  }
});
