/**
 * The `tsvisor boot` terminal without a pseudo-terminal: history files, the keys of a bound console, console line
 * assembly, and the Terminal + Session pair driven through fake TTY streams against a live hypervisor (history
 * with the Up arrow, Tab completion, the prompt redrawn under guest output, Ctrl-C, and a bound console left by
 * ESC x q and by Ctrl-C).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { Shell } from '../../src/vmm/shell.js';
import { historyPath, loadHistory, MAX_HISTORY, saveHistory } from '../../src/cli/shell-history.js';
import { BoundKeys } from '../../src/cli/shell-keys.js';
import { ConsoleLines, PARTIAL_LINE_BYTES } from '../../src/cli/shell-console.js';
import { Terminal } from '../../src/cli/terminal.js';
import { Session } from '../../src/cli/shell-session.js';
import { yieldToEventLoop } from '../support/process.js';

const ROOT = join(import.meta.dirname, '../..');

describe('history file', () => {
  it('is $TSVISOR_HISTORY, else ~/.tsvisor_history; empty turns it off', () => {
    expect(historyPath({ TSVISOR_HISTORY: '/x/h' }, '/home/u')).toBe('/x/h');
    expect(historyPath({}, '/home/u')).toBe('/home/u/.tsvisor_history');
    expect(historyPath({ TSVISOR_HISTORY: '' }, '/home/u')).toBeUndefined();
  });

  it('saves oldest first, loads newest first, bounded; a missing or unwritable file costs nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-hist-'));
    try {
      const file = join(dir, 'h');
      expect(loadHistory(file)).toEqual([]);
      expect(saveHistory(file, ['vcpu list', 'guest list'])).toBeUndefined();
      expect(readFileSync(file, 'utf8')).toBe('guest list\nvcpu list\n');
      expect(loadHistory(file)).toEqual(['vcpu list', 'guest list']);
      const many = Array.from({ length: MAX_HISTORY + 50 }, (_, i) => `echo ${i}`);
      writeFileSync(file, many.join('\n'));
      const loaded = loadHistory(file);
      expect(loaded).toHaveLength(MAX_HISTORY);
      expect(loaded[0]).toBe(`echo ${MAX_HISTORY + 49}`);
      expect(saveHistory(join(dir, 'no/such/dir/h'), ['x'])).toMatch(/ENOENT/);
      expect(loadHistory(dir)).toEqual([]); // a directory
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bound console keys', () => {
  const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
  it('pass through raw until ESC x q or Ctrl-C, even split across reads', () => {
    const k = new BoundKeys();
    expect(k.feed(b('ls\r'))).toEqual({ pass: [...b('ls\r')], leave: false });
    expect(k.feed(b('a\x1b'))).toEqual({ pass: [0x61], leave: false }); // ESC held back
    expect(k.feed(b('x'))).toEqual({ pass: [], leave: false });
    expect(k.feed(b('q'))).toEqual({ pass: [], leave: true });
    expect(k.feed(b('\x1b[A'))).toEqual({ pass: [...b('\x1b[A')], leave: false }); // an arrow key is not the way out
    expect(k.feed(b('\x1bx\x1bxq'))).toEqual({ pass: [...b('\x1bx')], leave: true });
    expect(k.feed(b('ab\x03cd'))).toEqual({ pass: [...b('ab')], leave: true });
  });
});

describe('console lines', () => {
  it('prefixes whole lines, splits long partial lines, and prints a bound console raw', () => {
    const c = new ConsoleLines();
    const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
    expect(c.feed('g/uart0', b('hel'))).toBe('');
    expect(c.feed('g/uart0', b('lo\r\nwor'))).toBe('[g/uart0] hello\n');
    expect(c.feed('g/uart0', b('x'.repeat(PARTIAL_LINE_BYTES)))).toBe(`[g/uart0] wor${'x'.repeat(PARTIAL_LINE_BYTES - 3)}\n`);
    c.feed('g/sbi', b('=> '));
    expect(c.take('g/sbi')).toBe('=> ');
    c.bound = 'g/sbi';
    expect(c.feed('g/sbi', b('ver'))).toBe('ver');
    expect(c.flush()).toBe('[g/uart0] xxx\n');
  });
});

/** A fake TTY pair: readline in terminal mode reads keys from `input` and draws on `output`. */
function fakeTty(): { input: NodeJS.ReadStream; output: NodeJS.WriteStream; screen: () => string; raw: () => boolean } {
  let raw = false;
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => { raw = on; return input; } });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 200, rows: 50 });
  let text = '';
  output.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  return { input: input as unknown as NodeJS.ReadStream, output: output as unknown as NodeJS.WriteStream, screen: () => text, raw: () => raw };
}

describe('terminal session', () => {
  it('history, completion, redraw, sleep, Ctrl-C, and a bound console left by ESC x q and by Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-term-'));
    try {
      const path = join(ROOT, 'boards/host.dtsi');
      const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
      const v = validate([{ path, tree }]);
      let session: Session | undefined;
      const hv = new Hypervisor(tree, v.host!, { output: (n, b) => session?.output(n, b) });
      const shell = new Shell(hv, join(ROOT, 'boards/default.dts'));
      for (const cmd of ['vfs guest_fdt_load guest0 ../guests/dts/basic.dts 1', 'guest create guest0', 'vfs guest_load guest0 0x80200000 ../guests/bin/bench.bin']) {
        expect(shell.execute(cmd).ok).toBe(true);
      }
      const tty = fakeTty();
      const historyFile = join(dir, 'history');
      writeFileSync(historyFile, 'host info\nversion\n');
      let ended = false;
      let term: Terminal | undefined;
      session = new Session(hv, shell, { print: (t) => term!.print(t), get terminal() { return term; } }, Infinity);
      const s = session;
      term = new Terminal(tty.input, tty.output, {
        line: (l) => s.line(l), interrupt: () => s.interrupt(), keys: (k) => s.keys(k), leave: () => s.leave(),
        end: () => { ended = true; s.endOfInput(); },
      }, (l) => shell.complete(l), loadHistory(historyFile), historyFile);
      const done = s.loop();
      // One key a write, as a person types (readline takes a chunk of several keys as a paste: no completion).
      const key = async (k: string): Promise<void> => {
        tty.input.write(k);
        for (let i = 0; i < 5; i++) await yieldToEventLoop();
      };
      const type = async (keys: string): Promise<void> => {
        // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this test reads
        for (const k of keys.match(/\x1b\[[A-D]|[^]/g) ?? []) await key(k);
      };
      const until = async (what: string | RegExp, from = 0): Promise<string> => {
        for (let i = 0; i < 5000; i++) {
          const text = tty.screen().slice(from);
          if (typeof what === 'string' ? text.includes(what) : what.test(text)) return text;
          await yieldToEventLoop();
        }
        throw new Error(`never saw ${String(what)} in:\n${tty.screen().slice(from)}`);
      };

      await until('XVisor# ');
      // Up arrow: the last command of the saved history, Enter runs it.
      let mark = tty.screen().length;
      await type('\x1b[A\r');
      await until('tsvisor 0.1.0 (an Xvisor', mark);
      // Tab completes a command and a guest name.
      mark = tty.screen().length;
      await type('gu\tki\tg\t\r');
      await until('guest0: Kicked', mark);
      // A guest prints while a half-typed line waits at the prompt: the line is cleared, the output written, and
      // the prompt and the typed text drawn again below it.
      mark = tty.screen().length;
      await type('vcpu li');
      s.output('guest0/uart0', Buffer.from('printed meanwhile\n'));
      // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this test reads
      await until(/\x1b\[2K\x1b\[1G\[guest0\/uart0\] printed meanwhile\n(\x1b\[[0-9]*[A-Z])*XVisor# vcpu li/, mark);
      // Ctrl-C drops the typed text; the next line runs alone.
      await type('\x03');
      mark = tty.screen().length;
      await type('echo after\r');
      await until('\nafter\n', mark);
      // A sleep is stopped by Ctrl-C, and the prompt comes back.
      mark = tty.screen().length;
      await type('sleep 100000ms\r');
      await type('\x03');
      // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this test reads
      await until(/sleep 100000ms[^]*\^C\n(\x1b\[[0-9]*[A-Z])*XVisor# /, mark);
      // vserial bind: keys raw to the guest console; ESC x q leaves; so does Ctrl-C.
      mark = tty.screen().length;
      s.output('guest0/uart0', Buffer.from('=> ')); // a prompt without a newline, waiting as a partial line
      await type('vserial bind guest0/uart0\r');
      // Bound, the console is raw: its partial line at once, then its bytes as they come, without a prefix.
      await until('[Bound to guest0/uart0: ESC x q leaves]\n=> ', mark);
      expect(tty.raw()).toBe(true);
      s.output('guest0/uart0', Buffer.from('ver'));
      await until('[Bound to guest0/uart0: ESC x q leaves]\n=> ver', mark);
      await type('\x1bxq');
      await until('[Unbound]', mark);
      await until('XVisor# ', tty.screen().lastIndexOf('[Unbound]'));
      mark = tty.screen().length;
      await type('vserial bind guest0/uart0\r');
      await until('[Bound to guest0/uart0', mark);
      await type('\x03');
      await until('[Unbound]', mark);
      // vcpu monitor: the screen drawn in place (home, clear) with each CPU's load and the VCPUs, keys raw; q leaves,
      // other keys do not; Ctrl-C leaves too.
      mark = tty.screen().length;
      await type('vcpu monitor\r');
      // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this test reads
      await until(/\x1b\[H\x1b\[JCPU0: \d+\.\d% {2}CPU1: [^]*RAM: free [^]* guest0\/vcpu0 [^]*\[vcpu monitor: q leaves\]\n/, mark);
      await type('x');
      await type('q');
      await until('XVisor# ', mark + tty.screen().slice(mark).lastIndexOf('[vcpu monitor: q leaves]'));
      mark = tty.screen().length;
      await type('vcpu monitor\r');
      await until('[vcpu monitor: q leaves]', mark);
      await type('\x03');
      await until('XVisor# ', mark + tty.screen().slice(mark).lastIndexOf('[vcpu monitor: q leaves]'));
      mark = tty.screen().length;
      await type('echo back\r');
      await until('\nback\n', mark);
      // Two Ctrl-C at an idle, empty prompt stop the hypervisor (the first one says so).
      await type('\x03');
      await until('press Ctrl-C again or type shutdown');
      await type('\x03');
      await done;
      expect(ended).toBe(true);
      term.close();
      // Every command typed is in the history file, oldest first, after the saved ones.
      const saved = readFileSync(historyFile, 'utf8').split('\n');
      expect(saved).toEqual(expect.arrayContaining(['host info', 'guest kick guest0', 'echo after', 'vserial bind guest0/uart0']));
      expect(saved.indexOf('host info')).toBeLessThan(saved.indexOf('echo after'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('piped session', () => {
  it('vcpu monitor shows a screen a second of virtual time, reads a piped line each second, and leaves at a q', async () => {
    const path = join(ROOT, 'boards/host.dtsi');
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
    const v = validate([{ path, tree }]);
    const hv = new Hypervisor(tree, v.host!, { output: () => {} });
    const shell = new Shell(hv, join(ROOT, 'boards/default.dts'));
    let out = '';
    const s = new Session(hv, shell, { print: (t) => { out += t; }, terminal: undefined }, 60e9);
    for (const l of ['vcpu monitor; echo after the monitor', 'x', 'q', 'echo next']) s.line(l);
    s.endOfInput();
    await s.loop();
    const screens = out.split('\n').filter((l) => l.startsWith('CPU0: '));
    // At 0 s, at 1 s (the line without a q read and dropped), at 2 s (the q read: left).
    expect(screens).toEqual(['CPU0: 0.0%  CPU1: 0.0%  CPU2: 0.0%  CPU3: 0.0%', 'CPU0: 0.0%  CPU1: 0.0%  CPU2: 0.0%  CPU3: 0.0%',
      'CPU0: 0.0%  CPU1: 0.0%  CPU2: 0.0%  CPU3: 0.0%']);
    expect(out).toContain('XVisor# vcpu monitor\n[vcpu monitor: a line with q leaves]\nCPU0: ');
    expect(out).not.toContain('XVisor# x');
    expect(out.indexOf('after the monitor')).toBeGreaterThan(out.lastIndexOf('CPU0: '));
    expect(out).toMatch(/after the monitor\nXVisor# echo next\nnext\n$/);
  });

  it('vcpu monitor from a pipe that ends, or on SIGINT, leaves at once', async () => {
    const path = join(ROOT, 'boards/host.dtsi');
    const tree = compileSource(readFileSync(path, 'latin1'), path).tree!;
    const v = validate([{ path, tree }]);
    const hv = new Hypervisor(tree, v.host!, { output: () => {} });
    const shell = new Shell(hv, join(ROOT, 'boards/default.dts'));
    let out = '';
    const s = new Session(hv, shell, { print: (t) => { out += t; }, terminal: undefined }, 60e9);
    s.line('vcpu monitor');
    s.endOfInput();
    await s.loop();
    expect(out.split('\n').filter((l) => l.startsWith('CPU0: '))).toHaveLength(1);
    out = '';
    const s2 = new Session(hv, shell, { print: (t) => { out += t; }, terminal: undefined }, 60e9);
    s2.line('vcpu monitor');
    const done = s2.loop();
    for (let i = 0; i < 20 && !out.includes('CPU0: '); i++) await yieldToEventLoop();
    expect(s2.interrupt()).toBe(true);
    s2.endOfInput();
    await done;
    expect(out.split('\n').filter((l) => l.startsWith('CPU0: ')).length).toBeGreaterThanOrEqual(1);
  });
});
