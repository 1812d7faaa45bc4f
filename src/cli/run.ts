/**
 * `tsvisor run <guest.dts> --image FILE`: run a guest test image without a board, stream its console, and exit with
 * the guest's status (SBI SRST or the sifive,test0 finisher: 0 pass, non-zero fail), 124 on timeout, 1 when it halts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { compileData } from '../dts/index.js';
import { validate } from '../vmm/config/validate.js';
import { runImage, type RunImageResult } from '../vmm/run-image.js';
import { buildDevice } from '../devices/registry.js';
import { renderDiagnostic } from './render.js';

interface RunFlags {
  image: string;
  vcpus?: string;
  timeout: string;
  expect?: string;
  junit?: string;
  loadAddress?: string;
  bootargs?: string;
  input?: string;
  inputAfter?: string;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a guest test image and exit with its status (0 pass, non-zero fail, 124 timeout)')
    .argument('<guest.dts>', 'the guest (Xvisor guest format, .dts or .dtb)')
    .requiredOption('--image <file>', 'image to load: ELF at its addresses, or a raw binary at start_pc')
    .option('--vcpus <n>', 'number of VCPUs (for a guest with a vcpu_template)')
    .option('--timeout <seconds>', 'limit, in seconds of guest virtual time (deterministic)', '60')
    .option('--expect <text>', 'fail unless the console output contains this text')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--load-address <addr>', 'load address of a raw image')
    .option('--bootargs <text>', '/chosen/bootargs of the guest device tree')
    .option('--input <text>', 'type this into the guest console (\\n for Enter), one byte per ms of virtual time')
    .option('--input-after <text>', 'start typing once the console has printed this (e.g. a prompt)')
    .action((guestPath: string, flags: RunFlags) => {
      process.exitCode = runGuest(guestPath, flags, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    });
}

export function runGuest(guestPath: string, flags: RunFlags, out: (s: string) => void, err: (s: string) => void): number {
  let data: Buffer, image: Buffer;
  try {
    data = readFileSync(guestPath);
    image = readFileSync(flags.image);
  } catch (e) {
    err(`tsvisor run: ${(e as Error).message}\n`);
    return 2;
  }
  const compiled = compileData(data, guestPath);
  const v = compiled.tree && compiled.ok ? validate([{ path: guestPath, tree: compiled.tree }]) : undefined;
  const problems = [...compiled.diagnostics, ...(v?.diagnostics ?? [])].filter((d) => d.severity === 'error');
  if (!v || problems.length > 0 || !v.guests[0]) {
    for (const d of problems) err(renderDiagnostic(d) + '\n');
    if (v && !v.guests[0]) err(`tsvisor run: ${guestPath} is not a guest (device_type = "guest")\n`);
    return 2;
  }
  let console = '';
  const t0 = performance.now();
  let result: RunImageResult;
  try {
    result = runImage({
      guest: v.guests[0], image, timeoutSeconds: Number(flags.timeout),
      vcpus: flags.vcpus ? Number(flags.vcpus) : undefined,
      loadAddress: flags.loadAddress ? Number(flags.loadAddress) : undefined,
      bootargs: flags.bootargs,
      input: flags.input === undefined ? undefined : { text: unescape(flags.input), after: flags.inputAfter },
      buildDevice,
      output: (_vserial, bytes) => {
        const text = Buffer.from(bytes).toString('latin1');
        console += text;
        out(text);
      },
      files: { read: (path) => readFileSync(path) },
    });
  } catch (e) {
    err(`tsvisor run: ${(e as Error).message}\n`);
    return 2;
  }
  const seconds = (performance.now() - t0) / 1000;
  let status = result.status;
  const notes = [...result.reasons];
  if (result.outcome === 'timeout') notes.push(`timed out after ${flags.timeout} s of guest virtual time`);
  if (flags.expect !== undefined && !console.includes(flags.expect)) {
    notes.push(`the console output does not contain "${flags.expect}"`);
    if (status === 0) status = 1;
  }
  for (const n of notes) err(`tsvisor run: ${n}\n`);
  if (flags.junit) writeFileSync(flags.junit, junit(basename(flags.image), status, notes, console, seconds));
  return status;
}

/** `\n`, `\r`, `\t` and `\\` in command-line text. */
const unescape = (s: string): string => s.replace(/\\([nrt\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c]!);

const xml = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');

function junit(name: string, status: number, notes: string[], console: string, seconds: number): string {
  const failure = status === 0 ? '' : `<failure message="${xml(notes.join('; ') || `exit status ${status}`)}">exit status ${status}</failure>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="tsvisor run" tests="1" failures="${status === 0 ? 0 : 1}" time="${seconds.toFixed(3)}">` +
    `<testcase name="${xml(name)}" classname="tsvisor" time="${seconds.toFixed(3)}">${failure}<system-out>${xml(console)}</system-out></testcase>` +
    `</testsuite></testsuites>\n`;
}
