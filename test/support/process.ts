/**
 * Child processes for tests, always asynchronous: a test awaits them, so the vitest worker's event loop keeps
 * turning (its RPC to the main process times out after 60 s if a file blocks it, e.g. in a loop of synchronous
 * child processes on a loaded machine). `run` is Node's synchronous spawn without the blocking, `runChecked` its
 * synchronous execFile without it, and `limiter` bounds how many run at once.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Written to the program's standard input, which is then closed (closed at once when absent). */
  readonly input?: string | Uint8Array;
  /** Killed with SIGKILL after this long (default 120 s). */
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** The program's environment (default this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** The exit status; null when the program was killed by a signal or could not be started (as the sync spawn gives). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Why the program could not be started (ENOENT, EACCES), as the sync spawn's `error`. */
  readonly error?: Error;
}

/** Run `command args`, asynchronously; never rejects: a program that cannot start gives status null and `error`. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: Error | undefined;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => { error = e; });
    // 'close' follows 'error' too (a program that could not start; its "status" is then the negative errno).
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out), stderr = Buffer.concat(err);
      done(error ? { status: null, signal, stdout, stderr, error } : { status, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a program that exits (or never starts) before reading its input
    child.stdin.end(options.input);
  });
}

/** As `run`, but rejects (as the sync execFile throws) unless the program exits with status 0. */
export async function runChecked(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const how = r.signal ? `killed by ${r.signal}` : `exit status ${String(r.status)}`;
    throw new Error(`${command} ${args.join(' ')}: ${how}\n${r.stderr.toString('utf8')}`);
  }
  return r;
}

/**
 * A gate for at most `concurrency` tasks at a time: `gate(task)` starts `task` when a slot is free and settles as
 * it does. Tasks start in the order they are given.
 */
export function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    active--;
    waiting.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        Promise.resolve().then(task).then(resolve, reject).finally(release);
      };
      if (active < concurrency) start();
      else waiting.push(start);
    });
}

/** Lets the event loop turn (timers, I/O, the worker's RPC): for long in-process loops, between iterations. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
