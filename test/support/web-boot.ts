/**
 * `tsvisor boot BOARD --web 0` as a child process for the web view's tests: started asynchronously, with the URL
 * it prints on stderr, its stdin kept open for shell commands, and its output gathered.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI } from './cli.js';

export interface WebBoot {
  /** The printed URL, with its token. */
  readonly url: string;
  /** `http://host:port`, without path or token. */
  readonly base: string;
  readonly token: string;
  /** Standard output and error so far. */
  output(): string;
  /** Type a shell command line. */
  command(line: string): void;
  /** Wait (wall clock) until the output matches, or fail with the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** `shutdown`, then the exit status (killed after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly child: ChildProcessWithoutNullStreams;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function webBoot(board: string, extra: readonly string[] = [], startMs = 60_000): Promise<WebBoot> {
  const child = spawn(process.execPath, [CLI, 'boot', board, '--web', '0', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('latin1').on('data', (d: string) => { out += d; });
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let done = false;
  void exited.then(() => { done = true; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(out)) {
      if (done || Date.now() > until) throw new Error(`${done ? 'tsvisor ended' : 'timed out'} before ${pattern}:\n${out}`);
      await sleep(50);
    }
  };
  await waitFor(/web view at (http:\/\/\S+)/, startMs);
  const url = /web view at (http:\/\/\S+)/.exec(out)![1]!;
  const parsed = new URL(url);
  return {
    url, base: parsed.origin, token: parsed.searchParams.get('token') ?? '', child, waitFor,
    output: () => out,
    command: (line) => { child.stdin.write(`${line}\n`); },
    stop: async (timeoutMs = 30_000) => {
      if (!done) child.stdin.end('shutdown\n');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const status = await exited;
      clearTimeout(t);
      clearTimeout(killer);
      return status;
    },
  };
}
