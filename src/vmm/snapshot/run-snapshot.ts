/**
 * A `tsvisor run` as a snapshot file: the guest (its DTB, so a restore needs no DTS), the run's settings, the
 * state of the scheduler, the guest and its devices (JSON), and RAM (sparse). `restoreRunOptions` checks all of it
 * before a guest is built; building and restoring then either succeeds whole or throws.
 */
import { encodeMemory, encodeSnapshot, decodeSnapshot, SnapshotError } from './format.js';
import type { RunSession, RunSettings } from '../run-image.js';
import { asObject, int, num, str, SavedStateError, type SavedState } from '../../state/saved-state.js';
import type { UnmappedAccess } from '../vcpu-loop.js';

export interface RunSnapshot {
  readonly settings: RunSettings;
  /** The guest file's device tree (DTB), as the run was given it (overrides applied). */
  readonly guestDtb: Uint8Array;
  /** Guest virtual time and instructions when it was taken. */
  readonly virtualSeconds: number;
  readonly instructions: number;
  readonly state: SavedState;
  /** RAM in `encodeMemory`'s form. */
  readonly memory: Uint8Array;
}

const json = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v), 'utf8');

/** The snapshot of `session` now (between steps), with the guest file's tree as `guestDtb`. */
export function writeRunSnapshot(session: RunSession, guestDtb: Uint8Array): Uint8Array {
  const state = session.save();
  const meta = { ...session.settings(), ...session.progress() };
  return encodeSnapshot(new Map([
    ['meta', json(meta)],
    ['guest.dtb', guestDtb],
    ['state', json(state)],
    ['memory', encodeMemory(session.guest.memory(), session.guest.writtenPages())],
  ]));
}

function parseJson(data: Uint8Array | undefined, what: string): SavedState {
  if (!data) throw new SnapshotError(`corrupted (no ${what} section)`);
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as SavedState;
  } catch {
    throw new SnapshotError(`corrupted (the ${what} section is not JSON)`);
  }
}

/** Read and check a snapshot file; throws SnapshotError with what is wrong. */
export function readRunSnapshot(file: Uint8Array): RunSnapshot {
  const sections = decodeSnapshot(file);
  const meta = parseJson(sections.get('meta'), 'meta');
  const state = parseJson(sections.get('state'), 'state');
  const guestDtb = sections.get('guest.dtb');
  const memory = sections.get('memory');
  if (!guestDtb || !memory) throw new SnapshotError(`corrupted (no ${guestDtb ? 'memory' : 'guest.dtb'} section)`);
  try {
    const m = asObject(meta, 'meta');
    const unmapped = str(m, 'unmapped', 'meta');
    if (unmapped !== 'halt' && unmapped !== 'fault') throw new SavedStateError(`meta.unmapped: ${unmapped}`);
    const settings: RunSettings = {
      vcpus: int(m, 'vcpus', 'meta', 1, 1024), timebaseFrequency: int(m, 'timebaseFrequency', 'meta', 1),
      instructionsPerTick: int(m, 'instructionsPerTick', 'meta', 1), unmapped: unmapped as UnmappedAccess,
      bootargs: m.bootargs === null ? null : str(m, 'bootargs', 'meta'),
      loadAddress: m.loadAddress === null ? null : int(m, 'loadAddress', 'meta', 0),
    };
    return { settings, guestDtb, memory, state, virtualSeconds: num(m, 'virtualSeconds', 'meta'), instructions: num(m, 'instructions', 'meta') };
  } catch (e) {
    if (e instanceof SavedStateError) throw new SnapshotError(`corrupted (${e.message})`);
    throw e;
  }
}
