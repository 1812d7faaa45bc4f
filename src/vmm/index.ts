/**
 * The runtime's parts (`tsvisor/vmm`), for users who drive them one by one: configuration from trees (validate,
 * guest loads, the typed configs), the hypervisor and its shell, and the single-guest run loop with its sessions.
 * The package's main entry (`tsvisor`) has the same things behind defaults.
 */
// The device-tree toolchain's optional parts, where they cannot load on first use (dts/preload.ts).
import '../dts/preload.js';
export { Hypervisor, type BoardOptions, type HypervisorOptions, type GuestRecord, type OpResult, type VcpuRow } from './hypervisor.js';
export { Shell, splitCommands, VERSION_TEXT, type ShellAction, type ShellResult } from './shell.js';
export { runBootcmd, type BootcmdResult } from './bootcmd.js';
export {
  runImage as runGuest, RunSession,
  type RunControl, type RunImageOptions, type RunImageResult,
} from './run-image.js';
export { hostFiles } from './host-files.js';
export { validate as validateConfig, isGuestTree, type ConfigFile, type Validation } from './config/validate.js';
export { readBoard, readGuest, validateFiles, type BoardRead, type GuestRead, type FilesValidation } from './config/read-config.js';
export { loadGuestFile, type GuestFileOptions } from './config/guest-file.js';
export { guestFdtLoad, type GuestLoadResult } from './config/guest-load.js';
export { buildGuest } from './config/guest.js';
export { ConfigError } from './config/config-error.js';
export type { GuestConfig, HostConfig, RegionConfig, VcpuConfig, HostCpu, MemoryBank } from './config/types.js';
export { buildDevice, EMULATORS, findEmulator, type EmulatorInfo } from '../devices/registry.js';
