/**
 * The run loop of `tsvisor boot` between shell commands: the guests run in steps of virtual time while commands
 * come in, from a terminal as they are typed or from a pipe as if typed. A piped command runs once the previous
 * one has finished and the guests have run one more step (STEP_NS), so what a script shows does not depend on how
 * fast the pipe delivers it; `sleep` waits in virtual time; a bound console gets keys (from a pipe: a line at a
 * time, BOUND_LINE_NS apart, so the guest can answer each). Ctrl-C (or SIGINT) stops a sleep or leaves a bound
 * console; with nothing to stop, a pipe's SIGINT stops the hypervisor. A bound console is printed raw at a
 * terminal, in prefixed lines to a pipe. `vcpu monitor` redraws its screen every second (of wall time at a terminal,
 * as Xvisor's; of virtual time from a pipe, so a transcript does not depend on the machine) until `q`: a key at a
 * terminal, a piped line (read one a second) holding a q, or the end of the pipe.
 */
import type { Hypervisor } from '../vmm/hypervisor.js';
import { splitCommands, type Shell, type ShellResult } from '../vmm/shell.js';
import { ConsoleLines } from './shell-console.js';
import { PROMPT, type Terminal } from './terminal.js';

/** Virtual time run between looks at the console and stdin (and between piped commands). */
export const STEP_NS = 20_000_000;
/** Parallel mode: wall ms between the shell's looks at the guests (their devices' timers, events, input). */
const PARALLEL_STEP_MS = 5;
/** Virtual time a bound guest console gets to answer one piped line before the next is typed. */
export const BOUND_LINE_NS = 200_000_000;
/** Virtual time between `vcpu monitor` screens, and between the piped lines it reads, from a pipe. */
export const MONITOR_NS = 1_000_000_000;
/** Wall time between `vcpu monitor` screens at a terminal. */
const MONITOR_MS = 1000;
/** Typed bytes given to a bound console per step, so its receive FIFO never overruns. */
const BYTES_PER_STEP = 8;

export interface SessionIo {
  /** Write to standard output (through the terminal's prompt handling when there is one). */
  print(text: string): void;
  /** The terminal, when stdin is one; undefined for a pipe. */
  readonly terminal: Terminal | undefined;
}

export class Session {
  /** Lines not yet run (from a pipe, or typed ahead), in order. */
  private readonly lines: string[] = [];
  /** Commands of the line being run (split at `;`), not yet run. */
  private readonly commandsLeft: string[] = [];
  private t = 0;
  /** Virtual time the next command may run at (a `sleep`, the step after a piped command). */
  private nextAt = 0;
  private sleeping = false;
  private bound: { vserial: string; guest: string } | undefined;
  /** `vcpu monitor` is showing: when its next screen is due (virtual ns from a pipe, wall ms at a terminal). */
  private monitor: { nextAt: number; nextWall: number; linesAt: number } | undefined;
  /** Bytes typed into the bound console, not yet delivered. */
  private readonly typed: number[] = [];
  /** A piped line for a bound console is typed once the guest had time to answer the previous one. */
  private boundReadyAt = 0;
  private inputOpen = true;
  private stopping = false;
  /** A `guest migrate` under way: the loop awaits it (it runs the guests itself, a step at a time). */
  private migration: Promise<void> | undefined;
  /** A `guest incoming` waiting for its guest: commands are held until it runs (or the wait fails). */
  private receiving = false;
  private wake: (() => void) | undefined;
  readonly console = new ConsoleLines();
  /** Called after each step of the guests with its events (the web view's live updates). */
  afterStep: ((events: readonly string[]) => void) | undefined;
  /** Something besides stdin (the web view) can still give commands: the loop waits rather than ends. */
  held = false;

  constructor(private readonly hv: Hypervisor, private readonly shell: Shell, private readonly io: SessionIo, private readonly limitNs: number) {}

  /** Guest console bytes (the hypervisor's output callback). */
  output(vserial: string, bytes: Uint8Array): void {
    this.io.print(this.console.feed(vserial, bytes));
  }

  /** A line from the terminal or the pipe. */
  line(text: string): void {
    this.lines.push(text);
    this.wake?.();
  }

  /** stdin ended (a pipe closed, or Ctrl-D at the terminal). */
  endOfInput(): void {
    this.inputOpen = false;
    if (this.io.terminal) this.stopping = true; // Ctrl-D is the terminal's way to leave
    this.wake?.();
  }

  /** Ctrl-C / SIGINT: stop what runs (a sleep, commands queued), leave a bound console; true if something was. */
  interrupt(): boolean {
    if (this.monitor) {
      this.leaveMonitor();
      return true;
    }
    if (this.bound) {
      this.leave();
      return true;
    }
    const busy = this.sleeping || this.lines.length > 0 || this.commandsLeft.length > 0;
    if (busy) {
      this.lines.length = 0;
      this.commandsLeft.length = 0;
      this.sleeping = false;
      this.nextAt = this.t;
      if (!this.io.terminal) this.io.print('^C\n');
    } else if (!this.io.terminal) {
      this.stopping = true; // a pipe has no prompt to come back to
    }
    this.wake?.();
    return busy;
  }

  /** Keys for the bound console (from the terminal, raw). */
  keys(bytes: readonly number[]): void {
    if (this.monitor) {
      if (bytes.includes(0x71)) this.leaveMonitor(); // q; other keys are dropped, as Xvisor's monitor drops them
      return;
    }
    this.typed.push(...bytes);
    this.wake?.();
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  /** Look again at once (a guest was kicked or resumed from outside the shell, e.g. the web view). */
  poke(): void {
    this.wake?.();
  }

  /** Leave the bound console: back to the prompt. */
  leave(): void {
    if (this.monitor) return this.leaveMonitor();
    if (!this.bound) return;
    this.flushTyped(this.bound, this.typed.length);
    this.console.bound = undefined;
    this.bound = undefined;
    this.io.print('\n[Unbound]\n');
    this.io.terminal?.unbind();
    this.io.terminal?.prompt();
  }

  /** Leave `vcpu monitor`: the commands after it run, or the prompt comes back. */
  private leaveMonitor(): void {
    if (!this.monitor) return;
    this.monitor = undefined;
    this.io.terminal?.unbind();
    if (this.lines.length === 0 && this.commandsLeft.length === 0) this.io.terminal?.prompt();
    this.wake?.();
  }

  /** Show the monitor's screen if it is due; from a pipe, read the next line (a q leaves) a second after the last. */
  private monitorTick(): void {
    const m = this.monitor;
    if (!m) return;
    const terminal = this.io.terminal;
    if (terminal ? Date.now() >= m.nextWall : this.t >= m.nextAt) {
      const screen = this.shell.monitorScreen();
      // At a terminal the screen is drawn again in place (VT100 home and clear, as Xvisor's).
      this.io.print(terminal ? `\x1b[H\x1b[J${screen.join('\n')}\n[vcpu monitor: q leaves]\n` : `${screen.join('\n')}\n`);
      m.nextAt = this.t + MONITOR_NS;
      m.nextWall = Date.now() + MONITOR_MS;
    }
    if (terminal) return;
    if (!this.inputOpen && this.lines.length === 0) return this.leaveMonitor(); // the pipe ended without a q
    if (this.t < m.linesAt) return;
    const line = this.lines.shift();
    if (line === undefined) return;
    m.linesAt = this.t + MONITOR_NS;
    if (line.includes('q')) this.leaveMonitor();
  }

  /** Run one command (its output printed); what it asks of the terminal is done. */
  private run(cmd: string): void {
    if (!this.io.terminal) this.io.print(`${PROMPT}${cmd}\n`);
    const r: ShellResult = this.shell.execute(cmd);
    this.io.print(r.lines.map((l) => `${l}\n`).join(''));
    const a = r.action;
    if (a?.kind === 'shutdown') this.stopping = true;
    else if (a?.kind === 'sleep') {
      this.sleeping = true;
      this.nextAt = this.t + a.ns;
    } else if (a?.kind === 'migrate') {
      this.migration = this.migrate(a.guest, a.host, a.port);
    } else if (a?.kind === 'incoming') {
      this.receiving = true;
      void this.receive(a.host, a.port, a.name).finally(() => {
        this.receiving = false;
        this.wake?.();
      });
    } else if (a?.kind === 'monitor') {
      // The commands after it on its line wait until it is left.
      this.monitor = { nextAt: this.t, nextWall: 0, linesAt: this.t + MONITOR_NS };
      if (this.io.terminal) this.io.terminal.bind();
      else this.io.print('[vcpu monitor: a line with q leaves]\n');
      this.monitorTick();
    } else if (a?.kind === 'bind') {
      this.bound = { vserial: a.vserial, guest: a.guest };
      this.boundReadyAt = this.t;
      // The rest of a `;` line goes to the console as typed, like the lines after it.
      if (this.commandsLeft.length) this.lines.unshift(this.commandsLeft.splice(0).join('; '));
      this.io.print(`[Bound to ${a.vserial}: ESC x q leaves]\n`);
      if (this.io.terminal) {
        // At a terminal the console is shown raw: what it printed of its current line first, then its bytes as
        // they come (a prompt without a newline shows at once). A pipe's transcript keeps whole, prefixed lines.
        this.io.print(this.console.take(a.vserial));
        this.console.bound = a.vserial;
        this.io.terminal.bind();
      }
    }
    // The commands of one `;` line run back to back; the next piped line waits for the guests' next step.
    if (!this.io.terminal && this.commandsLeft.length === 0) this.nextAt = Math.max(this.nextAt, this.t + STEP_NS);
  }

  /** Run the guests one step of virtual time, print what happened, and let stdin and signals in. */
  private async step(): Promise<void> {
    if (this.hv.engine) {
      // Parallel mode: the guests run by themselves on the host's clock; this thread looks every few ms.
      await new Promise<void>((r) => setTimeout(r, PARALLEL_STEP_MS));
      await this.hv.advance();
      this.t = Math.min(this.limitNs, this.hv.now());
    } else {
      this.t = Math.min(this.limitNs, this.t + STEP_NS);
      this.hv.runUntil(this.t);
    }
    const events = this.hv.takeEvents();
    if (events.length) this.io.print(events.map((e) => `${e}\n`).join(''));
    this.afterStep?.(events);
    await new Promise<void>((r) => setImmediate(r));
  }

  /** `guest migrate`: the guest goes, live; the other guests run on meanwhile. */
  private async migrate(guest: string, host: string, port: number): Promise<void> {
    const { migrateOut } = await import('../vmm/migration/migrate.js');
    const { guestSource } = await import('../vmm/migration/guest-migration.js');
    const source = guestSource(this.hv, guest, async () => {
      await this.step();
      return !this.stopping && this.t < this.limitNs;
    });
    if (!source) return this.io.print(`${guest}: no such guest\n`);
    try {
      const f = await migrateOut(source, host, port);
      this.hv.destroyGuest(guest);
      this.io.print(`${guest}: Migrated to ${host}:${port} in ${f.seconds.toFixed(3)} s: ${f.rounds} rounds, ${f.pagesSent} pages sent, ` +
        `${f.stopPages} of them stopped; downtime ${(f.downtimeSeconds * 1000).toFixed(1)} ms\n`);
    } catch (e) {
      this.io.print(`${guest}: Failed to migrate: ${(e as Error).message}\n`);
    }
  }

  /** `guest incoming`: wait for a migrated guest, which runs here once it arrived. */
  private async receive(host: string, port: number, name: string | undefined): Promise<void> {
    const { acceptOne, migrateIn } = await import('../vmm/migration/migrate.js');
    const { guestSink } = await import('../vmm/migration/guest-migration.js');
    try {
      const socket = await acceptOne(host, port, (address) => this.io.print(`Waiting for a guest on ${address}\n`));
      await migrateIn(socket, guestSink(this.hv, name, (arrived) => this.io.print(`${arrived}: Migrated in\n`)));
    } catch (e) {
      this.io.print(`Failed to receive a guest: ${(e as Error).message}\n`);
    }
  }

  /** Run commands and guests until shutdown, the time limit, or the end of input with nothing left to run. */
  async loop(): Promise<void> {
    this.io.terminal?.prompt();
    for (;;) {
      if (this.migration) {
        await this.migration;
        this.migration = undefined;
      }
      if (this.hv.engine && this.commandsDue()) {
        // Parallel mode: commands see and change every VCPU here, as QEMU's monitor stops the VCPUs.
        await this.hv.quiesce();
        this.commands();
        this.hv.release();
      } else this.commands();
      this.typeBound();
      this.monitorTick();
      if (this.stopping || this.t >= this.limitNs) break;
      const runnable = this.hv.vcpuRows().some((r) => r.state === 'Ready' || r.state === 'Running');
      // Time must pass for a sleep, for the step between piped commands, or for keys to reach a bound console.
      const waiting = this.t < this.nextAt || this.typed.length > 0 || (this.bound !== undefined && this.t < this.boundReadyAt) ||
        (this.monitor !== undefined && !this.io.terminal);
      if (!runnable && !waiting && !this.receiving && !this.inputOpen && !this.held && this.lines.length === 0 && this.commandsLeft.length === 0) break;
      if (runnable || waiting) {
        await this.step();
      } else {
        // Nothing runs: wait for input (or Ctrl-C), without spinning.
        await new Promise<void>((r) => {
          const timer = setTimeout(r, this.monitor ? Math.max(1, this.monitor.nextWall - Date.now()) : 1000);
          this.wake = () => { clearTimeout(timer); this.wake = undefined; r(); };
        });
      }
    }
    const rest = this.console.flush();
    if (rest) this.io.print(rest);
  }

  /** Whether `commands` has something to run now. */
  private commandsDue(): boolean {
    if (this.stopping || this.bound || this.monitor || this.receiving || this.migration || this.t < this.nextAt) return false;
    return this.commandsLeft.length > 0 || this.lines.length > 0;
  }

  /** Run the commands that are due; at a terminal, the prompt comes back when they are done. */
  private commands(): void {
    let ran = false;
    if (this.sleeping && this.t >= this.nextAt) {
      this.sleeping = false;
      ran = true;
    }
    while (!this.stopping && !this.bound && !this.monitor && !this.sleeping && !this.receiving && !this.migration && this.t >= this.nextAt) {
      if (this.commandsLeft.length === 0) {
        const next = this.lines.shift();
        if (next === undefined) break;
        this.commandsLeft.push(...splitCommands(next));
        ran = true; // an empty line gives a fresh prompt
        continue;
      }
      this.run(this.commandsLeft.shift()!);
      ran = true;
    }
    if (ran && !this.stopping && !this.bound && !this.monitor && !this.sleeping && this.lines.length === 0 && this.commandsLeft.length === 0) this.io.terminal?.prompt();
  }

  /** Piped lines are typed into the bound console one at a time, each with time to answer; bytes a few per step. */
  private typeBound(): void {
    const b = this.bound;
    if (!b) return;
    if (!this.io.terminal && this.typed.length === 0 && this.lines.length > 0 && this.t >= this.boundReadyAt) {
      const raw = this.lines.shift()!;
      this.boundReadyAt = this.t + BOUND_LINE_NS;
      const esc = raw.indexOf('\x1bxq');
      for (const ch of Buffer.from(esc < 0 ? `${raw}\n` : raw.slice(0, esc), 'latin1')) this.typed.push(ch);
      if (esc >= 0) {
        this.leave(); // what was typed before ESC x q still goes to the guest first
        return;
      }
    }
    this.flushTyped(b, BYTES_PER_STEP);
  }

  private flushTyped(b: { vserial: string; guest: string }, n: number): void {
    const g = this.hv.guests.get(b.guest);
    // Never more than the console takes now: a guest that reads late gets the rest at the next step, not an overrun.
    for (let i = 0; i < n && this.typed.length > 0 && g && g.instance.inputRoom(b.vserial) > 0; i++) g.instance.input(b.vserial, this.typed.shift()!);
    if (!g) this.typed.length = 0;
  }
}
