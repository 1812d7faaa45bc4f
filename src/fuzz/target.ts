/**
 * A fuzz target: it makes inputs from a seeded PRNG (each input a list of units — characters, lines, commands,
 * calls, accesses — so a failing input can be shrunk by removing units), and runs one input against its oracle.
 */
import type { Rng } from './prng.js';

export interface Target<T> {
  readonly name: string;
  /** One new input. */
  generate(rng: Rng): T[];
  /**
   * Run one input: undefined when the oracle holds, else what failed. Exceptions escaping `run` are failures too
   * (the runner catches them): a target catches only the exceptions its code under test documents.
   */
  run(input: readonly T[]): string | undefined;
  /** The input as text, for the failure file. */
  format(input: readonly T[]): string;
  /** Groups of units (e.g. the characters of each line) minimization removes first, before single units. */
  groups?(input: readonly T[]): T[][];
  /** Leading units minimization keeps (e.g. the seed file's path). */
  readonly fixedPrefix?: number;
  /** Wall-time bound for one input, ms (a slower input is a failure). */
  readonly timeLimitMs: number;
  /** Release what the target holds between runs (optional). */
  close?(): void;
}

/** A type-erased target, for lists of targets of different unit types. */
export type AnyTarget = Target<unknown>;
export const erase = <T>(t: Target<T>): AnyTarget => t as unknown as AnyTarget;

/** A failure's message without numbers, quoted text and positions: failures of one kind share it. */
export function signature(message: string): string {
  return message.split('\n')[0]!.replace(/"[^"]*"/g, '""').replace(/0x[0-9a-f]+|\d+/gi, 'N').slice(0, 120);
}

/** Located: a diagnostic of a DTS input has a file, and a line and column from 1. */
export function located(d: { file?: string; line?: number; column?: number }): boolean {
  return typeof d.file === 'string' && d.file !== '' && typeof d.line === 'number' && d.line >= 1 && typeof d.column === 'number' && d.column >= 1;
}
