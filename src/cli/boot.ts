/**
 * `tsvisor boot <board.dts>`: boot the hypervisor a board describes, print a one-line banner, run its
 * /chosen/bootcmd through the management shell, then take shell commands at an `XVisor# ` prompt: on a terminal
 * with history, Tab completion and Ctrl-C (src/cli/terminal.ts), from a pipe as if typed (src/cli/shell-session.ts).
 * Guest console lines are printed prefixed by their vserial; `vserial bind <name>` gives the keyboard to a guest
 * console until ESC x q. It ends on `shutdown`/`exit`, at the time limit, on Ctrl-D at the terminal, on SIGINT from
 * a pipe with nothing to stop, or when a pipe is closed and no VCPU can run any more (so `npm start` and scripts
 * finish by themselves).
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { hostFiles } from './host-files.js';
import { compileData } from '../dts/compile.js';
import { validate } from '../vmm/config/validate.js';
import { Hypervisor } from '../vmm/hypervisor.js';
import { Shell, splitCommands, VERSION_TEXT } from '../vmm/shell.js';
import { bootBanner } from '../vmm/shell/host.js';
import { renderDiagnostic } from './render.js';
import { openEventLog, parseLogClasses } from './event-log.js';
import { MAX_DEVICE_TREE_BYTES, readHostFile } from '../vmm/host-file.js';
import { Session } from './shell-session.js';
import { PROMPT, Terminal } from './terminal.js';
import { historyPath, loadHistory } from './shell-history.js';
import { parseEndpoint } from '../vmm/endpoint.js';
import type { WebView } from '../web/server.js';

export { PARTIAL_LINE_BYTES } from './shell-console.js';

export interface BootFlags {
  time?: string;
  trace?: string;
  log?: string;
  logFile?: string;
  include: string[];
  incoming?: string;
  /** `[HOST:]PORT` of the web view (src/web/). */
  web?: string;
  /** VCPUs on worker threads (as the board's /vmm `parallel`). */
  parallel?: boolean;
}

/** How long a piped session waits (wall clock) for its first input before the guests start: a script that is
 * already in the pipe then runs from virtual time 0, the same every run. */
const FIRST_INPUT_WAIT_MS = 200;

export async function boot(boardPath: string, flags: BootFlags): Promise<number> {
  const write = (s: string): boolean => process.stdout.write(s);
  const logClasses = flags.log === undefined ? undefined : parseLogClasses(flags.log);
  if (typeof logClasses === 'string' || (flags.logFile !== undefined && logClasses === undefined)) {
    process.stderr.write(`tsvisor boot: ${logClasses ?? '--log-file needs --log CLASSES'}\n`);
    return 2;
  }
  const webAt = flags.web === undefined ? undefined : parseEndpoint(flags.web, '--web');
  if (typeof webAt === 'string') {
    process.stderr.write(`tsvisor boot: ${webAt}\n`);
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

  // Host files devices name (virtio blkdev) are relative to the board's folder, like every path of the board.
  let log: ReturnType<typeof openEventLog> | undefined;
  try {
    log = logClasses && openEventLog(logClasses, flags.logFile, (line) => process.stderr.write(line));
  } catch (e) {
    process.stderr.write(`tsvisor boot: cannot write the log: ${(e as Error).message}\n`);
    return 2;
  }
  const limit = flags.time !== undefined ? Number(flags.time) * 1e9 : Infinity;
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let terminal: Terminal | undefined;
  // The session prints through the terminal (which keeps the prompt below the output) once there is one.
  const print = (text: string): void => {
    if (!text) return;
    if (terminal) terminal.print(text);
    else write(text);
  };
  let session: Session | undefined;
  let web: WebView | undefined;
  const hv = new Hypervisor(compiled.tree!, v.host, {
    output: (vserial, bytes) => { session?.output(vserial, bytes); web?.output(vserial, bytes); },
    files: hostFiles(dirname(boardPath)), trace: flags.trace !== undefined || webAt !== undefined, log,
    parallel: flags.parallel === true ? true : undefined,
  });
  const shell = new Shell(hv, boardPath);
  session = new Session(hv, shell, { print, get terminal() { return terminal; } }, limit);
  if (webAt) {
    // The web view lives beside the shell: it sees each step, and keeps the hypervisor up while it is open.
    const { WebView } = await import('../web/server.js');
    const sess = session;
    try {
      web = await WebView.start({ hv, shell, endpoint: webAt, wake: () => sess.poke(), log: print, keepTrace: flags.trace !== undefined });
    } catch (e) {
      process.stderr.write(`tsvisor boot: --web: ${(e as Error).message}\n`);
      log?.close();
      return 2;
    }
    const view = web;
    sess.afterStep = (events) => view.afterStep(events);
    sess.held = true;
    process.stderr.write(`tsvisor boot: ${view.notice}\n`);
  }
  write(`${bootBanner(VERSION_TEXT.split(' (')[0]!, v.host)}\n`);
  let stopped = false;
  for (const line of v.host.bootcmd) {
    for (const cmd of splitCommands(line)) {
      write(`${PROMPT}${cmd}\n`);
      const r = shell.execute(cmd);
      for (const l of r.lines) write(`${l}\n`);
      if (r.action?.kind === 'shutdown') stopped = true;
      else if (r.action) write(`bootcmd: ${cmd}: ${r.action.kind} works at the prompt, not in /chosen/bootcmd\n`);
    }
  }

  const s = session;
  // --incoming: the shell's first command waits for a migrated guest (QEMU's -incoming).
  if (flags.incoming !== undefined) s.line(`guest incoming ${flags.incoming}`);
  const onSigint = (): void => { s.interrupt(); };
  process.on('SIGINT', onSigint);
  let rl: ReturnType<typeof createInterface> | undefined;
  if (interactive) {
    const file = historyPath();
    terminal = new Terminal(process.stdin, process.stdout, {
      line: (l) => s.line(l), interrupt: () => s.interrupt(), keys: (b) => s.keys(b), leave: () => s.leave(),
      end: () => s.endOfInput(),
    }, (l) => shell.complete(l), loadHistory(file), file);
  } else {
    rl = createInterface({ input: process.stdin, terminal: false });
    const first = new Promise<void>((done) => {
      const timer = setTimeout(done, FIRST_INPUT_WAIT_MS);
      rl!.once('line', () => { clearTimeout(timer); done(); });
      rl!.once('close', () => { clearTimeout(timer); done(); });
    });
    rl.on('line', (l) => s.line(l));
    rl.on('close', () => s.endOfInput());
    await first;
  }
  if (stopped) s.stop();
  try {
    await s.loop();
  } finally {
    await hv.close();
    process.off('SIGINT', onSigint);
    terminal?.close();
    rl?.close();
    process.stdin.pause();
    log?.close();
    await web?.close();
  }
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
