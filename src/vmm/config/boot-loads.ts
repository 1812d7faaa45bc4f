/**
 * What a board's /chosen/bootcmd loads from host files, as validation sees it: `vfs guest_fdt_load` is applied to
 * the board tree (so the guests are checked as they will be created, overrides and VCPU copies included), and the
 * files of `vfs guest_load`, `vfs guest_load_list` and `vfs run` must exist (they are collected, as image loads,
 * for the checks against the guests' memory once the guests are built). Paths are relative to the board file's
 * folder (tsvisor's VFS is the host filesystem), a load list's entries to the list's folder.
 */
import { MAX_DEVICE_TREE_BYTES, MAX_SCRIPT_BYTES, hostFileSize, readHostFile } from '../host-file.js';
import { dirname, resolve } from 'node:path';
import { compileData } from '../../dts/compile.js';
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import { pointAt, SourceBuffer, type SourceRef } from '../../dts/source.js';
import type { DeviceTree } from '../../dts/tree.js';
import { splitCommands } from '../shell/split.js';
import { parseNumber } from '../shell/number.js';
import { guestFdtLoad } from './guest-load.js';
import { stringRefs } from './string-refs.js';

/** How deep `vfs run` scripts nest, and how many commands they may run, as the shell allows (src/vmm/shell.ts). */
const MAX_SCRIPT_DEPTH = 8;
const MAX_SCRIPT_COMMANDS = 100_000;

/** An image `vfs guest_load` (or a load list) will put into a guest's memory at boot. */
export interface ImageLoad {
  readonly guest: string;
  readonly gpa: number;
  readonly path: string;
  readonly size: number;
  /** The command, for messages, and where it was written. */
  readonly command: string;
  readonly at: SourceRef | undefined;
}

/** Split a shell command line into words (double quotes group). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

/** Read a guest device tree from a .dtb or DTS source; diagnostics of the compile go to the sink. */
export function readGuestTree(path: string, sink: DiagnosticSink): DeviceTree | string {
  // Checked before it is read (regular file, size): a FIFO or /dev/zero in a boot command cannot hang validation.
  const file = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'device tree');
  if (!file.ok) return file.error;
  const result = compileData(file.data, path);
  sink.items.push(...result.diagnostics);
  if (!result.tree || !result.ok) return `${path} has errors`;
  return result.tree;
}

/**
 * Apply every `vfs guest_fdt_load` of the board's bootcmd to its tree, check the files its other `vfs` commands
 * read, and return the image loads to check against the guests' memory.
 */
export function applyBootLoads(board: DeviceTree, boardPath: string, sink: DiagnosticSink): ImageLoad[] {
  const prop = board.root.getChild('chosen')?.getProp('bootcmd');
  if (!prop) return [];
  const strings = new TextDecoder('latin1').decode(prop.value.bytes).split('\0');
  if (strings.at(-1) === '') strings.pop(); // the terminator of the last string
  const refs = stringRefs(prop);
  const walk = new BootWalk(board, dirname(boardPath), sink);
  strings.forEach((s, i) => {
    // Each string is located at its own literal when the source says where; else at the property.
    const at = refs?.length === strings.length ? refs[i] : prop.src;
    for (const command of splitCommands(s)) walk.command(command, at, 0);
  });
  return walk.loads;
}

/** The boot commands run in order, with what each has loaded so far. */
class BootWalk {
  readonly loads: ImageLoad[] = [];
  private budget = MAX_SCRIPT_COMMANDS;

  constructor(private readonly board: DeviceTree, private readonly base: string, private readonly sink: DiagnosticSink) {}

  command(command: string, at: SourceRef | undefined, depth: number): void {
    const w = words(command);
    if (w[0] !== 'vfs') return;
    const error = (message: string): void => this.sink.error('bootcmd', `"${command}": ${message}`, at);
    const args = w.slice(2);
    switch (w[1]) {
      case 'guest_fdt_load': {
        const [name, file, count] = args;
        if (name === undefined || file === undefined || count === undefined) {
          return error('usage: vfs guest_fdt_load <guest> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...');
        }
        const tree = readGuestTree(resolve(this.base, file), this.sink);
        if (typeof tree === 'string') return error(tree);
        const result = guestFdtLoad(this.board, name, tree, Number(count), args.slice(3));
        if (!result.ok) error(result.error);
        return;
      }
      case 'guest_load': {
        const [name, gpa, file] = args;
        if (name === undefined || gpa === undefined || file === undefined) return error('usage: vfs guest_load <guest> <guest_phys_addr> <file>');
        const problem = this.imageLoad(name, gpa, resolve(this.base, file), command, at);
        if (problem) error(problem);
        return;
      }
      case 'guest_load_list': {
        const [name, list] = args;
        if (name === undefined || list === undefined) return error('usage: vfs guest_load_list <guest> <list_file>');
        const listPath = resolve(this.base, list);
        const read = readHostFile(listPath, MAX_SCRIPT_BYTES, 'load list');
        if (!read.ok) return error(read.error);
        read.data.toString('latin1').split('\n').forEach((entry, i) => {
          const [gpa, file] = entry.trim().split(/\s+/);
          if (!gpa || gpa.startsWith('#') || !file) return;
          const problem = this.imageLoad(name, gpa, resolve(dirname(listPath), file), command, at);
          if (problem) error(`${listPath}:${i + 1}: ${problem}`);
        });
        return;
      }
      case 'run': {
        const [script] = args;
        if (script === undefined) return error('usage: vfs run <script>');
        if (depth >= MAX_SCRIPT_DEPTH) return error(`scripts nested more than ${MAX_SCRIPT_DEPTH} deep (does a script run itself?)`);
        const path = resolve(this.base, script);
        const read = readHostFile(path, MAX_SCRIPT_BYTES, 'script');
        if (!read.ok) return error(read.error);
        // The script's own commands are located in the script, line by line.
        const buf = new SourceBuffer(0, path, read.data.toString('latin1'));
        const lines = buf.text.split('\n');
        for (const [i, line] of lines.entries()) {
          if (--this.budget < 0) return error(`more than ${MAX_SCRIPT_COMMANDS} commands from scripts`);
          const lineAt = pointAt(buf, i + 1, 1, line.replace(/\r$/, '') || ' ');
          for (const c of splitCommands(line)) this.command(c, lineAt, depth + 1);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Check one image load's guest, address and file now; its fit in the guest's memory is checked later. */
  private imageLoad(guest: string, gpaText: string, path: string, command: string, at: SourceRef | undefined): string | undefined {
    if (!this.board.root.getChild('guests')?.getChild(guest)) return `no guest ${guest} by then (load it with vfs guest_fdt_load first)`;
    const gpa = parseNumber(gpaText, 'guest physical address');
    if (typeof gpa === 'string') return gpa;
    const size = hostFileSize(path, 'image');
    if (!size.ok) return size.error;
    this.loads.push({ guest, gpa, path, size: size.size, command, at });
    return undefined;
  }
}
