/**
 * Test scripts for `tsvisor run --script FILE`: the steps of an interactive console test, as Renode's
 * `Wait For Line On Uart` / `Write Line To Uart` keywords give them. A script is JSON, a list of steps (or
 * `{ "steps": [...] }`), each one of:
 *
 *   { "wait": "text or /regex/flags", "timeout": seconds }   wait for the console to print it (after what the
 *                                                              previous wait matched); timeout in guest virtual
 *                                                              seconds, default the run's --timeout
 *   { "send": "text" }                                       type it into the console (\n is Enter)
 *   { "expect-exit": status }                                 the guest must end with this status
 *   { "snapshot-console": "file" }                           write the console so far to the file (relative to
 *                                                              the script)
 *
 * The runner looks at the console every 10 ms of virtual time (run-image.ts), so a step's time is exact to that.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { find, parsePattern, type Pattern } from './console-watch.js';

export type Step =
  | { readonly kind: 'wait'; readonly pattern: Pattern; readonly timeoutSeconds: number | undefined }
  | { readonly kind: 'send'; readonly text: string }
  | { readonly kind: 'expect-exit'; readonly status: number }
  | { readonly kind: 'snapshot-console'; readonly file: string };

export interface Script {
  readonly path: string;
  readonly steps: readonly Step[];
}

/** Most steps in one script: far more than a console test needs, and a bound on what a file can ask for. */
const MAX_STEPS = 10_000;

/** Parse a script file's text; a string is the error, naming the step. */
export function parseScript(text: string, path: string): Script | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `${path}: not JSON: ${(e as Error).message}`;
  }
  const list = Array.isArray(json) ? json : (json as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(list)) return `${path}: a script is a list of steps, or { "steps": [...] }`;
  if (list.length > MAX_STEPS) return `${path}: more than ${MAX_STEPS} steps`;
  const steps: Step[] = [];
  for (let i = 0; i < list.length; i++) {
    const step = parseStep(list[i]);
    if (typeof step === 'string') return `${path}: step ${i + 1}: ${step}`;
    steps.push(step);
  }
  return { path, steps };
}

function parseStep(raw: unknown): Step | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a step is an object such as { "wait": "=> " }';
  const o = raw as Record<string, unknown>;
  const kinds = ['wait', 'send', 'expect-exit', 'snapshot-console'].filter((k) => k in o);
  if (kinds.length !== 1) return 'a step has exactly one of "wait", "send", "expect-exit", "snapshot-console"';
  const allowed = kinds[0] === 'wait' ? ['wait', 'timeout'] : kinds;
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  if (extra !== undefined) return `unknown key "${extra}"`;
  switch (kinds[0]) {
    case 'wait': {
      if (typeof o['wait'] !== 'string' || o['wait'] === '') return '"wait" takes non-empty text or /regex/';
      const pattern = parsePattern(o['wait']);
      if (typeof pattern === 'string') return pattern;
      const t = o['timeout'];
      if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) return '"timeout" is a positive number of seconds';
      return { kind: 'wait', pattern, timeoutSeconds: t as number | undefined };
    }
    case 'send':
      return typeof o['send'] === 'string' ? { kind: 'send', text: o['send'] } : '"send" takes text';
    case 'expect-exit': {
      const v = o['expect-exit'];
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255 ? { kind: 'expect-exit', status: v } : '"expect-exit" takes a status, 0..255';
    }
    default: {
      const f = o['snapshot-console'];
      return typeof f === 'string' && f !== '' ? { kind: 'snapshot-console', file: f } : '"snapshot-console" takes a file name';
    }
  }
}

/** One step's result, for the report. */
export interface StepResult {
  readonly step: Step;
  /** Virtual seconds it took (from the end of the step before). */
  readonly seconds: number;
  readonly ok: boolean;
  readonly message?: string;
}

/** What a script needs from the run: typing, and virtual time. */
export interface ScriptControl {
  send(text: string): void;
  now(): number;
}

/** Runs a script against a console as the run goes on (`advance` at every look), then judges the end. */
export class ScriptRunner {
  private next = 0;
  private matchedEnd = 0;
  private stepStart = 0;
  private failure: string | undefined;
  readonly results: StepResult[] = [];

  constructor(
    private readonly script: Script,
    private readonly control: ScriptControl,
    private readonly defaultTimeoutSeconds: number,
  ) {}

  /**
   * Runs the steps the console allows now; true when the run should stop: a step failed, or the script is done and
   * its last step was not a `send` (whose text the guest is still to read, and act on: the run goes on to its end).
   */
  advance(console: string): boolean {
    const now = this.control.now();
    while (this.failure === undefined && this.next < this.script.steps.length) {
      const step = this.script.steps[this.next]!;
      if (step.kind === 'expect-exit') return false; // judged when the guest ends
      if (step.kind === 'wait') {
        const hit = find(step.pattern, console, this.matchedEnd);
        if (hit === undefined) {
          const limit = step.timeoutSeconds ?? this.defaultTimeoutSeconds;
          if ((now - this.stepStart) / 1e9 < limit) return false;
          this.fail(step, now, `"${step.pattern.text}" did not appear within ${limit} s`);
          return true;
        }
        this.matchedEnd = hit[1];
      } else if (step.kind === 'send') {
        this.control.send(step.text);
      } else {
        const file = resolve(dirname(this.script.path), step.file);
        try {
          writeFileSync(file, console, 'latin1');
        } catch (e) {
          this.fail(step, now, `cannot write ${file}: ${(e as Error).message}`);
          return true;
        }
      }
      this.results.push({ step, seconds: (now - this.stepStart) / 1e9, ok: true });
      this.stepStart = now;
      this.next++;
    }
    return this.failure === undefined && this.done && this.script.steps.at(-1)?.kind !== 'send';
  }

  /** Every step has run. */
  get done(): boolean {
    return this.next >= this.script.steps.length;
  }

  /** The verdict once the run ended with `status` (the run's own); the message says which step failed. */
  finish(status: number, ended: string): { ok: boolean; message?: string } {
    if (this.failure !== undefined) return { ok: false, message: this.failure };
    const now = this.control.now();
    const step = this.script.steps[this.next];
    if (step === undefined) return { ok: true };
    if (step.kind !== 'expect-exit') {
      this.fail(step, now, `not reached: ${ended}`);
      return { ok: false, message: this.failure };
    }
    if (status !== step.status) {
      this.fail(step, now, `the guest ended with ${status}, not ${step.status}`);
      return { ok: false, message: this.failure };
    }
    this.results.push({ step, seconds: (now - this.stepStart) / 1e9, ok: true });
    this.next++;
    return { ok: true };
  }

  private fail(step: Step, now: number, why: string): void {
    this.failure = `script step ${this.next + 1} (${describe(step)}): ${why}`;
    this.results.push({ step, seconds: (now - this.stepStart) / 1e9, ok: false, message: this.failure });
  }
}

/** A step as a line of the report. */
export function describe(step: Step): string {
  switch (step.kind) {
    case 'wait': return `wait ${JSON.stringify(step.pattern.text)}`;
    case 'send': return `send ${JSON.stringify(step.text)}`;
    case 'expect-exit': return `expect-exit ${step.status}`;
    default: return `snapshot-console ${step.file}`;
  }
}
