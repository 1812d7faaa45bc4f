/**
 * Validation of the files a board's bootcmd loads besides guest trees: `vfs guest_load` images (they must exist,
 * go to a guest loaded by then, and fit the guest's RAM or ROM from their address), load lists and their entries,
 * and `vfs run` scripts with the commands inside them. Each error is located at the command's own string in the
 * board (or its line in a script).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../../src/cli/validate.js';
import type { Validation } from '../../../src/vmm/config/validate.js';
import { HOST, TEMPLATE_GUEST, check, edit, expectOne } from './fixtures.js';

const ROOT = resolve(import.meta.dirname, '../../..');
let dir: string;
const at = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvisor-boot-files-'));
  writeFileSync(at('t.dts'), TEMPLATE_GUEST.join('\n') + '\n');
  writeFileSync(at('small.bin'), Buffer.alloc(0x1000));
  writeFileSync(at('big.bin'), Buffer.alloc(0x80001));
  writeFileSync(at('good.list'), '# gpa file\n0x80000000 small.bin\n\n0x80010000 small.bin\n');
  writeFileSync(at('bad.list'), '0x80000000 small.bin\n0x80010000 gone.bin\n');
  writeFileSync(at('good.script'), 'version\nvfs guest_load guest0 0x80000000 small.bin\n');
  writeFileSync(at('bad.script'), 'version\necho hello; vfs guest_load guest0 0x80000000 gone.bin\n');
  writeFileSync(at('self.script'), 'vfs run self.script\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 1 MiB of RAM at 0x80000000 for guest0. */
const LOAD_GUEST = 'vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x100000';

/**
 * HOST with a bootcmd written one command a line from line 7: `bootcmd = "<first>",` then `      "<next>",` — so
 * command n (0-based) is on line 7 + n, its string at column 15 for the first and 7 for the others.
 */
function boot(...commands: string[]): Validation {
  const lines = commands.map((c, i) => `${i === 0 ? '    bootcmd = ' : '      '}${JSON.stringify(c)}${i === commands.length - 1 ? ';' : ','}`);
  return check([at('board.dts'), edit(HOST, { 7: [...lines, '  };'] })]);
}
const place = (n: number) => ({ file: at('board.dts'), line: 7 + n, column: n === 0 ? 15 : 7 });
const error = (n: number, message: string | RegExp) => ({ code: 'bootcmd', severity: 'error' as const, ...place(n), message });

describe('vfs guest_load in bootcmd', () => {
  it('an image that exists and fits gives no diagnostic', () => {
    expect(boot(LOAD_GUEST, 'guest create guest0', 'vfs guest_load guest0 0x80000000 small.bin', 'guest kick guest0').diagnostics).toEqual([]);
  });

  it('a missing image is an error at its command', () => {
    expectOne(boot(LOAD_GUEST, 'guest create guest0', 'vfs guest_load guest0 0x80200000 missing.bin'),
      error(2, `"vfs guest_load guest0 0x80200000 missing.bin": image ${at('missing.bin')}: no such file or directory`));
  });

  it('an image that is a directory', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 0x80000000 .'), error(1, 'a directory, not a regular file'));
  });

  it('a guest nobody loaded', () => {
    expectOne(boot('vfs guest_load guest9 0x80000000 small.bin'), error(0, 'no guest guest9 by then'));
    // Loaded too late counts the same: bootcmd runs in order.
    expectOne(boot('vfs guest_load guest0 0x80000000 small.bin', LOAD_GUEST), error(0, 'no guest guest0 by then'));
  });

  it('an address that is not a number', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 -1 small.bin'), error(1, 'invalid guest physical address "-1"'));
  });

  it('an address outside the guest\'s RAM and ROM', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 0x100000 small.bin'), error(1, '0x100000 is not RAM or ROM of guest0'));
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 0x80100000 small.bin'), error(1, '0x80100000 is not RAM or ROM of guest0'));
  });

  it('an image larger than what is left of the region', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 0x80080000 big.bin'),
      error(1, `image ${at('big.bin')}: 524289 bytes is larger than the 524288 bytes left in mem0 from 0x80080000`));
    expect(boot(LOAD_GUEST, 'vfs guest_load guest0 0x80000000 big.bin').diagnostics).toEqual([]);
  });

  it('too few words', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load guest0 0x80000000'), error(1, 'usage: vfs guest_load <guest> <guest_phys_addr> <file>'));
  });

  it('commands separated by ; are each checked', () => {
    expectOne(boot(`${LOAD_GUEST}; guest create guest0; vfs guest_load guest0 0x80000000 gone.bin`), error(0, 'gone.bin: no such file'));
  });

  it('a command from a macro is located where the macro is used', () => {
    const first = `    bootcmd = ${JSON.stringify(LOAD_GUEST)}, `;
    const v = check([at('board.dts'), edit(HOST, {
      7: ['#define LOAD "vfs guest_load guest0 0x80000000 gone.bin"', `${first}LOAD;`, '  };'],
    })]);
    expectOne(v, { code: 'bootcmd', severity: 'error', file: at('board.dts'), line: 8, column: first.length + 1, message: 'gone.bin: no such file' });
  });

  it('a bootcmd whose strings cannot be told apart in the source is located at the property', () => {
    const v = check([at('board.dts'), edit(HOST, {
      7: [`    bootcmd = ${JSON.stringify(LOAD_GUEST)}, L1: "vfs guest_load guest0 0x80000000 gone.bin";`, '  };'],
    })]);
    expectOne(v, { code: 'bootcmd', severity: 'error', file: at('board.dts'), line: 7, column: 5, message: 'gone.bin: no such file' });
  });
});

describe('vfs guest_load_list and vfs run in bootcmd', () => {
  it('a load list whose entries exist and fit', () => {
    expect(boot(LOAD_GUEST, 'vfs guest_load_list guest0 good.list').diagnostics).toEqual([]);
  });

  it('a missing load list', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load_list guest0 none.list'), error(1, `load list ${at('none.list')}: no such file or directory`));
  });

  it('a load list naming a missing image: the list\'s line is named', () => {
    expectOne(boot(LOAD_GUEST, 'vfs guest_load_list guest0 bad.list'),
      error(1, `${at('bad.list')}:2: image ${at('gone.bin')}: no such file or directory`));
  });

  it('a script whose commands are sound', () => {
    expect(boot(LOAD_GUEST, 'vfs run good.script').diagnostics).toEqual([]);
  });

  it('a missing script', () => {
    expectOne(boot('vfs run none.script'), error(0, `script ${at('none.script')}: no such file or directory`));
  });

  it('a script loading a missing image: located at the script\'s line', () => {
    expectOne(boot(LOAD_GUEST, 'vfs run bad.script'), {
      code: 'bootcmd', severity: 'error', file: at('bad.script'), line: 2, column: 1, message: `image ${at('gone.bin')}: no such file`,
    });
  });

  it('a script that runs itself stops at the shell\'s nesting limit', () => {
    expectOne(boot('vfs run self.script'), {
      code: 'bootcmd', severity: 'error', file: at('self.script'), line: 1, column: 1, message: 'scripts nested more than 8 deep',
    });
  });
});

describe('tsvisor validate', () => {
  it('the shipped boards validate clean, their images included', () => {
    for (const board of ['default.dts', 'two-guests.dts']) {
      let out = '';
      expect(runValidate([join(ROOT, 'boards', board)], { format: 'text', include: [] }, (s) => { out += s; }), out).toBe(0);
      expect(out).toMatch(/^ok: host with 4 CPUs, 2 guests\n$/);
    }
  });

  it('a board whose bootcmd loads a missing file is not ok (exit 1), the command located', () => {
    writeFileSync(at('missing-image.dts'), edit(HOST, {
      7: [`    bootcmd = ${JSON.stringify(LOAD_GUEST)},`, '      "guest create guest0", "vfs guest_load guest0 0x80000000 missing.bin";', '  };'],
    }));
    let out = '';
    expect(runValidate([at('missing-image.dts')], { format: 'text', include: [] }, (s) => { out += s; })).toBe(1);
    const plain = stripVTControlCharacters(out);
    expect(plain).toContain(`${at('missing-image.dts')}:8:30: error: "vfs guest_load guest0 0x80000000 missing.bin": image ${at('missing.bin')}: no such file or directory`);
    expect(plain).toMatch(/1 error, 0 warnings/);
  });
});
