/** The built CLI as a child process, spawned asynchronously so a long run never blocks the test worker. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tsvisorCommand } from '../../src/cli/cli-command.js';
import { run } from './process.js';

export const ROOT = join(import.meta.dirname, '../..');
/** The `tsvisor` command (package.json's bin: the bundled CLI), and the CLI's ES module entry point. */
export const CLI = join(ROOT, 'dist/cli/tsvisor.cjs');
export const MAIN = join(ROOT, 'dist/cli/main.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `tsvisor <args>` (as the `tsvisor` command runs: main.js's `#!` line) with `input` on stdin; killed after `timeoutMs`. */
export function tsvisor(args: readonly string[], input = '', timeoutMs = 600_000): Promise<CliResult> {
  return new Promise((done, fail) => {
    const c = tsvisorCommand(CLI, args);
    const child = spawn(c.command, c.args, { stdio: ['pipe', 'pipe', 'pipe'], env: c.env });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('latin1').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (status) => { clearTimeout(timer); done({ status, stdout, stderr }); });
    child.stdin.end(input);
  });
}

export interface BinaryResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Run `command args` with `input` on stdin (and `env`), asynchronously; stdout as bytes (DTBs), stderr as text. */
export async function runBinary(command: string, args: readonly string[], input?: string | Uint8Array, timeoutMs = 120_000,
  env?: NodeJS.ProcessEnv): Promise<BinaryResult> {
  const r = await run(command, args, { ...(input !== undefined ? { input } : {}), timeoutMs, ...(env ? { env } : {}) });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
