/**
 * The images a board's bootcmd loads (`vfs guest_load`, load lists) against the guests they go into: the address
 * must be RAM or ROM of the guest and the file must fit what is left of that region from it — the shell's own rule
 * at boot (src/vmm/shell.ts guestLoad), found here instead of as a failed command on the console.
 */
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import { sizeText } from '../host-file.js';
import type { ImageLoad } from './boot-loads.js';
import type { GuestConfig } from './types.js';

export function checkImageLoads(loads: readonly ImageLoad[], guests: readonly GuestConfig[], sink: DiagnosticSink): void {
  for (const load of loads) {
    const guest = guests.find((g) => g.name === load.guest);
    if (!guest) continue; // a guest that did not build is reported at its own source
    const error = (message: string): void => sink.error('bootcmd', `"${load.command}": ${message}`, load.at);
    const addr = `0x${load.gpa.toString(16)}`;
    const region = guest.regions.find((r) => r.size > 0 && r.memory !== undefined && (r.manifest === 'real' || r.manifest === 'alias') &&
      load.gpa >= r.gpa && load.gpa < r.gpa + r.size);
    if (!region) {
      error(`${addr} is not RAM or ROM of ${load.guest}`);
      continue;
    }
    const room = region.gpa + region.size - load.gpa;
    if (load.size > room) {
      const name = region.name.split('/').pop() ?? region.name;
      error(`image ${load.path}: ${sizeText(load.size)} is larger than the ${sizeText(room)} left in ${name} from ${addr}`);
    }
  }
}
