/**
 * `tsvisor boot` at a real terminal: the CLI runs in a pseudo-terminal (Python's pty module, driven by
 * test/support/pty-drive.py, spawned asynchronously): history from the file, Tab completion, Ctrl-C that stops a
 * sleep but not the hypervisor, a bound console left by ESC x q and by Ctrl-C, the prompt and a half-typed line drawn
 * again under guest output, and the history file written back.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../support/cli.js';
import { spawn } from 'node:child_process';

const DRIVER = join(ROOT, 'test/support/pty-drive.py');
const hasPython = existsSync('/usr/bin/python3');

type Step = { send: string } | { expect: string; timeout?: number };

/** The driver, spawned asynchronously (the worker's event loop keeps turning), with its own environment. */
function drive(steps: readonly Step[], args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('python3', [DRIVER, JSON.stringify(steps), '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('latin1').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => { clearTimeout(timer); fail(e); });
    child.on('close', (status) => { clearTimeout(timer); done({ status, stdout, stderr }); });
  });
}

describe.skipIf(!existsSync(CLI) || !hasPython)('tsvisor boot in a terminal', () => {
  it('history, completion, Ctrl-C, vserial bind and the prompt redrawn under guest output, as a person types them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-pty-'));
    try {
      const history = join(dir, 'history');
      writeFileSync(history, 'echo from-history\n');
      const steps: Step[] = [
        { expect: 'XVisor# ' },
        { send: '\x1b[A\r' }, { expect: '\r\nfrom-history\r\n' },
        { send: 'gu\tli\t\r' }, { expect: '/guests/guest1' },
        { send: 'sleep 100000\r' }, { send: '\x03' }, { expect: '^C' }, { expect: 'XVisor# ' },
        { send: 'echo still-here\r' }, { expect: '\r\nstill-here\r\n' },
        { send: 'vserial bind guest0/uart0\r' }, { expect: '[Bound to guest0/uart0: ESC x q leaves]' },
        { send: '\x1bxq' }, { expect: '[Unbound]' }, { expect: 'XVisor# ' },
        { send: 'vserial bind guest1/uart0\r' }, { expect: '[Bound to guest1/uart0' },
        { send: '\x03' }, { expect: '[Unbound]' }, { expect: 'XVisor# ' },
        // Guest output while a line is half typed: the prompt and the half line are drawn again under it.
        { send: 'vfs guest_fdt_load b ../guests/dts/basic.dts 1; guest create b; vfs guest_load b 0x80200000 ../guests/bin/bench.bin; guest kick b\r' },
        { expect: 'b: Kicked' }, { send: 'echo red' },
        { expect: '[b/sbi] PASS bench', timeout: 90 }, { expect: 'XVisor# echo red' },
        { send: 'raw\r' }, { expect: '\r\nredraw\r\n' },
        { send: 'shutdown\r' },
      ];
      const r = await drive(steps, [process.execPath, CLI, 'boot', join(ROOT, 'boards/default.dts')], { ...process.env, TSVISOR_HISTORY: history });
      const screen = r.stdout;
      expect(r.stderr, screen).toBe('');
      expect(r.status).toBe(0);
      expect(screen).toContain('guest0: Shutdown (SBI SRST shutdown, no reason)'); // an event, at the prompt
      expect(screen).toContain('[guest0/uart0] line 3 of 3');
      expect(readFileSync(history, 'utf8').split('\n')).toEqual(expect.arrayContaining(['echo from-history', 'guest list', 'echo still-here', 'shutdown'])); // "gu<Tab>li<Tab>" ran as guest list
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
