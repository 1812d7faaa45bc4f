/** Runs a fuzz target for a time or a number of inputs, collecting failures (one per kind), each minimized. */
import { minimize } from './minimize.js';
import { Rng } from './prng.js';
import { signature, type Target } from './target.js';

export interface Failure {
  readonly target: string;
  /** The failure's kind (see `signature`). */
  readonly signature: string;
  readonly message: string;
  /** The seed of the run and the input's number in it: `--seed S` replays the run up to this input. */
  readonly seed: number;
  readonly index: number;
  /** The failing input and the minimized one, formatted by the target. */
  readonly input: string;
  readonly minimized: string;
  readonly minimizedMessage: string;
  /** How many inputs of the run failed this way. */
  count: number;
}

/** A known failure: its message contains `message`, and its input (as formatted) matches `input` if given. */
export interface Known {
  readonly message: string;
  readonly input?: RegExp;
  /** Why it is known: the issue and who is fixing it. */
  readonly why: string;
}

export interface RunOptions {
  readonly seed: number;
  /** Stop after this much wall time (ms) ... */
  readonly ms: number;
  /** ... or this many inputs, whichever comes first. */
  readonly maxInputs?: number;
  /** Time for minimizing each new kind of failure (default 20 s; 0: none). */
  readonly minimizeMs?: number;
  /** Known failures (in code being fixed elsewhere): counted, not minimized or returned. */
  readonly known?: readonly Known[];
}

export interface RunResult {
  readonly target: string;
  readonly inputs: number;
  /** Time spent fuzzing (minimization excluded). */
  readonly ms: number;
  readonly failures: Failure[];
  /** Known failures seen, by their `why`. */
  readonly known: Map<string, number>;
}

/** Run one input under the oracle, the time bound and a catch-all for escaping exceptions. */
export function runOne<T>(target: Target<T>, input: readonly T[]): string | undefined {
  const t0 = performance.now();
  let failure: string | undefined;
  try {
    failure = target.run(input);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const at = (err.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' | ');
    failure = `uncaught ${err.name}: ${err.message}${at ? ` (${at})` : ''}`;
  }
  const ms = performance.now() - t0;
  if (failure === undefined && ms > target.timeLimitMs) failure = `slow: one input took ${Math.round(ms)} ms (bound ${target.timeLimitMs} ms)`;
  return failure;
}

export function runTarget<T>(target: Target<T>, opts: RunOptions): RunResult {
  const rng = new Rng(opts.seed);
  const failures = new Map<string, Failure>();
  const known = new Map<string, number>();
  const start = performance.now();
  let inputs = 0;
  /** Time spent minimizing: not counted against the run's time, nor in its rate. */
  let minimizing = 0;
  while (performance.now() - start - minimizing < opts.ms && (opts.maxInputs === undefined || inputs < opts.maxInputs)) {
    const input = target.generate(rng);
    const index = inputs++;
    const message = runOne(target, input);
    if (message === undefined) continue;
    // A time bound missed once may be a GC pause or the machine being busy: it counts when a rerun misses it too.
    if (message.startsWith('slow') && runOne(target, input) === undefined) continue;
    const sig = signature(message);
    const k = opts.known?.find((x) => message.includes(x.message) && (x.input === undefined || x.input.test(target.format(input))));
    if (k !== undefined) { known.set(k.why, (known.get(k.why) ?? 0) + 1); continue; }
    const seen = failures.get(sig);
    if (seen) { seen.count++; continue; }
    let small: T[] = [...input];
    let smallMessage = message;
    if ((opts.minimizeMs ?? 20_000) > 0) {
      const m0 = performance.now();
      const budget = opts.minimizeMs ?? 20_000;
      const prefix = input.slice(0, target.fixedPrefix ?? 0);
      const fails = (c: readonly T[]): boolean => {
        const m = runOne(target, prefix.concat(c));
        if (m !== undefined && signature(m) === sig) { smallMessage = m; return true; }
        return false;
      };
      let body = input.slice(prefix.length);
      if (target.groups) {
        // Whole groups first (lines of text): cheap big steps, then single units.
        const groups = minimize(target.groups(body), (gs) => fails(gs.flat()), budget / 2);
        body = groups.flat();
      }
      small = prefix.concat(minimize(body, fails, Math.max(0, budget - (performance.now() - m0))));
      minimizing += performance.now() - m0;
    }
    failures.set(sig, {
      target: target.name, signature: sig, message, seed: opts.seed, index,
      input: target.format(input), minimized: target.format(small), minimizedMessage: smallMessage, count: 1,
    });
  }
  return { target: target.name, inputs, ms: performance.now() - start - minimizing, failures: [...failures.values()], known };
}
