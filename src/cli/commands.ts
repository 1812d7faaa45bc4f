/**
 * tsvisor's command line: its subcommands' arguments, options and help text. Kept apart from their implementations
 * (run.ts, boot.ts, ...), which each action imports only once it runs: parsing the command line and `--help` then
 * load commander alone, not the device-tree toolchain, the VMM and their dependencies.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import type { Command as CommandType, CommanderError } from 'commander';
import type { BootFlags } from './boot.js';
import type { DtcFlags } from './dtc.js';
import type { RunFlags } from './run.js';
import type { TestFlags } from './test-suite.js';
import type { ValidateFlags } from './validate.js';
import { BUNDLED } from '../bundled.js';

/**
 * commander is a CommonJS package: require()d, not imported, it loads without the ES module loader's work on top
 * (its esm.mjs wrapper, and the scan of its exports for named imports), ~4 ms of every command's start-up.
 */
const { Command, Option } = (BUNDLED
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle takes commander in (src/bundled.ts)
  ? require('commander') : createRequire(import.meta.url)('commander')) as typeof Commander;
type Command = CommandType;

/**
 * A subcommand's implementation, loaded when it runs. Where Node can (20.19 and later, the built .js files) it is
 * require()d: its module graph then loads synchronously, where import()'s loader reads each file asynchronously,
 * through libuv's thread pool (`tsvisor run` loads ~95 modules: ~20 ms less start-up). Elsewhere, or should a graph
 * ever await at its top level (which require() refuses), import(), after the device-tree toolchain's optional parts
 * (dts/preload.ts).
 */
const requireModules = (process.features as { require_module?: boolean }).require_module === true && import.meta.url.endsWith('.js');
async function implementation<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  // In the bundle, import() of a module of the bundle evaluates it then (src/bundled.ts).
  if (BUNDLED) return load();
  if (requireModules) {
    try {
      return createRequire(import.meta.url)(specifier) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ASYNC_MODULE') throw e;
    }
  }
  await import('../dts/preload.js');
  return load();
}

/** tsvisor's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * What `tsvisor dtc --version` prints: dtc's own line first, so that build scripts that parse it (`Version: DTC
 * x.y.z`, as Linux's and U-Boot's do) see the dtc release whose output tsvisor reproduces.
 */
export function dtcVersionLine(): string {
  return `Version: DTC 1.6.1 (tsvisor ${packageVersion()})`;
}

/** The subcommands, in the order `tsvisor --help` lists them. */
const SUBCOMMANDS: Record<string, () => Command> = {
  dtc: dtcCommand,
  validate: validateCommand,
  trace: traceCommand,
  run: runCommand,
  test: testCommand,
  boot: bootCommand,
};

/**
 * The whole command line: tsvisor's own options, then one subcommand per implementation file. Given the command
 * line (process.argv), a first argument that names a subcommand gets that subcommand alone: commander dispatches
 * to it and never looks at the others (program options only come before it), so building them is saved (~2 ms).
 */
export function program(argv?: readonly string[]): Command {
  // A usage error (unknown option, missing argument) exits 2, apart from a failing guest or configuration (1). The
  // dtc subcommand keeps dtc's own exit codes (1 for a usage error).
  const usageExits2 = (c: Command): Command => c.exitOverride(usageExit).showHelpAfterError(`(${c.name() === 'tsvisor' ? 'tsvisor' : `tsvisor ${c.name()}`} --help for the options)`);
  const p = usageExits2(new Command('tsvisor'))
    .description('An Xvisor-style, device-tree-configured hypervisor runtime for RISC-V guests')
    .version(packageVersion(), '-v, --version')
    // `tsvisor dtc --version` is dtc's version line, not tsvisor's: program options only before the subcommand.
    .enablePositionalOptions();
  const first = argv?.[2];
  const names = first !== undefined && Object.hasOwn(SUBCOMMANDS, first) ? [first] : Object.keys(SUBCOMMANDS);
  for (const name of names) p.addCommand(name === 'dtc' ? dtcCommand() : usageExits2(SUBCOMMANDS[name]!()));
  return p;
}

/** Help and version (status 0) exit as commander would; any other commander error is a usage error: 2. */
function usageExit(e: CommanderError): never {
  process.exit(e.exitCode === 0 ? 0 : 2);
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function dtcCommand(): Command {
  return new Command('dtc')
    .description('compile device trees: DTS or DTB in, DTB or DTS out (dtc 1.6.1 compatible)')
    .argument('[input]', 'input file, or - for standard input', '-')
    .addOption(new Option('-I, --in-format <fmt>', 'input format (fs: a /proc/device-tree style directory)').choices(['dts', 'dtb', 'fs']))
    .addOption(new Option('-O, --out-format <fmt>', 'output format').choices(['dts', 'dtb', 'asm', 'yaml']))
    .option('-o, --out <file>', 'output file (default: standard output)')
    .option('-i, --include <dir>', 'add a directory to the /include/ and /incbin/ search path', collect, [])
    .option('-D, --define <macro[=value]>', 'define a macro for the built-in preprocessor', collect, [])
    .option('--no-cpp', 'never run the built-in C preprocessor (it runs when the source has #include, #define, #if...)')
    .option('-@, --symbols', 'add a /__symbols__ node')
    .option('-A, --auto-alias', 'add every label to /aliases')
    .option('-b, --boot-cpu <n>', 'boot CPU id in the DTB header')
    .addOption(new Option('-H, --phandle <format>', 'phandle properties to generate').choices(['legacy', 'epapr', 'both']))
    .option('-q, --quiet', 'quieter: -q hides warnings, -qq errors too', (_v: string, prev: number) => prev + 1, 0)
    .option('-R, --reserve <n>', 'extra empty reserve-map entries')
    .option('-S, --space <bytes>', 'make the DTB at least this big')
    .option('-p, --pad <bytes>', 'add this much padding to the DTB')
    .option('-a, --align <bytes>', 'pad the DTB to a multiple of this size')
    .option('-s, --sort', 'sort nodes and properties')
    .option('-f, --force', 'write output even if the tree has errors')
    .option('-W, --warning <check>', 'enable (or no-<check> disable) a check as a warning', collect, [])
    .option('-E, --error <check>', 'enable (or no-<check> disable) a check as an error', collect, [])
    .option('-V, --out-version <n>', 'DTB version to write: 1, 2, 3, 16 or 17 (default)')
    .option('-T, --annotate', 'annotate DTS output with where each node and property was written', (_v: string, prev: number) => prev + 1, 0)
    .option('-d, --out-dependency <file>', 'write a make dependency file: the output, then every file read')
    .version(dtcVersionLine(), '-v, --version', "print dtc's version line")
    .action(async (input: string, flags: DtcFlags) => {
      // import(): dtc.ts takes the toolchain's whole entry point (dts/index.ts), whose preload awaits at its top level.
      const { runDtc } = await import('./dtc.js');
      process.exitCode = runDtc(input, flags);
    });
}

export function validateCommand(): Command {
  return new Command('validate')
    .description('check board and guest configurations: every error at once, with file:line:column')
    .argument('<files...>', 'board and guest device trees (.dts source or .dtb)')
    .option('--format <format>', 'text or json', 'text')
    .option('--strict', 'fail on warnings too')
    .option('-i, --include <dir>', 'add a directory to the /include/ search path', collect, [])
    .option('--no-color', 'no colours in diagnostics (as the NO_COLOR environment variable)')
    .action(async (files: string[], flags: ValidateFlags) => {
      const { runValidate } = await implementation('./validate.js', () => import('./validate.js'));
      process.exitCode = runValidate(files, flags, (s) => process.stdout.write(s));
    });
}

export function traceCommand(): Command {
  return new Command('trace')
    .description('render a scheduler trace (Chrome trace-event JSON, as Perfetto opens) as an SVG timeline, one lane per host CPU')
    .argument('<trace.json>', 'the trace file')
    .option('-o, --output <file>', 'write the SVG here (default: standard output)')
    .option('--width <pixels>', 'width of the timeline', '1200')
    .action(async (file: string, flags: { output?: string; width: string }) => {
      const { runTrace } = await implementation('./trace.js', () => import('./trace.js'));
      process.exitCode = runTrace(file, flags);
    });
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a guest test image and exit with its status: 0 pass, 1 the guest or an expectation failed, ' +
      '2 usage or configuration error, 3 halted, 124 timeout')
    .argument('<guest.dts>', 'the guest (Xvisor guest format, .dts or .dtb)')
    .option('--image <file>', 'image to load: ELF at its addresses, or a raw binary at start_pc (not needed with --restore)')
    .option('--initrd <file>', 'initial ramdisk, loaded as QEMU -initrd loads it (/chosen linux,initrd-start/end)')
    .option('--vcpus <n>', 'number of VCPUs (a vcpu_template guest gets this many copies, as vfs guest_fdt_load makes)')
    .option('-m, --memory <size>', 'RAM size of the guest\'s mem0 alias (e.g. 256M, 1G; default 128M when it has none)')
    .option('--set <override>', 'attribute override as vfs guest_fdt_load takes it: <alias>,<attr>,<type>,<value> (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v])
    .option('--rtc <base>', 'RTC start: base=now (host time) or base=YYYY-MM-DD[THH:MM:SS] (UTC); default 2026-01-01, fixed')
    .option('--timeout <seconds>', 'limit, in seconds of guest virtual time (deterministic)', '60')
    .option('--wall-timeout <seconds>', 'limit, in seconds of wall-clock time (exit 124 as --timeout)')
    .option('--expect <text>', 'fail unless the console prints this: text, or /regex/flags; repeatable, all in order', collect, [])
    .option('--fail-on <text>', 'fail at once if the console prints this: text, or /regex/flags; repeatable', collect, [])
    .option('--until-expect', 'end the run (passing) as soon as every --expect has been seen')
    .option('--unmapped <action>', 'an access to no region halts the VCPU (halt, the default, as Xvisor) or is an access fault in the guest (fault, as QEMU\'s virt machine)')
    .option('--trace <file>', 'write the scheduler trace (Chrome trace-event JSON: Perfetto, or tsvisor trace FILE -o t.svg)')
    .option('--log <classes>', 'log events, as QEMU -d: exits,sbi,mmio,irq or all (to stderr, or --log-file)')
    .option('--log-file <file>', 'write the --log events to this file, as QEMU -D')
    .option('--script <file>', 'a test script (JSON): steps wait <text|/regex/> [timeout], send <text>, expect-exit <status>, snapshot-console <file>')
    .option('--on-reboot <action>', 'a guest reboot (SBI SRST, test finisher) fails the run (fail, the default), ends it passing (exit), or restarts the guest, as QEMU does (reset)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--load-address <addr>', 'load address of a raw image')
    .option('--bootargs <text>', '/chosen/bootargs of the guest device tree')
    .option('--input <text>', 'type this into the guest console (\\n for Enter), one byte per ms of virtual time')
    .option('--stats', 'print guest instructions, virtual and wall time at the end (stderr)')
    .option('--input-after <text>', 'start typing once the console has printed this (e.g. a prompt)')
    .option('--gdb <port>', 'serve GDB\'s remote protocol on PORT, HOST:PORT or tcp::PORT (127.0.0.1 unless a host is given), as QEMU -gdb')
    .option('--snapshot-at <when>', 'take a snapshot (see --snapshot) once this many seconds of guest time passed, or once the console printed this text or /regex/, and end the run')
    .option('--snapshot <file>', 'where --snapshot-at writes the snapshot (sparse RAM, compressed)')
    .option('--restore <file>', 'continue from a snapshot of this guest instead of booting the image (--timeout counts from it)')
    .option('--migrate-to <host:port>', 'live-migrate the guest to a tsvisor run --incoming there (pre-copy), once --migrate-at is reached, and end this run')
    .option('--migrate-at <when>', 'when to migrate: seconds of guest time, or a console text or /regex/')
    .option('--incoming <port>', 'wait on PORT (or HOST:PORT; 127.0.0.1 unless a host is given) for a guest migrated from another tsvisor run, then run it')
    .option('--gdb-wait', 'with --gdb: hold the guest before its first instruction until GDB continues it, as QEMU -S')
    .option('--parallel [workers]', 'run the VCPUs on worker threads (at most WORKERS, and the machine\'s cores), as QEMU\'s MTTCG: not deterministic, guest time is the host\'s clock')
    .option('--no-color', 'no colours in diagnostics (as the NO_COLOR environment variable)')
    .action(async (guestPath: string, flags: RunFlags, command: Command) => {
      // --image is required unless the guest comes from a snapshot or a migration: a usage error, told before
      // anything heavy is loaded, as commander tells its own.
      if (flags.image === undefined && flags.restore === undefined && flags.incoming === undefined) {
        command.error("error: required option '--image <file>' not specified (or --restore SNAPSHOT, or --incoming PORT)");
      }
      const { runGuest } = await implementation('./run.js', () => import('./run.js'));
      process.exitCode = await runGuest(guestPath, flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function testCommand(): Command {
  return new Command('test')
    .description('run a suite of guest tests (a tests.json manifest, or a directory holding one), in parallel, and report them together')
    .argument('<suite>', 'the manifest, or a directory with tests.json')
    .option('-j, --jobs <n>', 'tests run at once (default: the host\'s cores, at most 4)')
    .option('--shard <i/n>', 'run only shard i of n (every n-th test), for a CI matrix')
    .option('--junit <file>', 'write one JUnit report (a testsuite per test)')
    .option('--tap <file>', 'write a TAP report')
    .option('--logs <dir>', 'where each failing test\'s console log is kept', 'tsvisor-test-logs')
    .action(async (suite: string, flags: TestFlags) => {
      const { runSuite } = await implementation('./test-suite.js', () => import('./test-suite.js'));
      process.exitCode = await runSuite(suite, flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function bootCommand(): Command {
  return new Command('boot')
    .description('boot a board: run its bootcmd, then a management shell on stdin (XVisor# prompt)')
    .argument('<board.dts>', 'the board (device tree source or .dtb)')
    .option('--time <seconds>', 'stop after this many seconds of virtual time')
    .option('--trace <file>', 'write the scheduler trace at the end (Chrome trace-event JSON: Perfetto, or tsvisor trace FILE -o t.svg)')
    .option('--log <classes>', 'log events of every guest, as QEMU -d: exits,sbi,mmio,irq or all (to stderr, or --log-file)')
    .option('--log-file <file>', 'write the --log events to this file, as QEMU -D')
    .option('-i, --include <dir>', 'add a directory to the /include/ search path', collect, [])
    .option('--incoming <port>', 'wait on PORT (or HOST:PORT) for a guest migrated live from another tsvisor (guest migrate), as QEMU -incoming')
    .option('--parallel', 'run the VCPUs on worker threads, a group of host CPUs each (as /vmm parallel; in the board): not deterministic, guest time is the host\'s clock')
    .option('--web <[host:]port>', 'serve a live web view on PORT (0: a free one; 127.0.0.1 unless a host is given); its URL, with a random access token, is printed on stderr')
    .option('--no-color', 'no colours in diagnostics (as the NO_COLOR environment variable)')
    .action(async (boardPath: string, flags: BootFlags) => {
      const { boot } = await implementation('./boot.js', () => import('./boot.js'));
      process.exitCode = await boot(boardPath, flags);
    });
}
