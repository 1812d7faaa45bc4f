/**
 * Checks across files and nodes: VCPU affinity against the host's CPUs, fixed host memory against banks, reserved
 * ranges and other guests, duplicate guest names, memory fit (claims, REFERENCE.md §7) and one board only.
 * Positions are counted by hand from HOST and GUEST (fixtures.ts).
 */
import { describe, expect, it } from 'vitest';
import { GUEST, HOST, check, edit, expectNone, expectOne } from './fixtures.js';

type Changes = Parameters<typeof edit>[1];
const withHost = (guest: Changes = {}, host: Changes = {}) =>
  check(['board.dts', edit(HOST, host)], ['g.dts', edit(GUEST, guest)]);

describe('a guest on the host', () => {
  it('the base guest fits the base host', () => {
    const v = withHost();
    expect(v.diagnostics).toEqual([]);
    expect(v.host?.cpus).toHaveLength(2);
    expect(v.guests.map((g) => g.name)).toEqual(['g']);
  });

  it('the order of the files does not matter', () => {
    expect(check(['g.dts', GUEST], ['board.dts', HOST]).diagnostics).toEqual([]);
  });

  it('affinity naming a host CPU the host lacks', () => {
    const d = expectOne(withHost({ 14: '      affinity = <0 5>;' }), {
      code: 'affinity', severity: 'error', file: 'g.dts', line: 14, column: 7,
      message: 'g/vcpu0: affinity names host CPU 5, which the host does not have',
    });
    expect(d.hint).toBe("the host's CPUs are 0, 1");
    expectNone(withHost({ 14: '      affinity = <1>;' }), 'affinity');
    // Without a board there is nothing to check against.
    expectNone(check(['g.dts', edit(GUEST, { 14: '      affinity = <0 5>;' })]), 'affinity');
  });

  it('fixed host memory outside every bank', () => {
    expectOne(withHost({ 25: '      host_physical_addr = <0x90000000>;' }), {
      code: 'host_memory', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: 'g/ram: host_physical_addr 0x90000000..0x900fffff is not inside a host memory bank',
    });
    // Running off the end of the bank is outside too.
    expectOne(withHost({ 25: '      host_physical_addr = <0x8ff80000>;' }), {
      code: 'host_memory', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: 'g/ram: host_physical_addr 0x8ff80000..0x9007ffff',
    });
    expectNone(withHost({ 25: '      host_physical_addr = <0x8ff00000>;' }), 'host_memory');
  });

  it('fixed host memory overlapping /reserved-memory', () => {
    expectOne(withHost({ 25: '      host_physical_addr = <0x80100000>;' }), {
      code: 'host_reserved', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: 'g/ram: host_physical_addr 0x80100000..0x801fffff overlaps reserved memory 0x80000000..0x801fffff',
    });
    expectNone(withHost({ 25: '      host_physical_addr = <0x80200000>;' }), 'host_reserved');
  });

  it('fixed host memory overlapping a /memreserve/ entry', () => {
    expectOne(withHost({}, { 1: '/dts-v1/; /memreserve/ 0x880ff000 0x2000;' }), {
      code: 'host_reserved', severity: 'error', file: 'g.dts', line: 25, column: 7,
      message: 'overlaps reserved memory 0x880ff000..0x88100fff',
    });
  });
});

describe('guests together', () => {
  it('fixed host memory given to two guests', () => {
    const v = check(['board.dts', HOST], ['g.dts', GUEST], ['h.dts', GUEST]);
    const d = expectOne(v, {
      code: 'host_memory_shared', severity: 'error', file: 'h.dts', line: 25, column: 7,
      message: 'h/ram: host memory 0x88000000..0x880fffff is also given to g/ram',
    });
    expect(d.hint).toContain('shared_ram');
    expectNone(check(['board.dts', HOST], ['g.dts', GUEST], ['h.dts', edit(GUEST, { 25: '      host_physical_addr = <0x88100000>;' })]), 'host_memory_shared');
  });

  it('two regions of one guest may alias one host range (not a sharing)', () => {
    const v = withHost({ 58: '      device_type = "ram";', 61: ['      align_order = <21>;', '      host_physical_addr = <0x88000000>;'] });
    expectNone(v, 'host_memory_shared');
  });

  it('two guest files with the same base name', () => {
    const v = check(['a/g.dts', GUEST], ['b/g.dts', edit(GUEST, { 25: '      host_physical_addr = <0x88100000>;' })]);
    const d = expectOne(v, {
      code: 'duplicate_guest', severity: 'error', file: 'b/g.dts', line: 2, column: 1,
      message: 'guest name "g" is used twice (guest names must be unique)',
    });
    expect(d.hint).toBe('the first is at a/g.dts:2:1');
    expectNone(check(['a/g.dts', GUEST], ['b/h.dts', edit(GUEST, { 25: '      host_physical_addr = <0x88100000>;' })]), 'duplicate_guest');
  });

  it('a guest file named like a guest inline in the board', () => {
    const board = edit(HOST, { 54: ['  guests {', '    g {', '      device_type = "guest";', '    };', '  };', '};'] });
    const d = expectOne(check(['board.dts', board], ['g.dts', GUEST]), {
      code: 'duplicate_guest', severity: 'error', file: 'g.dts', line: 2, column: 1, message: 'guest name "g" is used twice',
    });
    expect(d.hint).toBe('the first is at board.dts:55:5');
  });
});

describe('memory fit', () => {
  it('one guest larger than the host', () => {
    const d = expectOne(withHost({ 60: '      physical_size = <0x20000000>;' }), {
      code: 'memory_fit', severity: 'error', file: 'g.dts', line: 2, column: 1,
      message: 'guests do not fit in host memory: domain "g"',
    });
    // 512 MiB allocated + 1 MiB fixed; 256 MiB - 2 MiB reserved.
    expect(d.hint).toBe('all guests together claim 513 MiB; the host has 254 MiB for guests (memory minus reserved ranges)');
    expectNone(withHost(), 'memory_fit');
  });

  it('guests that fit alone but not together: the first that does not fit is reported', () => {
    const big = (hpa: string) => ({ 25: `      host_physical_addr = <${hpa}>;`, 60: '      physical_size = <0x8000000>;' });
    const v = check(['board.dts', HOST], ['g.dts', edit(GUEST, big('0x88000000'))], ['h.dts', edit(GUEST, big('0x88100000'))]);
    expectOne(v, {
      code: 'memory_fit', severity: 'error', file: 'h.dts', line: 2, column: 1,
      message: 'guests do not fit in host memory: domain "h"',
    });
    expectNone(check(['board.dts', HOST], ['g.dts', edit(GUEST, big('0x88000000'))]), 'memory_fit');
  });

  it('the reserved range counts against the host', () => {
    // 254 MiB allocated + 1 MiB fixed: fits 256 MiB, not 256 - 2.
    const v = withHost({ 60: '      physical_size = <0xfe00000>;' });
    expectOne(v, { code: 'memory_fit', severity: 'error', file: 'g.dts', line: 2, column: 1, message: 'guests do not fit' });
    expectNone(withHost({ 60: '      physical_size = <0xfe00000>;' }, { 42: '  reserved-memory { };', ...Object.fromEntries([43, 44, 45, 46, 47, 48, 49].map((l) => [l, ''])) }), 'memory_fit');
  });

  it('reserved ranges that overlap each other count once', () => {
    // 252 MiB allocated + 1 MiB fixed fits 256 MiB less 2 MiB reserved twice over, not less 4 MiB.
    const v = withHost({ 25: '      host_physical_addr = <0x88000000>;', 60: '      physical_size = <0xfc00000>;' },
      { 1: '/dts-v1/; /memreserve/ 0x80000000 0x200000;' });
    expect(v.host!.reserved).toHaveLength(2);
    expectNone(v, 'memory_fit');
  });

  it('reserved ranges covering all memory twice: no room, and no crash', () => {
    const v = withHost({}, { 1: '/dts-v1/; /memreserve/ 0x80000000 0x10000000;', 47: '      reg = <0x0 0x80000000 0x0 0x10000000>;' });
    expectOne(v, {
      code: 'memory_fit', severity: 'error', file: 'g.dts', line: 2, column: 1, message: 'guests do not fit in host memory',
    });
  });

  it('shared memory counts once however many guests map it', () => {
    const shared = (hpa: string) => ({
      25: `      host_physical_addr = <${hpa}>;`,
      58: '      device_type = "shared_ram";',
      60: '      physical_size = <0x6000000>;',
      61: ['      align_order = <21>;', '      shared_mem = "pool";'],
    });
    // 96 MiB shared by three guests fits; three private copies (288 MiB) would not.
    const v = check(['board.dts', HOST], ['g.dts', edit(GUEST, shared('0x88000000'))], ['h.dts', edit(GUEST, shared('0x88100000'))],
      ['i.dts', edit(GUEST, shared('0x88200000'))]);
    expectNone(v, 'memory_fit');
    const alloced = (hpa: string) => ({ 25: `      host_physical_addr = <${hpa}>;`, 60: '      physical_size = <0x6000000>;' });
    expectOne(check(['board.dts', HOST], ['g.dts', edit(GUEST, alloced('0x88000000'))], ['h.dts', edit(GUEST, alloced('0x88100000'))],
      ['i.dts', edit(GUEST, alloced('0x88200000'))]), {
      code: 'memory_fit', severity: 'error', file: 'i.dts', line: 2, column: 1, message: 'domain "i"',
    });
  });
});

describe('files', () => {
  it('two board files', () => {
    const d = expectOne(check(['board.dts', HOST], ['other.dts', HOST]), {
      code: 'two_boards', severity: 'error', file: 'other.dts', line: 2, column: 1,
      message: 'other.dts: a second board file (the host is already board.dts)',
    });
    expect(d.hint).toContain('one board');
    expectNone(check(['board.dts', HOST]), 'two_boards');
  });

  it('no files at all', () => {
    expect(check()).toEqual({ host: undefined, guests: [], diagnostics: [] });
  });
});
