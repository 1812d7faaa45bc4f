/**
 * Every guest program in guests/bin runs on tsvisor's hart and must print exactly what it printed on the reference
 * machine (qemu-system-riscv64 -M virt with OpenSBI, recorded in guests/expected/), with the same verdict.
 * Each also runs with every block the wasm tier takes in wasm from its first run, with every block interpreted, and
 * one instruction per `run` call, which checks the tiers (early exits, retired counts, pc bookkeeping, the wasm
 * driver's chaining) against each other and against single-stepping: same output, same instruction count.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS, guestPrograms, runGuest } from '../../support/guests.js';

const programs = guestPrograms().filter((p) => existsSync(join(GUESTS, 'expected', `${p}.out`)));

describe('guest programs match QEMU', () => {
  it('finds the committed programs and their expected output', () => {
    expect(programs.length).toBe(guestPrograms().length);
    expect(programs).toEqual(expect.arrayContaining(['rv64i', 'rv64m', 'rv64a', 'rvc', 'rvf', 'rvd', 'zicsr',
      'mmu_sv39', 'mmu_sv48', 'traps', 'interrupts', 'bench']));
  });

  for (const name of programs) {
    it(name, () => {
      const expected = readFileSync(join(GUESTS, 'expected', `${name}.out`), 'latin1');
      const status = Number(readFileSync(join(GUESTS, 'expected', `${name}.status`), 'latin1').trim());
      const run = runGuest(name);
      expect(run.output).toBe(expected);
      expect(run.status).toBe(status);
      if (name !== 'bench') expect(run.output).toMatch(/^PASS /m);
    }, 120_000);
  }
});

describe('wasm blocks, interpreted blocks and single steps agree', () => {
  for (const name of programs.filter((p) => p !== 'bench')) {
    it(name, () => {
      const wasm = runGuest(name, undefined, 1);
      const interpreted = runGuest(name, undefined, Infinity);
      const steps = runGuest(name, 1, Infinity);
      expect(wasm.result.blocksCompiled).toBeGreaterThan(0);
      for (const other of [interpreted, steps]) {
        expect(other.output).toBe(wasm.output);
        expect(other.result.instructions).toBe(wasm.result.instructions);
      }
    }, 120_000);
  }
});
