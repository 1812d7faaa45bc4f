/**
 * How many worker threads parallel mode starts: a module of its own, so that `tsvisor run` can size a run without
 * loading the engine (engine.ts), which only a parallel run needs.
 */
import { availableParallelism } from 'node:os';

/** Workers for `hostCpus` host CPUs: at most `cap` (a user's limit) and the machine's `cores`, at least 1. */
export function workerCount(hostCpus: number, cap = Infinity, cores = availableParallelism()): number {
  return Math.max(1, Math.min(hostCpus, cap, cores));
}
