/**
 * `tsvisor boot <board.dts>`: boot the hypervisor a board describes, run its /chosen/bootcmd through the
 * management shell, then read shell commands from stdin at an `XVisor# ` prompt. Guest console lines are printed
 * prefixed by their vserial name; `vserial bind <name>` sends stdin to a guest console until ESC x q. It ends on
 * `shutdown`/`exit`, Ctrl-C, or when stdin is closed and no VCPU can run any more (so `npm start` and scripts
 * finish by themselves). Console text without a newline is printed as a line of its own every 4 KiB.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostFiles } from './host-files.js';
import { createInterface } from 'node:readline';
import { compileData } from '../dts/compile.js';
import { validate } from '../vmm/config/validate.js';
import { Hypervisor } from '../vmm/hypervisor.js';
import { Shell } from '../vmm/shell.js';
import { renderDiagnostic } from './render.js';
import { openEventLog, parseLogClasses } from './event-log.js';
import { MAX_DEVICE_TREE_BYTES, readHostFile } from '../vmm/host-file.js';

export interface BootFlags {
  time?: string;
  trace?: string;
  log?: string;
  logFile?: string;
  include: string[];
}

const PROMPT = 'XVisor# ';
/** A guest console line without a newline is printed as a line once it is this long (4 KiB). */
export const PARTIAL_LINE_BYTES = 4096;
/** Virtual time run between looks at the console and stdin. */
const STEP_NS = 20_000_000;
/** Virtual time a bound guest console gets to answer one line of input before the next is typed. */
const BOUND_LINE_NS = 200_000_000;

export async function boot(boardPath: string, flags: BootFlags): Promise<number> {
  const write = (s: string): boolean => process.stdout.write(s);
  const logClasses = flags.log === undefined ? undefined : parseLogClasses(flags.log);
  if (typeof logClasses === 'string' || (flags.logFile !== undefined && logClasses === undefined)) {
    process.stderr.write(`tsvisor boot: ${logClasses ?? '--log-file needs --log CLASSES'}\n`);
    return 2;
  }
  const read = readHostFile(boardPath, MAX_DEVICE_TREE_BYTES, 'board');
  if (!read.ok) {
    process.stderr.write(`tsvisor boot: ${read.error}\n`);
    return 2;
  }
  const data = read.data;
  const compiled = compileData(data, boardPath, { includePaths: [dirname(boardPath), ...flags.include] });
  const v = compiled.tree && compiled.ok ? validate([{ path: boardPath, tree: compiled.tree }]) : undefined;
  const diagnostics = [...compiled.diagnostics, ...(v?.diagnostics ?? [])];
  for (const d of diagnostics) process.stderr.write(renderDiagnostic(d) + '\n');
  if (!v?.host || diagnostics.some((d) => d.severity === 'error')) return 1;

  // Guest consoles: whole lines, prefixed by the vserial they came from. Linear in the output: only the new bytes
  // are searched for a newline, and a partial line is printed as a line once it reaches PARTIAL_LINE_BYTES.
  const partial = new Map<string, string>();
  const line = (vserial: string, text: string): void => { write(`[${vserial}] ${text.replace(/\r$/, '')}\n`); };
  const output = (vserial: string, bytes: Uint8Array): void => {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    let head = partial.get(vserial) ?? '';
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      line(vserial, head + text.slice(from, nl));
      head = '';
      from = nl + 1;
    }
    let rest = from === 0 ? head + text : text.slice(from);
    while (rest.length >= PARTIAL_LINE_BYTES) {
      line(vserial, rest.slice(0, PARTIAL_LINE_BYTES));
      rest = rest.slice(PARTIAL_LINE_BYTES);
    }
    partial.set(vserial, rest);
  };
  // Host files devices name (virtio blkdev) are relative to the board's folder, like every path of the board.
  let log: ReturnType<typeof openEventLog> | undefined;
  try {
    log = logClasses && openEventLog(logClasses, flags.logFile, (line) => process.stderr.write(line));
  } catch (e) {
    process.stderr.write(`tsvisor boot: cannot write the log: ${(e as Error).message}\n`);
    return 2;
  }
  const hv = new Hypervisor(compiled.tree!, v.host, { output, files: hostFiles(dirname(boardPath)), trace: flags.trace !== undefined, log });
  const shell = new Shell(hv, boardPath);
  const run = (line: string): boolean => {
    const r = shell.execute(line);
    for (const l of r.lines) write(`${l}\n`);
    return r.ok;
  };
  for (const cmd of v.host.bootcmd) {
    write(`${PROMPT}${cmd}\n`);
    run(cmd);
  }

  const limit = flags.time !== undefined ? Number(flags.time) * 1e9 : Infinity;
  const interactive = process.stdin.isTTY === true;
  let stdinOpen = true;
  let stopping = false;
  const lines: string[] = [];
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (l) => lines.push(l));
  rl.on('close', () => { stdinOpen = false; });
  process.on('SIGINT', () => { stopping = true; });
  if (interactive) write(PROMPT);
  // Piped commands are read completely first, so what they do relative to the guests' virtual time does not depend
  // on when the pipe delivers them: the same script gives the same session, every run.
  if (!interactive) await new Promise<void>((done) => (stdinOpen ? rl.once('close', () => done()) : done()));

  // `vserial bind <name>`: stdin goes to that guest console until ESC x q.
  let bound: { vserial: string; guest: string } | undefined;
  const typed: number[] = [];
  const bind = (line: string): boolean => {
    const m = /^vserial\s+bind\s+(\S+)$/.exec(line);
    if (!m) return false;
    const vserial = m[1]!;
    const guest = [...hv.guests.values()].find((g) => g.instance.vserials().includes(vserial));
    if (!guest) write(`Failed to find vserial ${vserial}\n`);
    else {
      bound = { vserial, guest: guest.name };
      write(`[Bound to ${vserial}: ESC x q leaves]\n`);
    }
    return true;
  };

  let t = 0;
  let readyAt = 0;
  /** `sleep <seconds>`: the next line waits until then (virtual time), e.g. for a guest to reach its prompt. */
  let sleepUntil = 0;
  for (;;) {
    // While bound, the next line waits until the previous one was typed and the guest had time to answer it.
    while (lines.length > 0 && t >= sleepUntil && !(bound && (typed.length > 0 || t < readyAt))) {
      const raw = lines.shift()!;
      if (bound) {
        readyAt = t + BOUND_LINE_NS;
        const esc = raw.indexOf('\x1bxq');
        for (const ch of Buffer.from(esc < 0 ? `${raw}\n` : raw.slice(0, esc), 'latin1')) typed.push(ch);
        if (esc >= 0) {
          bound = undefined;
          write('[Unbound]\n');
          if (interactive) write(PROMPT);
        }
        continue;
      }
      const line = raw.trim();
      if (!interactive) write(`${PROMPT}${line}\n`);
      if (line === 'shutdown' || line === 'exit') { stopping = true; break; }
      const sleep = /^sleep\s+(\S+)$/.exec(line);
      if (sleep) {
        const seconds = Number(sleep[1]);
        if (Number.isFinite(seconds) && seconds >= 0) sleepUntil = t + seconds * 1e9;
        else write(`sleep: "${sleep[1]}" is not a number of seconds\n`);
        continue;
      }
      if (!bind(line)) run(line);
      if (interactive && !bound) write(PROMPT);
    }
    // Typed bytes reach the bound console a few per step, so its receive FIFO never overruns.
    if (bound && typed.length > 0) {
      const g = hv.guests.get(bound.guest);
      for (let i = 0; i < 8 && typed.length > 0; i++) g?.instance.input(bound.vserial, typed.shift()!);
    }
    if (stopping || t >= limit) break;
    const anyRunnable = hv.vcpuRows().some((r) => r.state === 'Ready' || r.state === 'Running') ||
      (bound !== undefined && t < readyAt) || t < sleepUntil;
    if (!anyRunnable && !stdinOpen && lines.length === 0 && typed.length === 0) break;
    if (anyRunnable) {
      t = Math.min(limit, t + STEP_NS);
      hv.runUntil(t);
    }
    // Let stdin events in between slices (and wait for input when nothing runs).
    await new Promise((r) => setTimeout(r, anyRunnable ? 0 : 20));
  }
  for (const [vserial, text] of partial) if (text) write(`[${vserial}] ${text}\n`);
  rl.close();
  log?.close();
  if (flags.trace !== undefined) {
    const { toChromeTrace } = await import('../sched/trace-export.js');
    try {
      writeFileSync(flags.trace, JSON.stringify(toChromeTrace(hv.scheduler.trace)));
    } catch (e) {
      process.stderr.write(`tsvisor boot: cannot write the trace: ${(e as Error).message}\n`);
      return 2;
    }
  }
  return 0;
}
