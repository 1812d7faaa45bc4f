/** `tsvisor validate` of the two-guest board in process (compile, boot-command loads, every rule, claims). */
import { join } from 'node:path';
// The shipped build (tsc's output) is what is measured.
import { runValidate } from '../dist/cli/validate.js';

export function runValidateBench(log: (s: string) => void): number {
  const board = join(import.meta.dirname, '../boards/two-guests.dts');
  const once = (): number => {
    const t0 = performance.now();
    const status = runValidate([board], { format: 'json', include: [] }, () => {});
    if (status !== 0) throw new Error(`validate of ${board} exited ${status}`);
    return performance.now() - t0;
  };
  const first = once();
  let best = Infinity;
  for (let i = 0; i < 20; i++) best = Math.min(best, once());
  log(`validate boards/two-guests.dts: first run ${first.toFixed(1)} ms, then best of 20 ${best.toFixed(2)} ms`);
  return best;
}

if (import.meta.url === `file://${process.argv[1]}`) runValidateBench(console.log);
