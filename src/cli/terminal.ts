/**
 * The `XVisor# ` prompt on a terminal: node:readline with history (kept in a file) and Tab completion, the prompt
 * and the line being typed redrawn under guest output, Ctrl-C that stops the running command (a second one on an
 * empty, idle prompt stops the hypervisor), and `vserial bind`, where keys go to the guest raw, as typed, until
 * ESC x q or Ctrl-C.
 */
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { MAX_HISTORY, saveHistory } from './shell-history.js';
import { BoundKeys } from './shell-keys.js';

export const PROMPT = 'XVisor# ';

export interface TerminalEvents {
  /** A line typed at the prompt. */
  line(text: string): void;
  /** Ctrl-C at the prompt: true if it stopped something (a sleep, queued commands), false if all was idle. */
  interrupt(): boolean;
  /** Keys for the bound console. */
  keys(bytes: readonly number[]): void;
  /** ESC x q or Ctrl-C in the bound console. */
  leave(): void;
  /** Ctrl-D on an empty line, or a second Ctrl-C at an idle prompt: stop the hypervisor. */
  end(): void;
}

export class Terminal {
  private rl: Interface | undefined;
  private history: string[];
  /** The prompt is on the screen and waiting (so output must be written above it). */
  private prompting = false;
  /** A first Ctrl-C at an idle, empty prompt was pressed: a second one stops. */
  private armed = false;
  private keys: BoundKeys | undefined;
  private readonly onData = (d: Buffer): void => {
    const r = this.keys?.feed(d);
    if (!r) return;
    if (r.pass.length) this.events.keys(r.pass);
    if (r.leave) this.events.leave();
  };

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
    private readonly events: TerminalEvents,
    private readonly completer: (line: string) => [string[], string],
    history: string[],
    private readonly historyFile: string | undefined,
  ) {
    this.history = history;
    this.open();
  }

  private open(): void {
    const rl = createInterface({
      input: this.input, output: this.output, terminal: true, prompt: PROMPT, completer: this.completer,
      history: [...this.history], historySize: MAX_HISTORY, removeHistoryDuplicates: true, tabSize: 4,
    });
    rl.on('history', (h: string[]) => {
      this.history = h;
      saveHistory(this.historyFile, h); // every command, so a killed session keeps its history too
    });
    rl.on('line', (l) => {
      this.prompting = false;
      this.armed = false;
      this.events.line(l);
    });
    rl.on('SIGINT', () => this.interrupt());
    rl.on('close', () => {
      if (this.rl === rl) { // Ctrl-D, not our own close for a bind
        this.rl = undefined;
        this.events.end();
      }
    });
    this.rl = rl;
  }

  private interrupt(): void {
    const rl = this.rl;
    if (!rl) return;
    const typed = rl.line;
    this.output.write('^C\n');
    if (this.events.interrupt() || typed !== '') {
      this.armed = false;
    } else if (this.armed) {
      this.events.end();
      return;
    } else {
      this.armed = true;
      this.output.write('(To stop the hypervisor, press Ctrl-C again or type shutdown)\n');
    }
    // Drop what was typed and start a fresh prompt (readline keeps `line` until Enter otherwise).
    rl.write('', { ctrl: true, name: 'e' });
    rl.write('', { ctrl: true, name: 'u' });
    this.prompt();
  }

  /** Write output; at a prompt, above it, with the prompt and the typed line drawn again below. */
  print(text: string): void {
    if (text === '') return;
    if (this.prompting && this.rl) {
      clearLine(this.output, 0);
      cursorTo(this.output, 0);
      this.output.write(text.endsWith('\n') ? text : `${text}\n`);
      this.rl.prompt(true);
    } else {
      this.output.write(text);
    }
  }

  /** Show the prompt: the command finished. */
  prompt(): void {
    if (!this.rl || this.keys) return;
    this.prompting = true;
    this.rl.prompt(true);
  }

  /** Stop reading lines: keys go raw to `events.keys` until ESC x q or Ctrl-C. */
  bind(): void {
    if (this.keys) return;
    this.prompting = false;
    const rl = this.rl;
    this.rl = undefined;
    rl?.close(); // readline leaves raw mode and pauses the input
    this.keys = new BoundKeys();
    this.input.setRawMode(true);
    this.input.on('data', this.onData);
    this.input.resume();
  }

  /** Back to the prompt. */
  unbind(): void {
    if (!this.keys) return;
    this.input.off('data', this.onData);
    this.keys = undefined;
    this.open();
  }

  close(): void {
    this.input.off('data', this.onData);
    const rl = this.rl;
    this.rl = undefined;
    rl?.close();
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
  }
}
