/** Every fuzz target, in the order `npm run fuzz` runs them. */
import { erase, type AnyTarget } from '../target.js';
import { configTarget, dtbTarget, dtsTarget } from './dts.js';
import { mmioTargets, sbiTarget, shellTarget } from './runtime.js';

export function allTargets(): AnyTarget[] {
  return [erase(dtsTarget()), erase(dtbTarget()), erase(configTarget()), erase(shellTarget()), erase(sbiTarget()), ...mmioTargets().map(erase)];
}
