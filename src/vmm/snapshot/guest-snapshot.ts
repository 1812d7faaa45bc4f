/**
 * One guest of a running hypervisor as a snapshot file (the shell's `guest snapshot` / `guest restore`): its node of
 * the board tree (as a DTB whose root is the guest node, so a restore rebuilds it under any name), its state and its
 * RAM, in the container of format.ts. Unlike a `run` snapshot it holds no scheduler: the guest lands in whatever
 * hypervisor restores it, its clock moved to that host's time.
 */
import { encodeMemory, encodeSnapshot, decodeSnapshot, SnapshotError } from './format.js';
import { toBlob, fromBlob } from '../../dts/dtb.js';
import { Node } from '../../dts/tree.js';
import { cloneNode } from '../config/guest-load.js';
import type { GuestInstance } from '../guest-instance.js';
import type { SavedState } from '../../state/saved-state.js';

export interface GuestSnapshot {
  /** The guest's node, renamed on restore. */
  readonly node: Node;
  readonly timebaseFrequency: number;
  readonly instructionsPerTick: number;
  readonly state: SavedState;
  readonly memory: Uint8Array;
}

/** A guest's board node as a DTB whose root is the node (a restore renames it). */
export function nodeToDtb(node: Node): Uint8Array {
  return toBlob({ root: cloneNode(node, ''), reserves: [], plugin: false, bootCpuid: 0 });
}

/** The node `nodeToDtb` wrote; throws SnapshotError for bytes that are not a DTB. */
export function nodeFromDtb(dtb: Uint8Array): Node {
  try {
    return fromBlob(dtb).root;
  } catch (e) {
    throw new SnapshotError(`corrupted (the guest's device tree: ${(e as Error).message})`);
  }
}

export function writeGuestSnapshot(node: Node, guest: GuestInstance, timebaseFrequency: number, instructionsPerTick: number): Uint8Array {
  const meta = { kind: 'guest', vcpus: guest.vcpus.length, timebaseFrequency, instructionsPerTick };
  return encodeSnapshot(new Map([
    ['meta', Buffer.from(JSON.stringify(meta))],
    ['guest.dtb', nodeToDtb(node)],
    ['state', Buffer.from(JSON.stringify(guest.save()))],
    ['memory', encodeMemory(guest.memory(), guest.writtenPages())],
  ]));
}

export function readGuestSnapshot(file: Uint8Array): GuestSnapshot {
  const sections = decodeSnapshot(file);
  const json = (name: string): SavedState => {
    const data = sections.get(name);
    if (!data) throw new SnapshotError(`corrupted (no ${name} section)`);
    try { return JSON.parse(Buffer.from(data).toString('utf8')) as SavedState; } catch { throw new SnapshotError(`corrupted (the ${name} section is not JSON)`); }
  };
  const meta = json('meta') as { kind?: unknown; timebaseFrequency?: unknown; instructionsPerTick?: unknown };
  if (meta.kind !== 'guest') throw new SnapshotError('a snapshot of a whole run (tsvisor run --snapshot), not of one guest of a board');
  if (typeof meta.timebaseFrequency !== 'number' || typeof meta.instructionsPerTick !== 'number') throw new SnapshotError('corrupted (meta)');
  const dtb = sections.get('guest.dtb');
  const memory = sections.get('memory');
  if (!dtb || !memory) throw new SnapshotError('corrupted (a section is missing)');
  return { node: nodeFromDtb(dtb), timebaseFrequency: meta.timebaseFrequency, instructionsPerTick: meta.instructionsPerTick, state: json('state'), memory };
}
