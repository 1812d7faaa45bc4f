/**
 * Differential check against the live reference: every guest program (tests and the benchmark) runs under
 * `qemu-system-riscv64 -M virt` (guests/qemu-run.sh) and under tsvisor; output and verdict must be identical.
 * Skipped when QEMU is not installed (apt-get install qemu-system-misc); `npm run qemu-diff` runs just this.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GUESTS, guestPrograms, runGuest } from '../support/guests.js';
import { run } from '../support/process.js';

const haveQemu = (await run('sh', ['-c', 'command -v qemu-system-riscv64'])).status === 0;

/** guests/qemu-run.sh on one program, spawned asynchronously: its output (cut as ours is) and exit status. */
function qemuRun(name: string): Promise<{ stdout: string; status: number | null }> {
  return new Promise((done) => {
    const q = spawn(join(GUESTS, 'qemu-run.sh'), [join(GUESTS, 'bin', `${name}.elf`), '120'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    q.stdout.setEncoding('latin1').on('data', (d: string) => { stdout += d; });
    q.on('close', (status) => done({ stdout, status }));
  });
}

describe.skipIf(!haveQemu)('tsvisor against live QEMU', () => {
  for (const name of guestPrograms()) {
    it(name, async () => {
      const qemu = await qemuRun(name);
      const ours = runGuest(name);
      expect(ours.output).toBe(qemu.stdout);
      expect(ours.status).toBe(qemu.status);
    }, 180_000);
  }
});
