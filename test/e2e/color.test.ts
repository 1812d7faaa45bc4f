/** Diagnostics are coloured where colours are wanted, and not under NO_COLOR (no-color.org) or --no-color. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/cli.js';
import { run } from '../support/process.js';

describe.skipIf(!existsSync(CLI))('colours', () => {
  it('FORCE_COLOR colours a diagnostic; NO_COLOR and --no-color take the colours away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-color-'));
    try {
      const bad = join(dir, 'bad.dts');
      writeFileSync(bad, '/dts-v1/;\n/ { a = <1 2; };\n');
      const validate = async (env: string[], args: string[]) =>
        (await run('env', [...env, process.execPath, CLI, 'validate', ...args, bad])).stdout.toString('latin1');
      const ESC = '\x1b[';
      expect(await validate(['FORCE_COLOR=1'], [])).toContain(ESC);
      const plain = await validate(['FORCE_COLOR=1', 'NO_COLOR=1'], []);
      expect(plain).not.toContain(ESC);
      expect(plain).toContain(`${bad}:2:13: error: syntax error`);
      expect(await validate(['FORCE_COLOR=1'], ['--no-color'])).not.toContain(ESC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
