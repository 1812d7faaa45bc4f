/**
 * `tsvisor run --gdb` against a real debugger: Debian's gdb-multiarch in batch mode, as a user would drive it
 * (`target remote`, break, watch, stepi, info threads, registers and memory), on the committed guest programs with
 * their symbols. Skipped without gdb-multiarch, except in CI, which installs it (.ci/run).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../support/cli.js';
import { run } from '../support/process.js';

const haveGdb = (await run('gdb-multiarch', ['--version'])).status === 0;
if (!haveGdb && process.env.CI) throw new Error('gdb-multiarch is missing (CI installs it: .ci/run)');

const GUESTS = join(ROOT, 'guests');

/** Start `tsvisor run <guest> --gdb 0 --gdb-wait ...`, and once it listens run gdb-multiarch with `commands`. */
async function underGdb(image: string, extra: readonly string[], commands: readonly string[]): Promise<{ gdb: string; run: string; status: number | null }> {
  const child = spawn(process.execPath, [CLI, 'run', join(GUESTS, 'dts/basic.dts'), '--image', join(GUESTS, 'bin', image),
    '--unmapped', 'fault', '--timeout', '20', '--gdb', '0', '--gdb-wait', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => { output += d; });
  child.stderr.setEncoding('latin1').on('data', (d: string) => { output += d; });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  let port: string | undefined;
  for (let i = 0; i < 600 && !port; i++) {
    port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    if (!port) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!port) throw new Error(`tsvisor did not listen:\n${output}`);
  const gdb = await run('gdb-multiarch', ['-q', '-nx', '-batch', join(GUESTS, 'bin', image),
    '-ex', `target remote 127.0.0.1:${port}`, ...commands.flatMap((c) => ['-ex', c])], { timeoutMs: 100_000 });
  const status = await exited;
  clearTimeout(killer);
  return { gdb: gdb.stdout.toString('utf8') + gdb.stderr.toString('utf8'), run: output, status };
}

describe.skipIf(!haveGdb)('tsvisor run --gdb with gdb-multiarch', () => {
  it('breaks at a function, steps, watches a variable, shows registers and memory, and lets the guest finish', async () => {
    const r = await underGdb('hello.elf', ['--expect', 'PASS hello'], [
      'break main', 'continue', 'info registers pc', 'stepi', 'info registers pc', 'next',
      'watch test_checks', 'continue', 'continue', 'print test_checks', 'delete',
      'print/x $sstatus', 'print $priv', 'x/s test_name', 'continue',
    ]);
    expect(r.gdb).toMatch(/Breakpoint 1, (0x[0-9a-f]+ in )?main \(\) at tests\/hello\/hello\.c:6/);
    expect(r.gdb).toMatch(/Hardware watchpoint 2: test_checks\s+Old value = 0\s+New value = 1/);
    expect(r.gdb).toMatch(/Old value = 1\s+New value = 2/);
    expect(r.gdb).toContain('$1 = 2');
    expect(r.gdb).toMatch(/\$3 = 1\b/); // priv: S mode
    expect(r.gdb).toMatch(/"hello"/);
    expect(r.gdb).toContain('[Inferior 1 (Remote target) exited normally]');
    expect(r.run).toContain('PASS hello (5 checks)');
    expect(r.status).toBe(0);
  });

  it('shows a thread per VCPU of an SMP guest and stops in the one that hits a breakpoint', async () => {
    const r = await underGdb('smp.elf', ['--vcpus', '4'], [
      'info threads', 'break secondary_main', 'continue', 'info threads', 'print hartid', 'delete', 'continue',
    ]);
    expect(r.gdb).toMatch(/\* 1 +Thread 1 \(basic\/vcpu0/);
    expect(r.gdb).toMatch(/ 4 +Thread 4 \(basic\/vcpu3/);
    expect(r.gdb).toMatch(/Thread ([234]) hit Breakpoint 1, secondary_main \(hartid=\d/);
    expect(r.gdb).toContain('exited normally');
    expect(r.run).toContain('PASS smp');
    expect(r.status).toBe(0);
  });

  it('ends the run when GDB kills the guest', async () => {
    const r = await underGdb('hello.elf', [], ['break main', 'continue', 'kill']);
    expect(r.gdb).toContain('Breakpoint 1,');
    expect(r.run).toContain('the debugger ended the run');
    expect(r.run).not.toContain('PASS hello');
    expect(r.status).toBe(1); // a run GDB cut short did not pass
  });
});
