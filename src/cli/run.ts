/**
 * `tsvisor run <guest.dts> --image FILE`: run a guest test image without a board, stream its console, and exit with
 * the run's status (RUN_EXIT): 0 pass, 1 the guest reported failure (SBI SRST or the sifive,test0 finisher, its code
 * on stderr) or an expectation failed, 2 a usage or configuration error, 3 it halted, 124 timeout. A JUnit report,
 * when asked for, is written whatever the outcome.
 */
import { writeFileSync } from 'node:fs';
import { hostFiles } from './host-files.js';
import { basename, dirname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { compileData } from '../dts/compile.js';
import { validate } from '../vmm/config/validate.js';
import { loadGuestFile } from '../vmm/config/guest-file.js';
import { RunSession, type RunImageOptions, type RunImageResult } from '../vmm/run-image.js';
import type { RunSnapshot } from '../vmm/snapshot/run-snapshot.js';
import { toBlob } from '../dts/dtb.js';
import type { EventLog } from '../vmm/vcpu-loop.js';
import { buildDevice } from '../devices/registry.js';
import { hostFileSize, MAX_DEVICE_TREE_BYTES, readHostFile, sizeText } from '../vmm/host-file.js';
import { memoryRegions } from '../vmm/guest-instance.js';
import { ConsoleWatch, find, parsePattern, type Pattern } from './console-watch.js';
import type { Script, ScriptRunner, StepResult } from './script.js';

/** The exit statuses of `tsvisor run`. */
export const RUN_EXIT = { pass: 0, failed: 1, usage: 2, halted: 3, timeout: 124 } as const;

export interface RunFlags {
  image: string;
  initrd?: string;
  memory?: string;
  set?: string[];
  rtc?: string;
  vcpus?: string;
  timeout: string;
  wallTimeout?: string;
  expect?: string[];
  failOn?: string[];
  untilExpect?: boolean;
  onReboot?: string;
  unmapped?: string;
  script?: string;
  trace?: string;
  log?: string;
  logFile?: string;
  junit?: string;
  loadAddress?: string;
  bootargs?: string;
  input?: string;
  inputAfter?: string;
  stats?: boolean;
  gdb?: string;
  gdbWait?: boolean;
  snapshotAt?: string;
  snapshot?: string;
  restore?: string;
  migrateTo?: string;
  migrateAt?: string;
  incoming?: string;
  parallel?: string | boolean;
}

export async function runGuest(guestPath: string, flags: RunFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const t0 = performance.now();
  const messages: string[] = [];
  const report: Report = { console: '', steps: [] };
  const status = await execute(guestPath, flags, out, (s) => { messages.push(s.trimEnd()); err(s); }, report);
  if (flags.junit) {
    const seconds = (performance.now() - t0) / 1000;
    try {
      writeFileSync(flags.junit, await junit(basename(flags.image ?? guestPath), status, messages, report, seconds));
    } catch (e) {
      err(`tsvisor run: cannot write the JUnit report: ${(e as Error).message}\n`);
      return status === 0 ? RUN_EXIT.usage : status;
    }
  }
  return status;
}

/** What the JUnit report shows besides the status and messages. */
interface Report {
  console: string;
  steps: readonly StepResult[];
}

/** Largest script file read. */
const MAX_SCRIPT_BYTES = 1 << 20;

async function execute(
  guestPath: string, flags: RunFlags, out: (s: string) => void, err: (s: string) => void, report: Report,
): Promise<number> {
  // Every file is checked before it is read: a regular file (not a FIFO, a device or a directory), and no larger
  // than its limit (device trees: MAX_DEVICE_TREE_BYTES; the image and initrd: the guest's memory, known once
  // the guest is built, so only their kind is checked here).
  const guestFile = readHostFile(guestPath, MAX_DEVICE_TREE_BYTES, 'guest device tree');
  const imageSize = flags.image === undefined ? undefined : hostFileSize(flags.image, 'image');
  const initrdSize = flags.initrd === undefined ? undefined : hostFileSize(flags.initrd, 'initrd');
  for (const r of [guestFile, imageSize, initrdSize]) {
    if (r && !r.ok) {
      err(`tsvisor run: ${r.error}\n`);
      return 2;
    }
  }
  const data = (guestFile as { data: Buffer }).data;
  // The modules of options not given are not loaded: each is a little of a trivial run's start-up.
  let script: Script | undefined;
  let scripts: typeof import('./script.js') | undefined;
  if (flags.script !== undefined) {
    scripts = await import('./script.js');
    const { parseScript } = scripts;
    const file = readHostFile(flags.script, MAX_SCRIPT_BYTES, 'script');
    const parsed = file.ok ? parseScript(file.data.toString('utf8'), flags.script) : file.error;
    if (typeof parsed === 'string') {
      err(`tsvisor run: ${parsed}\n`);
      return RUN_EXIT.usage;
    }
    script = parsed;
  }
  const rtc = flags.rtc === undefined ? undefined : (await import('./rtc-base.js')).parseRtcBase(flags.rtc, Date.now());
  const vcpus = flags.vcpus === undefined ? undefined : Number(flags.vcpus);
  const memory = flags.memory === undefined ? undefined : parseSize(flags.memory);
  const timeout = Number(flags.timeout);
  const wallTimeout = flags.wallTimeout === undefined ? undefined : Number(flags.wallTimeout);
  const loadAddress = flags.loadAddress === undefined ? undefined : Number(flags.loadAddress);
  const expects = (flags.expect ?? []).map(parsePattern);
  const failOn = (flags.failOn ?? []).map(parsePattern);
  const badPattern = [...expects, ...failOn].find((p): p is string => typeof p === 'string');
  const logClasses = flags.log === undefined ? undefined : (await import('./event-log.js')).parseLogClasses(flags.log);
  const endpoints = flags.gdb !== undefined || flags.migrateTo !== undefined || flags.incoming !== undefined ? await import('../vmm/endpoint.js') : undefined;
  const parseEndpoint = (text: string, option: string) => endpoints!.parseEndpoint(text, option);
  const gdb = flags.gdb === undefined ? undefined : parseEndpoint(flags.gdb, '--gdb');
  const snapshotAt = flags.snapshotAt === undefined ? undefined : parseSnapshotAt(flags.snapshotAt);
  const migrateAt = flags.migrateAt === undefined ? undefined : parseSnapshotAt(flags.migrateAt, '--migrate-at');
  const migrateTo = flags.migrateTo === undefined ? undefined : parseEndpoint(flags.migrateTo, '--migrate-to');
  const incoming = flags.incoming === undefined ? undefined : parseEndpoint(flags.incoming, '--incoming');
  const parallel = flags.parallel === undefined ? undefined : flags.parallel === true ? 64 : Number(flags.parallel);
  let usage: string | undefined;
  if (!(timeout > 0) || !Number.isFinite(timeout)) usage = `--timeout: "${flags.timeout}" is not a positive number of seconds`;
  else if (wallTimeout !== undefined && !(wallTimeout > 0 && Number.isFinite(wallTimeout))) usage = `--wall-timeout: "${flags.wallTimeout}" is not a positive number of seconds`;
  else if (loadAddress !== undefined && !(Number.isSafeInteger(loadAddress) && loadAddress >= 0)) usage = `--load-address: "${flags.loadAddress}" is not an address`;
  else if (badPattern !== undefined) usage = badPattern;
  else if (flags.onReboot !== undefined && !['fail', 'exit', 'reset'].includes(flags.onReboot)) usage = `--on-reboot: "${flags.onReboot}" is not fail, exit or reset`;
  else if (flags.unmapped !== undefined && flags.unmapped !== 'halt' && flags.unmapped !== 'fault') usage = `--unmapped: "${flags.unmapped}" is not halt or fault`;
  else if (flags.untilExpect && expects.length === 0) usage = '--until-expect needs at least one --expect';
  else if (logClasses !== undefined && typeof logClasses === 'string') usage = logClasses;
  else if (flags.logFile !== undefined && flags.log === undefined) usage = '--log-file needs --log CLASSES';
  else if (typeof rtc === 'string') usage = `--rtc: ${rtc}`;
  else if (vcpus !== undefined && (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 1024)) usage = `--vcpus: "${flags.vcpus}" is not a VCPU count (1..1024)`;
  else if (flags.memory !== undefined && memory === undefined) usage = `--memory: "${flags.memory}" is not a size (e.g. 256M)`;
  else if (typeof gdb === 'string') usage = gdb;
  else if (flags.gdbWait && gdb === undefined) usage = '--gdb-wait needs --gdb PORT';
  else if (flags.image === undefined && flags.restore === undefined && incoming === undefined) usage = 'an --image to run is needed (or --restore SNAPSHOT, or --incoming PORT)';
  else if (typeof migrateTo === 'string') usage = migrateTo;
  else if (typeof incoming === 'string') usage = incoming;
  else if (typeof migrateAt === 'string') usage = migrateAt;
  else if ((migrateAt === undefined) !== (migrateTo === undefined)) usage = '--migrate-at WHEN and --migrate-to HOST:PORT go together';
  else if (incoming !== undefined && flags.restore !== undefined) usage = '--incoming and --restore exclude each other';
  else if ((flags.snapshotAt === undefined) !== (flags.snapshot === undefined)) usage = '--snapshot-at WHEN and --snapshot FILE go together';
  else if (typeof snapshotAt === 'string') usage = snapshotAt;
  else if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1 && parallel <= 64)) usage = `--parallel: "${String(flags.parallel)}" is not a number of worker threads (1..64)`;
  else if (parallel !== undefined && (gdb !== undefined || snapshotAt !== undefined || migrateTo !== undefined || incoming !== undefined || flags.restore !== undefined || flags.script !== undefined)) {
    usage = '--parallel runs without --gdb, --snapshot-at, --migrate-to, --incoming, --restore and --script (they need the deterministic mode)';
  }
  if (usage) {
    err(`tsvisor run: ${usage}\n`);
    return 2;
  }
  const compiled = compileData(data, guestPath);
  let tree = compiled.tree;
  if (tree && compiled.ok) {
    const loaded = loadGuestFile(tree, guestPath, { vcpus, memory, overrides: flags.set });
    if (typeof loaded === 'string') {
      err(`tsvisor run: ${loaded}\n`);
      return 2;
    }
    tree = loaded;
  }
  const v = tree && compiled.ok ? validate([{ path: guestPath, tree }]) : undefined;
  const problems = [...compiled.diagnostics, ...(v?.diagnostics ?? [])].filter((d) => d.severity === 'error');
  if (!v || problems.length > 0 || !v.guests[0]) {
    // chalk is loaded for this alone: a guest that builds cleanly never needs it.
    const { renderDiagnostic } = await import('./render.js');
    for (const d of problems) err(renderDiagnostic(d) + '\n');
    if (v && !v.guests[0]) err(`tsvisor run: ${guestPath} is not a guest (device_type = "guest")\n`);
    return 2;
  }
  // The image (after gunzip) and the initrd must fit the guest's memory: a bigger file is refused before it is read.
  const guestBytes = memoryRegions(v.guests[0]).filter((r) => r.aliasOf === undefined).reduce((n, r) => n + r.size, 0);
  let image: Uint8Array = new Uint8Array(0), initrd: Uint8Array | undefined;
  let restored: RunSnapshot | undefined;
  const guestDtb = toBlob(tree!);
  try {
    if (flags.restore !== undefined) {
      restored = await readSnapshotFile(flags.restore, guestDtb, vcpus);
    }
    if (flags.image !== undefined) {
      const im = readHostFile(flags.image, guestBytes, 'image');
      if (!im.ok) throw new Error(`${im.error} (the guest's memory)`);
      image = maybeGunzip(im.data, guestBytes, flags.image);
    }
    if (flags.initrd !== undefined) {
      const rd = readHostFile(flags.initrd, guestBytes, 'initrd');
      if (!rd.ok) throw new Error(`${rd.error} (the guest's memory)`);
      initrd = rd.data;
    }
  } catch (e) {
    err(`tsvisor run: ${(e as Error).message}\n`);
    return 2;
  }
  // Host files the guest names (a virtio disk's blkdev) are relative to the guest file's folder.
  const folder = dirname(guestPath);
  const watch = new ConsoleWatch(expects as Pattern[], failOn as Pattern[]);
  let runner: ScriptRunner | undefined;
  let wallTimedOut = false;
  let pending = '';
  const flush = (): void => {
    if (pending) out(pending);
    pending = '';
  };
  let eventLog: (EventLog & { close(): void }) | undefined;
  if (logClasses instanceof Set) {
    try {
      const { openEventLog } = await import('./event-log.js');
      eventLog = openEventLog(logClasses, flags.logFile, err);
    } catch (e) {
      err(`tsvisor run: cannot write the log: ${(e as Error).message}\n`);
      return RUN_EXIT.usage;
    }
  }
  const t0 = performance.now();
  let result: RunImageResult;
  let session: RunSession | undefined;
  let snapshotNote: string | undefined;
  let migrationNote: string | undefined;
  /** Write the snapshot once `--snapshot-at` is reached (at the end of a step of virtual time); true when written. */
  const takeSnapshot = (): boolean => {
    if (!snapshotAt || typeof snapshotAt === 'string' || !session || snapshotNote !== undefined || !session.guest.running()) return false;
    const due = typeof snapshotAt === 'number' ? session.progress().virtualSeconds >= snapshotAt : find(snapshotAt, watch.console, 0) !== undefined;
    if (!due) return false;
    const { writeRunSnapshot } = snapshotModule!;
    const bytes = writeRunSnapshot(session, guestDtb);
    writeFileSync(flags.snapshot!, bytes);
    const p = session.progress();
    snapshotNote = `snapshot of ${p.instructions} instructions, ${p.virtualSeconds.toFixed(3)} s of guest time, written to ${flags.snapshot} (${sizeText(bytes.length)})`;
    return true;
  };
  const snapshotModule = snapshotAt ? await import('../vmm/snapshot/run-snapshot.js') : undefined;
  try {
    const settings = restored?.settings;
    const options: RunImageOptions = {
      guest: v.guests[0], image, initrd, timeoutSeconds: timeout, vcpus: settings?.vcpus ?? vcpus,
      unmapped: settings?.unmapped ?? (flags.unmapped === 'fault' ? 'fault' : 'halt'),
      timebaseFrequency: settings?.timebaseFrequency, instructionsPerTick: settings?.instructionsPerTick,
      wallClockEpochNs: typeof rtc === 'bigint' ? rtc : undefined,
      loadAddress: settings ? settings.loadAddress ?? undefined : loadAddress,
      bootargs: settings ? settings.bootargs ?? undefined : flags.bootargs,
      restore: restored ? { state: restored.state, memory: restored.memory } : undefined,
      input: flags.input === undefined ? undefined : { text: unescape(flags.input), after: flags.inputAfter },
      buildDevice,
      output: (_vserial, bytes) => {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
        watch.append(text);
        // Written a line (or OUTPUT_CHUNK bytes) at a time, not one write per byte the guest prints.
        pending += text;
        if (pending.length >= OUTPUT_CHUNK || text.includes('\n')) flush();
      },
      files: hostFiles(folder),
      control: (c) => { if (script && scripts) runner = new scripts.ScriptRunner(script, c, timeout); },
      trace: flags.trace !== undefined,
      onReboot: flags.onReboot === 'reset' ? 'reset' : 'end',
      log: eventLog,
      parallel: parallel === undefined ? undefined : { workers: parallel },
      // A --fail-on seen, (with --until-expect) every --expect seen, or a script done or failed ends the run at once.
      stopWhen: () => {
        if (wallTimeout !== undefined && performance.now() - t0 > wallTimeout * 1000) return (wallTimedOut = true);
        const watched = watch.check(flags.untilExpect === true);
        const scripted = runner?.advance(watch.console) ?? false;
        return watched || scripted || takeSnapshot();
      },
    };
    if (incoming !== undefined && typeof incoming !== 'string') {
      const { acceptOne, migrateIn } = await import('../vmm/migration/migrate.js');
      const { runSink } = await import('../vmm/migration/run-migration.js');
      const socket = await acceptOne(incoming.host, incoming.port, (address) => err(`tsvisor run: migration: waiting for a guest on ${address}\n`));
      let arrived: RunSession | undefined;
      await migrateIn(socket, runSink((hello) => {
        if (!Buffer.from(hello.guestDtb, 'base64').equals(Buffer.from(guestDtb))) throw new Error('the incoming guest has another configuration than this one (its device tree differs)');
        const s = hello.settings;
        if (vcpus !== undefined && vcpus !== s.vcpus) throw new Error(`the incoming guest has ${s.vcpus} VCPUs, not ${vcpus}`);
        return new RunSession({
          ...options, incoming: true, vcpus: s.vcpus, unmapped: s.unmapped, timebaseFrequency: s.timebaseFrequency,
          instructionsPerTick: s.instructionsPerTick, bootargs: s.bootargs ?? undefined, loadAddress: s.loadAddress ?? undefined,
        });
      }, (s) => { arrived = s; }));
      session = arrived!;
      err('tsvisor run: migration: the guest arrived and runs here\n');
    } else session = new RunSession(options);
    if (migrateTo !== undefined && typeof migrateTo !== 'string' && migrateAt !== undefined && typeof migrateAt !== 'string') {
      const { migrateOut } = await import('../vmm/migration/migrate.js');
      const { runSource } = await import('../vmm/migration/run-migration.js');
      let pendingMigration = true;
      while (session.advance()) {
        if (!pendingMigration || !(typeof migrateAt === 'number' ? session.progress().virtualSeconds >= migrateAt : find(migrateAt, watch.console, 0) !== undefined)) continue;
        pendingMigration = false;
        flush();
        try {
          const f = await migrateOut(runSource(session, guestDtb), migrateTo.host, migrateTo.port);
          migrationNote = `migrated to ${migrateTo.host}:${migrateTo.port} in ${f.seconds.toFixed(3)} s: ${f.rounds} rounds, ` +
            `${f.pagesSent} pages (${sizeText(f.bytesSent)}) sent, ${f.stopPages} of them with the guest stopped; downtime ${(f.downtimeSeconds * 1000).toFixed(1)} ms`;
          session.finish();
          break;
        } catch (e) {
          err(`tsvisor run: migration failed, the guest runs on here: ${(e as Error).message}\n`);
        }
      }
      result = session.result();
    } else if (parallel !== undefined) {
      result = await session.runParallel();
    } else if (gdb === undefined || typeof gdb === 'string') {
      while (session.advance());
      result = session.result();
    } else {
      const { runUnderGdb } = await import('../vmm/gdb/serve.js');
      result = await runUnderGdb(session, {
        ...gdb, wait: flags.gdbWait === true,
        listening: (address) => err(`tsvisor run: gdb: listening on ${address}${flags.gdbWait ? ' (the guest waits for it)' : ''}\n`),
      });
    }
  } catch (e) {
    flush();
    err(`tsvisor run: ${(e as Error).message}\n`);
    return 2;
  }
  flush();
  eventLog?.close();
  report.console = watch.console;
  watch.check(false);
  runner?.advance(watch.console);
  const seconds = (performance.now() - t0) / 1000;
  const notes = [...result.reasons];
  let status: number;
  switch (result.outcome) {
    case 'shutdown':
      // Whatever code the guest reported, a failure is 1: the statuses above it mean other things (RUN_EXIT).
      status = result.status === 0 ? RUN_EXIT.pass : RUN_EXIT.failed;
      if (status !== 0) notes.push(`the guest reported failure: ${result.how ?? `status ${result.status}`}`);
      break;
    case 'stopped':
      status = wallTimedOut ? RUN_EXIT.timeout : result.stoppedBy !== undefined ? RUN_EXIT.failed : RUN_EXIT.pass;
      if (snapshotNote) err(`tsvisor run: ${snapshotNote}\n`);
      if (migrationNote) err(`tsvisor run: ${migrationNote}\n`);
      if (wallTimedOut) notes.push(`timed out after ${flags.wallTimeout} s of wall-clock time (--wall-timeout)`);
      break;
    case 'timeout':
      status = RUN_EXIT.timeout;
      notes.push(`timed out after ${flags.timeout} s of guest virtual time`);
      break;
    case 'halted': status = RUN_EXIT.halted; break;
    case 'reboot':
      status = flags.onReboot === 'exit' ? RUN_EXIT.pass : RUN_EXIT.failed;
      if (flags.onReboot === 'exit') notes.length = 0;
      break;
  }
  if (runner) {
    const ended = result.outcome === 'shutdown' ? `the guest shut down with status ${result.status}` : result.outcome === 'timeout'
      ? 'the run timed out' : result.outcome === 'reboot' ? 'the guest asked for a reboot' : result.outcome === 'halted' ? 'the guest halted' : 'the run stopped';
    const verdict = runner.finish(result.outcome === 'shutdown' ? result.status : status, ended);
    report.steps = runner.results;
    if (!verdict.ok) {
      notes.push(verdict.message!);
      if (status === RUN_EXIT.pass || result.outcome === 'shutdown') status = RUN_EXIT.failed;
    } else if (script!.steps.at(-1)?.kind === 'expect-exit') {
      status = RUN_EXIT.pass; // the guest ended as the script expected
      notes.length = 0;
    }
  }
  const failed = watch.failedOn();
  if (failed) {
    notes.push(`the console printed "${failed.text}" (--fail-on)`);
    if (status === RUN_EXIT.pass) status = RUN_EXIT.failed;
  }
  const unmet = watch.unmet();
  if (unmet && !failed) {
    notes.push(`the console output does not contain "${unmet.pattern.text}"${unmet.after ? ` after "${unmet.after.text}"` : ''}`);
    if (status === RUN_EXIT.pass) status = RUN_EXIT.failed;
  }
  for (const n of notes) err(`tsvisor run: ${n}\n`);
  if (flags.trace !== undefined && result.trace) {
    const { toChromeTrace } = await import('../sched/trace-export.js');
    try {
      writeFileSync(flags.trace, JSON.stringify(toChromeTrace(result.trace)));
      if (result.traceTruncated) err(`tsvisor run: the trace holds the first ${result.trace.length} events only\n`);
    } catch (e) {
      err(`tsvisor run: cannot write the trace: ${(e as Error).message}\n`);
      if (status === RUN_EXIT.pass) status = RUN_EXIT.usage;
    }
  }
  if (flags.stats) {
    err(`tsvisor run: ${result.instructions} guest instructions, ${result.virtualSeconds.toFixed(6)} s of guest virtual time, ` +
      `${seconds.toFixed(3)} s wall (${(result.instructions / seconds / 1e6).toFixed(1)} MIPS); ` +
      `${result.blocksDecoded} code blocks decoded, ${result.blocksCompiled} of them compiled to wasm ` +
      `(${result.blocksCompiledOnThread} on the compiler thread)\n`);
  }
  return status;
}

/** `--snapshot-at`: virtual seconds, or a console text or /regex/ after which the snapshot is taken. */
function parseSnapshotAt(text: string, option = '--snapshot-at'): number | Pattern | string {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const p = parsePattern(text);
  return typeof p === 'string' ? `${option}: ${p}` : p;
}

/** Read a snapshot for `--restore`, checking that it was taken of this guest (its device tree) and VCPU count. */
async function readSnapshotFile(path: string, guestDtb: Uint8Array, vcpus: number | undefined): Promise<RunSnapshot> {
  const { MAX_SNAPSHOT_BYTES, SnapshotError } = await import('../vmm/snapshot/format.js');
  const { readRunSnapshot } = await import('../vmm/snapshot/run-snapshot.js');
  const file = readHostFile(path, MAX_SNAPSHOT_BYTES, 'snapshot');
  if (!file.ok) throw new Error(file.error);
  let snap: RunSnapshot;
  try {
    snap = readRunSnapshot(file.data);
  } catch (e) {
    if (e instanceof SnapshotError) throw new Error(`snapshot ${path}: ${e.message}`, { cause: e });
    throw e;
  }
  if (!Buffer.from(snap.guestDtb).equals(Buffer.from(guestDtb))) {
    throw new Error(`snapshot ${path} was taken of another guest configuration than this one (its device tree differs)`);
  }
  if (vcpus !== undefined && vcpus !== snap.settings.vcpus) throw new Error(`snapshot ${path} has ${snap.settings.vcpus} VCPUs, not ${vcpus}`);
  return snap;
}

/** Console output is written when a line ends or this much is waiting. */
const OUTPUT_CHUNK = 4096;

/** A gzip-compressed image (Image.gz) is unpacked first, as boot loaders do, to at most `limit` bytes. */
function maybeGunzip(bytes: Buffer, limit: number, path: string): Uint8Array {
  if (!(bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  try {
    // node:zlib loaded only for a compressed image: loading it is a few percent of a trivial run.
    const zlib = createRequire(import.meta.url)('node:zlib') as typeof Zlib;
    return zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`image ${path}: unpacks to more than the guest's memory (${sizeText(limit)})`, { cause: e });
    throw new Error(`image ${path}: not a valid gzip file (${(e as Error).message})`, { cause: e });
  }
}

/** 128M, 1G, 65536, 0x8000000 → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(0x[0-9a-f]+|\d+)([KMG]i?B?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').charAt(0).toUpperCase();
  const n = Number(m[1]) * (unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** `\n`, `\r`, `\t` and `\\` in command-line text. */
const unescape = (s: string): string => s.replace(/\\([nrt\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c]!);

/** A JUnit report of one run; a usage or configuration error (2) is an `error`, any other non-zero status a `failure`. */
async function junit(name: string, status: number, notes: string[], report: Report, seconds: number): Promise<string> {
  const { xmlText } = await import('./xml-text.js');
  const { describe } = await import('./script.js');
  const kind = status === RUN_EXIT.usage ? 'error' : 'failure';
  const failure = status === 0 ? '' : `<${kind} message="${xmlText(notes.join('; ') || `exit status ${status}`)}">exit status ${status}</${kind}>`;
  // A script's steps are test cases of their own, timed in guest virtual seconds.
  const steps = report.steps.map((r, i) => `<testcase name="${xmlText(`step ${i + 1}: ${describe(r.step)}`)}" classname="tsvisor.script" ` +
    `time="${r.seconds.toFixed(3)}">${r.ok ? '' : `<failure message="${xmlText(r.message ?? '')}"/>`}</testcase>`).join('');
  const stepFailures = report.steps.filter((r) => !r.ok).length;
  const counts = `failures="${(status !== 0 && kind === 'failure' ? 1 : 0) + stepFailures}" errors="${status !== 0 && kind === 'error' ? 1 : 0}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="tsvisor run" tests="${1 + report.steps.length}" ${counts} time="${seconds.toFixed(3)}">` +
    `<testcase name="${xmlText(name)}" classname="tsvisor" time="${seconds.toFixed(3)}">${failure}<system-out>${xmlText(report.console)}</system-out></testcase>` +
    `${steps}</testsuite></testsuites>\n`;
}
