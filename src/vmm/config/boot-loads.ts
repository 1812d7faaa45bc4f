/**
 * The guests a board's /chosen/bootcmd loads with `vfs guest_fdt_load`: validation applies those commands to the
 * board tree, so it checks the guests as they will be created, overrides and VCPU copies included.
 * Paths in commands are relative to the board file's folder (tsvisor's VFS is the host filesystem).
 */
import { MAX_DEVICE_TREE_BYTES, readHostFile } from '../host-file.js';
import { dirname, resolve } from 'node:path';
import { compileData } from '../../dts/compile.js';
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import type { DeviceTree } from '../../dts/tree.js';
import { guestFdtLoad } from './guest-load.js';

/** Split a shell command line into words (double quotes group). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2]!);
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

/** Apply every `vfs guest_fdt_load` of the board's bootcmd to its tree. */
export function applyBootLoads(board: DeviceTree, boardPath: string, sink: DiagnosticSink): void {
  const chosen = board.root.getChild('chosen');
  const prop = chosen?.getProp('bootcmd');
  if (!prop) return;
  const commands = prop.value.bytes.length ? new TextDecoder('latin1').decode(prop.value.bytes).split('\0').filter((c) => c) : [];
  for (const command of commands) {
    const w = words(command);
    if (w[0] !== 'vfs' || w[1] !== 'guest_fdt_load') continue;
    if (w.length < 5) {
      sink.error('bootcmd', `"${command}": usage: vfs guest_fdt_load <guest> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...`, prop.src);
      continue;
    }
    const [name, file, count] = [w[2]!, w[3]!, Number(w[4])];
    const tree = readGuestTree(resolve(dirname(boardPath), file), sink);
    if (typeof tree === 'string') { sink.error('bootcmd', `"${command}": ${tree}`, prop.src); continue; }
    const result = guestFdtLoad(board, name, tree, count, w.slice(5));
    if (!result.ok) sink.error('bootcmd', `"${command}": ${result.error}`, prop.src);
  }
}
