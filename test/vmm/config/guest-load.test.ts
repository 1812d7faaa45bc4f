/**
 * `vfs guest_fdt_load` (REFERENCE.md §1): guestFdtLoad as a library function (template expansion, overrides of
 * each type, failures changing nothing), and a board's bootcmd applying it during validation, with its errors
 * located at the board's bootcmd. Positions are counted by hand from HOST and TEMPLATE_GUEST (fixtures.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBlob } from '../../../src/dts/dtb.js';
import { toDts } from '../../../src/dts/print.js';
import type { DeviceTree, Node } from '../../../src/dts/tree.js';
import { guestFdtLoad } from '../../../src/vmm/config/guest-load.js';
import { validate } from '../../../src/vmm/config/validate.js';
import { HOST, TEMPLATE_GUEST, check, edit, expectDiag, expectNone, expectOne, file, type Lines } from './fixtures.js';

const hostTree = (): DeviceTree => file('board.dts', HOST).tree;
const guestTree = (lines: Lines = TEMPLATE_GUEST): DeviceTree => file('t.dts', lines).tree;

const child = (n: Node, path: string): Node => {
  let at: Node | undefined = n;
  for (const part of path.split('/')) at = at?.getChild(part);
  if (!at) throw new Error(`no ${path} under ${n.fullpath}`);
  return at;
};
const bytesOf = (n: Node, prop: string): number[] => [...n.getProp(prop)!.value.bytes];
const propsOf = (n: Node): [string, number[]][] => n.props.map((p) => [p.name, [...p.value.bytes]]);
const latin1 = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('guestFdtLoad', () => {
  it('grafts the guest under /guests/<name> and copies the template into vcpus/vcpu0..N-1', () => {
    const host = hostTree();
    const guest = guestTree();
    const before = toDts(guest);
    const result = guestFdtLoad(host, 'guest0', guest, 3);
    expect(result.ok).toBe(true);
    const node = child(host.root, 'guests/guest0');
    expect(result.ok && result.node).toBe(node);
    expect(node.fullpath).toBe('/guests/guest0');
    const vcpus = child(node, 'vcpus').children;
    expect(vcpus.map((v) => v.fullpath)).toEqual(['/guests/guest0/vcpus/vcpu0', '/guests/guest0/vcpus/vcpu1', '/guests/guest0/vcpus/vcpu2']);
    // Only vcpu0 loses poweroff; every copy keeps the rest of the template.
    expect(vcpus.map((v) => v.getProp('poweroff') !== undefined)).toEqual([false, true, true]);
    for (const v of vcpus) {
      expect(v.props.filter((p) => p.name !== 'poweroff').map((p) => [p.name, [...p.value.bytes]]))
        .toEqual(child(node, 'vcpu_template').props.filter((p) => p.name !== 'poweroff').map((p) => [p.name, [...p.value.bytes]]));
    }
    // The copies are independent of the template and of each other.
    expect(vcpus[1]!.getProp('start_pc')).not.toBe(vcpus[2]!.getProp('start_pc'));
    // The loaded tree is untouched.
    expect(toDts(guest)).toBe(before);

    const v = validate([{ path: 'board.dts', tree: host }]);
    expect(v.guests.map((g) => g.name)).toEqual(['guest0']);
    expect(v.guests[0]!.vcpus.map((c) => [c.name, c.subid, c.poweroff])).toEqual([
      ['guest0/vcpu0', 0, false], ['guest0/vcpu1', 1, true], ['guest0/vcpu2', 2, true],
    ]);
  });

  it('refuses an absurd VCPU count instead of exhausting memory', () => {
    const host = hostTree();
    const result = guestFdtLoad(host, 'guest0', guestTree(), 1_000_000);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/more than the 1024/) });
    expect(host.root.getChild('guests')).toBeUndefined();
  });

  it('validating a board leaves the caller\'s tree as compiled (boot loads work on a copy)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-config-'));
    try {
      writeFileSync(join(dir, 't.dts'), TEMPLATE_GUEST.join('\n') + '\n');
      const bootcmd = '    bootcmd = "vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x1000000";';
      const board = file(join(dir, 'board.dts'), edit(HOST, { 7: [bootcmd, '  };'] })).tree;
      const before = toDts(board);
      const first = validate([{ path: join(dir, 'board.dts'), tree: board }]);
      const second = validate([{ path: join(dir, 'board.dts'), tree: board }]);
      expect(toDts(board)).toBe(before);
      expect(second.diagnostics).toEqual(first.diagnostics);
      expect(second.guests.map((g) => g.name)).toEqual(['guest0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes no VCPUs for a count of 0', () => {
    const host = hostTree();
    expect(guestFdtLoad(host, 'g', guestTree(), 0).ok).toBe(true);
    expect(child(host.root, 'guests/g').getChild('vcpus')).toBeUndefined();
  });

  it('keeps a guest that lists its own vcpus', () => {
    const host = hostTree();
    const own = edit(TEMPLATE_GUEST, { 8: '  vcpus { vcpu0 {', 13: '  }; };' });
    expect(guestFdtLoad(host, 'g', guestTree(own.split('\n')), 1).ok).toBe(true);
    expect(child(host.root, 'guests/g/vcpus').children.map((c) => c.name)).toEqual(['vcpu0']);
    expect(child(host.root, 'guests/g/vcpus/vcpu0').getProp('poweroff')).toBeDefined();
  });

  it('adds to an existing /guests', () => {
    const host = file('board.dts', edit(HOST, { 54: ['  guests {', '    other { };', '  };', '};'] })).tree;
    expect(guestFdtLoad(host, 'g', guestTree(), 1).ok).toBe(true);
    expect(host.root.getChild('guests')!.children.map((c) => c.name)).toEqual(['other', 'g']);
  });

  it.each([
    ['string', 'uart0', 'label', 'hello', [...latin1('hello'), 0]],
    ['string', 'uart0', 'label', 'a,b', [...latin1('a,b'), 0]],
    ['string', 'uart0', 'label', '', [0]],
    ['bytes', 'uart0', 'mac', '0x52 0x54 0 255', [0x52, 0x54, 0, 255]],
    ['uint32', 'uart0', 'fifo_size', '0x12345678', [0x12, 0x34, 0x56, 0x78]],
    ['uint32', 'uart0', 'fifo_size', '4096', [0, 0, 0x10, 0]],
    ['uint64', 'uart0', 'big', '0x123456789abcdef0', [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]],
    ['physaddr', 'mem0', 'guest_physical_addr', '0x90000000', [0, 0, 0, 0, 0x90, 0, 0, 0]],
    ['physsize', 'mem0', 'physical_size', '0x10000000', [0, 0, 0, 0, 0x10, 0, 0, 0]],
    ['virtaddr', 'uart0', 'va', '0xffffffff80000000', [0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0]],
    ['virtsize', 'uart0', 'vs', '65536', [0, 0, 0, 0, 0, 1, 0, 0]],
  ])('override of type %s on %s: %s = %s', (type, alias, attr, value, bytes) => {
    const host = hostTree();
    const result = guestFdtLoad(host, 'g', guestTree(), 1, [`${alias},${attr},${type},${value}`]);
    expect(result).toMatchObject({ ok: true });
    const target = child(host.root, alias === 'mem0' ? 'guests/g/aspace/mem0' : 'guests/g/aspace/uart0');
    expect(bytesOf(target, attr)).toEqual(bytes);
    // Only the aliased node changed.
    const other = alias === 'mem0' ? 'aspace/uart0' : 'aspace/mem0';
    expect(propsOf(child(host.root, `guests/g/${other}`))).toEqual(propsOf(child(guestTree().root, other)));
  });

  it('overrides replace the value in place, keeping its source position', () => {
    const host = hostTree();
    guestFdtLoad(host, 'g', guestTree(), 1, ['mem0,physical_size,physsize,0x1000800']);
    const mem0 = child(host.root, 'guests/g/aspace/mem0');
    expect(mem0.props.filter((p) => p.name === 'physical_size')).toHaveLength(1);
    const v = validate([{ path: 'board.dts', tree: host }]);
    expect(v.guests[0]!.regions[0]!.size).toBe(0x1000800);
    // The overridden value is wrong; the diagnostic points at the attribute in the guest's source.
    expectOne(v, {
      code: 'alignment', severity: 'error', file: 't.dts', line: 21, column: 7,
      message: 'g/mem0: physical_size 0x1000800 is not a multiple of 2^12',
    });
  });

  it('applies several overrides in order', () => {
    const host = hostTree();
    guestFdtLoad(host, 'g', guestTree(), 1, ['uart0,fifo_size,uint32,1', 'uart0,fifo_size,uint32,2']);
    expect(bytesOf(child(host.root, 'guests/g/aspace/uart0'), 'fifo_size')).toEqual([0, 0, 0, 2]);
  });

  describe('failures change nothing', () => {
    const ALIAS_TO_NOTHING = edit(TEMPLATE_GUEST, { 6: '    ghost = "/aspace/ghost";' }).split('\n');
    const BOTH = edit(TEMPLATE_GUEST, { 14: ['  vcpus { vcpu0 { device_type = "vcpu"; }; };', '  aspace {'] }).split('\n');
    const NO_TEMPLATE = edit(TEMPLATE_GUEST, Object.fromEntries([8, 9, 10, 11, 12, 13].map((l) => [l, '']))).split('\n');

    it.each<[string, string, number, string[], Lines, string]>([
      ['an invalid name', 'guest 0', 1, [], TEMPLATE_GUEST, 'invalid guest name "guest 0"'],
      ['a name with a slash', 'a/b', 1, [], TEMPLATE_GUEST, 'invalid guest name "a/b"'],
      ['a negative VCPU count', 'g', -1, [], TEMPLATE_GUEST, 'invalid VCPU count -1'],
      ['a fractional VCPU count', 'g', 1.5, [], TEMPLATE_GUEST, 'invalid VCPU count 1.5'],
      ['a VCPU count that is not a number', 'g', NaN, [], TEMPLATE_GUEST, 'invalid VCPU count NaN'],
      ['an override of three parts', 'g', 1, ['mem0,physical_size,physsize'], TEMPLATE_GUEST,
        'override "mem0,physical_size,physsize" is not <alias>,<attr>,<type>,<value>'],
      ['an unknown type', 'g', 1, ['mem0,physical_size,size,1'], TEMPLATE_GUEST, 'override "mem0,physical_size,size,1": unknown type "size"'],
      ['an unknown alias', 'g', 1, ['mem9,physical_size,physsize,1'], TEMPLATE_GUEST, 'the guest has no alias "mem9"'],
      ['an alias naming no node', 'g', 1, ['ghost,x,uint32,1'], ALIAS_TO_NOTHING, 'alias ghost names /aspace/ghost, which the guest does not have'],
      ['a value that is not a number', 'g', 1, ['mem0,physical_size,physsize,lots'], TEMPLATE_GUEST, '"lots" is not a number'],
      ['a uint32 too large', 'g', 1, ['uart0,x,uint32,0x100000000'], TEMPLATE_GUEST, '0x100000000 does not fit in 32 bits'],
      ['a uint64 too large', 'g', 1, ['uart0,x,uint64,0x10000000000000000'], TEMPLATE_GUEST, 'does not fit in 64 bits'],
      ['a byte too large', 'g', 1, ['uart0,x,bytes,1 256'], TEMPLATE_GUEST, '"1 256" is not a list of byte values'],
      ['a good override then a bad one', 'g', 1, ['mem0,physical_size,physsize,0x1000', 'mem9,x,uint32,1'], TEMPLATE_GUEST, 'no alias "mem9"'],
      ['both vcpu_template and vcpus', 'g', 1, [], BOTH, 'guest g has both vcpu_template and vcpus'],
      ['no template to copy', 'g', 2, [], NO_TEMPLATE, 'guest g has no vcpu_template to make 2 VCPUs from'],
    ])('%s', (_what, name, count, overrides, lines, error) => {
      const host = hostTree();
      const guest = guestTree(lines);
      const [hostBefore, guestBefore] = [toDts(host), toDts(guest)];
      const result = guestFdtLoad(host, name, guest, count, overrides);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toContain(error);
      expect(toDts(host)).toBe(hostBefore);
      expect(host.root.getChild('guests')).toBeUndefined();
      expect(toDts(guest)).toBe(guestBefore);
    });

    it('a guest that exists already', () => {
      const host = hostTree();
      expect(guestFdtLoad(host, 'guest0', guestTree(), 1).ok).toBe(true);
      const before = toDts(host);
      expect(guestFdtLoad(host, 'guest0', guestTree(), 2)).toEqual({ ok: false, error: 'guest guest0 already exists' });
      expect(toDts(host)).toBe(before);
    });
  });
});

describe('bootcmd guest_fdt_load during validation', () => {
  let dir: string;
  const BOARD_BOOTCMD = 7; // the line bootcmd goes on in HOST, column 5

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvisor-config-'));
    writeFileSync(join(dir, 't.dts'), TEMPLATE_GUEST.join('\n') + '\n');
    writeFileSync(join(dir, 't.dtb'), toBlob(guestTree()));
    writeFileSync(join(dir, 'broken.dts'), '/dts-v1/;\n/ {\n  device_type = "guest"\n};\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The commands of the last `boot`, to find the column of each one's string literal. */
  let lastCommands: string[] = [];
  /** Validate HOST with a bootcmd of these commands (the board sits in the temporary folder). */
  const boot = (...commands: string[]) => {
    lastCommands = commands;
    const bootcmd = `    bootcmd = ${commands.map((c) => JSON.stringify(c)).join(', ')};`;
    return check([join(dir, 'board.dts'), edit(HOST, { [BOARD_BOOTCMD]: [bootcmd, '  };'] })]);
  };
  /** An error located at the string of command n (0-based) of the last `boot`: each command has its own place. */
  const bootcmdError = (message: string, n = 0) => ({
    code: 'bootcmd', severity: 'error' as const, file: join(dir, 'board.dts'), line: BOARD_BOOTCMD,
    column: '    bootcmd = '.length + 1 + lastCommands.slice(0, n).reduce((c, cmd) => c + JSON.stringify(cmd).length + 2, 0), message,
  });

  it('loads the guests the board boots, overrides and VCPU copies included', () => {
    const v = boot('version', 'vfs guest_fdt_load guest0 t.dts 2 mem0,physical_size,physsize,0x1000000',
      'vfs guest_fdt_load guest1 ./t.dtb 1 mem0,physical_size,physsize,0x800000', 'guest create guest0');
    expect(v.diagnostics).toEqual([]);
    expect(v.guests.map((g) => [g.name, g.vcpus.length, g.regions.find((r) => r.name.endsWith('/mem0'))?.size]))
      .toEqual([['guest0', 2, 0x1000000], ['guest1', 1, 0x800000]]);
    expect(v.host!.bootcmd).toHaveLength(4);
  });

  it('a guest loaded by bootcmd is checked like any other, located in its own file', () => {
    const v = boot('vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x1000800');
    expectOne(v, {
      code: 'alignment', severity: 'error', file: join(dir, 't.dts'), line: 21, column: 7, message: 'guest0/mem0: physical_size',
    });
    // Without the override, the size left at 0 is an error: once loaded, nothing will set it.
    expectOne(boot('vfs guest_fdt_load guest0 t.dts 1'), {
      code: 'region_size', severity: 'error', file: join(dir, 't.dts'), line: 21, column: 7, message: 'guest0/mem0: physical_size is 0',
    });
  });

  it('quoted words group', () => {
    const v = boot('vfs guest_fdt_load guest0 "t.dts" 1 mem0,physical_size,physsize,0x1000000 "uart0,label,string,hello world"');
    expect(v.diagnostics).toEqual([]);
    const uart = v.guests[0]!.regions.find((r) => r.name === 'guest0/uart0')!;
    expect(uart.node.getProp('label')!.value.asString()).toBe('hello world');
  });

  it('too few words', () => {
    expectOne(boot('vfs guest_fdt_load guest0 t.dts'),
      bootcmdError('"vfs guest_fdt_load guest0 t.dts": usage: vfs guest_fdt_load <guest> <dtb> <vcpu_count>'));
    expectNone(boot('vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x1000000'), 'bootcmd');
  });

  it('a guest file that does not exist', () => {
    expectOne(boot('vfs guest_fdt_load guest0 missing.dts 1'),
      bootcmdError(`"vfs guest_fdt_load guest0 missing.dts 1": device tree ${join(dir, 'missing.dts')}: no such file or directory`));
  });

  it('a guest file with errors: its own diagnostics and the command', () => {
    const v = boot('vfs guest_fdt_load guest0 broken.dts 1');
    expectOne(v, bootcmdError(`"vfs guest_fdt_load guest0 broken.dts 1": ${join(dir, 'broken.dts')} has errors`));
    expectDiag(v.diagnostics.find((d) => d.code === 'syntax')!, {
      code: 'syntax', severity: 'error', file: join(dir, 'broken.dts'), line: 4, column: 1, message: 'syntax error',
    });
  });

  it('a bad override', () => {
    expectOne(boot('vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,bigint,1'),
      bootcmdError('"vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,bigint,1": override "mem0,physical_size,bigint,1": unknown type "bigint"'));
  });

  it('an override through an unknown alias', () => {
    expectOne(boot('vfs guest_fdt_load guest0 t.dts 1 disk0,blkdev,string,sda'),
      bootcmdError('the guest has no alias "disk0"'));
  });

  it('a VCPU count that is not a number', () => {
    expectOne(boot('vfs guest_fdt_load guest0 t.dts two'), bootcmdError('invalid VCPU count NaN'));
  });

  it('a guest loaded twice', () => {
    const v = boot('vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x1000000',
      'vfs guest_fdt_load guest0 t.dts 1 mem0,physical_size,physsize,0x1000000');
    expectOne(v, bootcmdError('guest guest0 already exists', 1));
    expect(v.guests).toHaveLength(1);
  });

  it('a guest named like one inline in the board', () => {
    lastCommands = ['vfs guest_fdt_load guest0 t.dts 1'];
    const bootcmd = '    bootcmd = "vfs guest_fdt_load guest0 t.dts 1";';
    const v = check([join(dir, 'board.dts'), edit(HOST, {
      [BOARD_BOOTCMD]: [bootcmd, '  };'],
      54: ['  guests {', '    guest0 { };', '  };', '};'],
    })]);
    expectOne(v, bootcmdError('guest guest0 already exists'));
  });

  it('other commands load nothing', () => {
    expect(boot('version', 'vfs ls /', 'guest create guest0', 'echo "vfs guest_load guest0 0x80000000 x.bin"').diagnostics).toEqual([]);
  });
});
