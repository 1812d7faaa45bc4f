/** Tab completion of shell lines, and `;` splitting, without a terminal: the completer is a pure function. */
import { describe, expect, it } from 'vitest';
import { complete, type CompletionNames } from '../../src/vmm/shell/complete.js';
import { splitCommands } from '../../src/vmm/shell/split.js';
import { parseDuration } from '../../src/vmm/shell/number.js';

const tree: Record<string, string[]> = { '/': ['cpus', 'chosen', 'vmm'], '/cpus': ['cpu@0', 'cpu@1', 'cpu-map'], '/cpus/cpu-map': ['cluster0'] };
const names: CompletionNames = {
  guests: () => ['guest0', 'guest1'],
  vcpus: () => [{ id: 5, name: 'guest0/vcpu0' }, { id: 6, name: 'guest1/vcpu0' }],
  vserials: () => ['guest0/uart0', 'guest0/sbi', 'guest1/uart0', 'guest1/sbi'],
  treeChildren: (p) => tree[p] ?? [],
};
const c = (line: string): [string[], string] => complete(line, names);

describe('shell completion', () => {
  it('completes command names, then sub-commands, with a space after a single match', () => {
    expect(c('')[0]).toContain('guest');
    expect(c('gu')).toEqual([['guest '], 'gu']);
    expect(c('v')).toEqual([['vcpu', 'version', 'vfs', 'vserial'], 'v']);
    expect(c('vcpu d')).toEqual([['dumpreg', 'dumpstat'], 'd']);
    expect(c('vcpu dumps')).toEqual([['dumpstat '], 'dumps']);
    expect(c('host ')).toEqual([['cpu', 'info', 'ram'], '']);
    expect(c('host cpu ')).toEqual([['info '], '']);
    expect(c('help gu')).toEqual([['guest '], 'gu']);
    expect(c('frob ')).toEqual([[], '']);
  });

  it('completes guest, VCPU (by name, or by id once a digit is typed) and vserial names', () => {
    expect(c('guest kick ')).toEqual([['guest0', 'guest1'], '']);
    expect(c('guest kick guest1')).toEqual([['guest1 '], 'guest1']);
    expect(c('vcpu dumpreg g')).toEqual([['guest0/vcpu0', 'guest1/vcpu0'], 'g']);
    expect(c('vcpu pause 6')).toEqual([['6 '], '6']);
    expect(c('vserial bind guest0/')).toEqual([['guest0/sbi', 'guest0/uart0'], 'guest0/']);
    expect(c('guest list ')).toEqual([[], '']); // list takes nothing
    expect(c('memory d')).toEqual([['dump16', 'dump32', 'dump8'], 'd']);
    expect(c('memory mod')).toEqual([['modify16', 'modify32', 'modify8'], 'mod']);
    expect(c('memory copy guest0')).toEqual([['guest0 '], 'guest0']);
    expect(c('memory dump32 guest1 ')).toEqual([[], '']); // an address
    expect(c('vcpu set_h')).toEqual([['set_hcpu '], 'set_h']);
    expect(c('vcpu set_hcpu g')).toEqual([['guest0/vcpu0', 'guest1/vcpu0'], 'g']);
    expect(c('vcpu mo')).toEqual([['monitor '], 'mo']);
    expect(c('help mem')).toEqual([['memory '], 'mem']);
  });

  it('completes the command after the last ; and board tree paths a level at a time', () => {
    expect(c('echo hi; guest k')).toEqual([['kick '], 'k']);
    expect(c('echo "a;gu')).toEqual([[], '"a;gu']); // inside quotes: still the echo
    expect(c('devtree node show ')).toEqual([['/'], '']);
    expect(c('devtree node show /c')).toEqual([['/chosen', '/cpus/'], '/c']);
    expect(c('devtree node show /cpus/cpu-')).toEqual([['/cpus/cpu-map/'], '/cpus/cpu-']);
    expect(c('devtree attr g')).toEqual([['get '], 'g']);
  });
});

describe('shell lines', () => {
  it('splits at ; outside quotes', () => {
    expect(splitCommands('a; b ;;c')).toEqual(['a', 'b', 'c']);
    expect(splitCommands('echo "x;y"; z')).toEqual(['echo "x;y"', 'z']);
    expect(splitCommands('  ')).toEqual([]);
  });

  it('reads sleep durations in virtual time', () => {
    expect(parseDuration('3')).toBe(3e9);
    expect(parseDuration('20ms')).toBe(20e6);
    expect(parseDuration('7us')).toBe(7000);
    expect(parseDuration('-1')).toMatch(/not a duration/);
    expect(parseDuration(undefined)).toBe('missing duration');
  });
});
