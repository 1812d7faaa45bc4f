/**
 * What `tsvisor run` watches for in a guest's console: `--expect` patterns that must all appear, in order, and
 * `--fail-on` patterns that fail the run as soon as one appears. A pattern is literal text, or a regular
 * expression written `/source/flags` (as Renode's and LAVA's test keywords take either).
 */

export interface Pattern {
  /** As the user wrote it (for messages). */
  readonly text: string;
  readonly regex: RegExp | undefined;
}

/** A pattern from the command line; a string when `/.../` is not a valid regular expression. */
export function parsePattern(text: string): Pattern | string {
  const m = /^\/(.+)\/([dgimsuy]*)$/s.exec(text);
  if (!m) return { text, regex: undefined };
  const [, source = '', flags = ''] = m;
  try {
    // Searches resume where the last match ended (lastIndex): the pattern is always global.
    return { text, regex: new RegExp(source, flags.includes('g') ? flags : `${flags}g`) };
  } catch (e) {
    return `"${text}" is not a regular expression: ${(e as Error).message}`;
  }
}

/** Where `p` first matches in `s` at or after `from`: [start, end), or undefined. */
export function find(p: Pattern, s: string, from: number): [number, number] | undefined {
  if (!p.regex) {
    const at = s.indexOf(p.text, from);
    return at < 0 ? undefined : [at, at + p.text.length];
  }
  p.regex.lastIndex = from;
  const m = p.regex.exec(s);
  return m ? [m.index, m.index + Math.max(1, m[0].length)] : undefined;
}

/** A `--fail-on` match may straddle two looks at the console: each look goes back this far. */
const FAIL_OVERLAP = 4096;

export class ConsoleWatch {
  private text = '';
  /** Expectations met so far, and where the last one ended. */
  private met = 0;
  private metEnd = 0;
  private failScanned = 0;
  private failure: Pattern | undefined;

  constructor(
    private readonly expects: readonly Pattern[],
    private readonly failOn: readonly Pattern[],
  ) {}

  get console(): string {
    return this.text;
  }

  append(text: string): void {
    this.text += text;
  }

  /** Looks at what arrived since the last look; true when the run should stop (a --fail-on, or, if asked, done). */
  check(untilExpected: boolean): boolean {
    for (let expect = this.expects[this.met]; expect; expect = this.expects[this.met]) {
      const hit = find(expect, this.text, this.metEnd);
      if (!hit) break;
      this.met++;
      this.metEnd = hit[1];
    }
    if (this.failure === undefined && this.failOn.length > 0 && this.failScanned < this.text.length) {
      const from = Math.max(0, this.failScanned - FAIL_OVERLAP);
      this.failure = this.failOn.find((p) => find(p, this.text, from) !== undefined);
      this.failScanned = this.text.length;
    }
    return this.failure !== undefined || (untilExpected && this.expects.length > 0 && this.met === this.expects.length);
  }

  /** The --fail-on pattern the console printed, if any. */
  failedOn(): Pattern | undefined {
    return this.failure;
  }

  /** The first expectation not met (in order), if any, and the one met before it. */
  unmet(): { pattern: Pattern; after: Pattern | undefined } | undefined {
    const pattern = this.expects[this.met];
    return pattern && { pattern, after: this.expects[this.met - 1] };
  }
}
