/**
 * tsvisor as a library (`import ... from 'tsvisor'`): the entry points with defaults for everything a user need
 * not choose. `compile` a device tree, `validate` configuration files, boot a board with `Hypervisor.fromBoard`,
 * or run one guest image with `runImage`. The DTS toolchain in full is `tsvisor/dts`; the runtime's parts (the
 * scheduler-level run loop, the configuration steps one by one) are `tsvisor/vmm`.
 */
import { VERSION_TEXT } from './vmm/shell.js';
// The device-tree toolchain's optional parts, where they cannot load on first use (dts/preload.ts).
import './dts/preload.js';

export { compile, type CompileOptions, type Compiled } from './api/compile.js';
export { validate, type ValidateOptions, type ValidationReport } from './api/validate.js';
export { runImage, DEFAULT_TIMEOUT_SECONDS, type RunOptions, type RunResult } from './api/run-image.js';
export { Hypervisor, type BoardOptions, type HypervisorOptions, type GuestRecord, type OpResult, type VcpuRow } from './vmm/hypervisor.js';
export { Shell, type ShellAction, type ShellResult } from './vmm/shell.js';
export { ConfigError } from './vmm/config/config-error.js';
export type { Diagnostic, Severity } from './dts/diagnostics.js';
export type { DeviceTree } from './dts/tree.js';
export type { GuestConfig, HostConfig, RegionConfig, VcpuConfig } from './vmm/config/types.js';

/** The package's version (`tsvisor --version` prints it too). */
export const VERSION: string = VERSION_TEXT.split(' ')[1] ?? '0.0.0';
