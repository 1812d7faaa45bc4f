/**
 * Validation of a set of configuration files: at most one board (the host, with any guests inline under
 * /guests) and any number of guest files. Every rule runs and every problem is reported, located, at once —
 * where Xvisor stops at the first error of `guest create`.
 */
import { basename, extname } from 'node:path';
import { DiagnosticSink, type Diagnostic } from '../../dts/diagnostics.js';
import { fillPaths, type DeviceTree, type Node } from '../../dts/tree.js';
import { cloneNode } from './guest-load.js';
import { buildHost } from './host.js';
import { buildGuest } from './guest.js';
import { checkGuest, checkGuestOnHost, checkGuestsTogether, checkSchedule } from './rules.js';
import { checkMemoryFits } from './memory-fit.js';
import { applyBootLoads, type ImageLoad } from './boot-loads.js';
import { checkImageLoads } from './image-loads.js';
import type { GuestConfig, HostConfig } from './types.js';
import { guestDtb } from '../guest-fdt.js';

export interface ConfigFile {
  readonly path: string;
  readonly tree: DeviceTree;
}

export interface Validation {
  readonly host: HostConfig | undefined;
  readonly guests: readonly GuestConfig[];
  readonly diagnostics: readonly Diagnostic[];
}

/** A guest file has device_type = "guest" at its root; anything else is a board. */
export function isGuestTree(tree: DeviceTree): boolean {
  const p = tree.root.getProp('device_type');
  return p !== undefined && p.value.asString() === 'guest';
}

/** The guest name a standalone guest file gets: its file name without extension (guest_fdt_load names it). */
export const guestNameOf = (path: string): string => basename(path, extname(path));

/** Guests inline in a board, under /guests. */
function boardGuests(root: Node, sink: DiagnosticSink): GuestConfig[] {
  const guests = root.getChild('guests');
  const out: GuestConfig[] = [];
  for (const g of guests ? guests.children.filter((c) => !c.deleted) : []) {
    const guest = buildGuest(g, g.name, sink);
    if (guest) out.push(guest);
  }
  return out;
}

export function validate(files: readonly ConfigFile[]): Validation {
  const sink = new DiagnosticSink();
  let host: HostConfig | undefined;
  let boardPath: string | undefined;
  const guests: GuestConfig[] = [];
  let loads: ImageLoad[] = [];
  for (const f of files) {
    if (isGuestTree(f.tree)) {
      const g = buildGuest(f.tree.root, guestNameOf(f.path), sink);
      if (g) guests.push(g);
      continue;
    }
    if (host) {
      sink.error('two_boards', `${f.path}: a second board file (the host is already ${boardPath})`, f.tree.root.src,
        'give one board and any number of guest files');
      continue;
    }
    // Boot-command loads graft guests onto the board: work on a copy so the caller's tree stays as compiled.
    const board: DeviceTree = { ...f.tree, root: cloneNode(f.tree.root) };
    fillPaths(board.root);
    loads = applyBootLoads(board, f.path, sink);
    host = buildHost(board, sink);
    boardPath = f.path;
    guests.push(...boardGuests(board.root, sink));
  }
  for (const g of guests) {
    checkGuest(g, sink);
    if (host) checkGuestOnHost(g, host, sink);
  }
  checkGuestsTogether(guests, sink);
  checkImageLoads(loads, guests, sink);
  if (host) {
    checkMemoryFits(host, guests, sink);
    checkSchedule(host, guests, sink);
  }
  // Last, what guest create will do with a guest found clean: generate its device tree. Anything the rules above
  // missed that would make that tree invalid is reported here, at the guest, instead of failing at guest create.
  if (sink.errorCount === 0) {
    for (const g of guests) {
      try {
        guestDtb(g, { timebaseFrequency: host?.timebaseFrequency ?? 10_000_000, ...(g.bootargs !== undefined ? { bootargs: g.bootargs } : {}) });
      } catch (e) {
        sink.error('guest_fdt', `${g.name}: guest create would fail: ${(e as Error).message.split('\n')[0]}`, g.node.src);
      }
    }
  }
  return { host, guests, diagnostics: sink.items };
}
