/** A `tsvisor run` as a migration source and sink (migrate.ts): the whole run, scheduler included, moves. */
import type { RunSession, RunSettings } from '../run-image.js';
import { type MigrationSink, type MigrationSource } from './migrate.js';

export interface RunHello {
  readonly settings: RunSettings;
  /** The guest file's DTB, base64: the destination checks it runs the same guest. */
  readonly guestDtb: string;
}

export function runSource(session: RunSession, guestDtb: Uint8Array): MigrationSource {
  /** The first round sends every page written since the guest was built. */
  let first = true;
  return {
    hello: (): RunHello => ({ settings: session.settings(), guestDtb: Buffer.from(guestDtb).toString('base64') }),
    memory: () => session.guest.memory(),
    takeWritten: () => {
      const pages = session.guest.takeDirtyPages(first);
      first = false;
      return pages;
    },
    step: () => Promise.resolve(session.advance() && session.guest.running()),
    // A run's guest runs only when the run is advanced: stopping it is not advancing it.
    stop: () => {},
    resume: () => {},
    state: () => session.save(),
  };
}

/** A sink that builds the run with `build` from the source's hello (which throws to refuse it). */
export function runSink(build: (hello: RunHello) => RunSession, arrived: (session: RunSession) => void): MigrationSink {
  let session: RunSession | undefined;
  const s = (): RunSession => {
    if (!session) throw new Error('no HELLO yet');
    return session;
  };
  return {
    begin: (hello) => {
      const h = hello as Partial<RunHello>;
      if (typeof h !== 'object' || h === null || typeof h.guestDtb !== 'string' || typeof h.settings !== 'object' || h.settings === null) {
        throw new Error('a HELLO that is not from tsvisor run');
      }
      session = build(h as RunHello);
    },
    memory: () => s().guest.memory(),
    written: () => s().guest.writtenPages(),
    adopt: (state) => {
      s().adopt(state);
      arrived(s());
    },
  };
}
