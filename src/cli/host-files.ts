/** Moved to src/vmm/host-files.ts (the library's Hypervisor.fromBoard needs it below the CLI); kept for the CLI's imports. */
export { hostFiles, MAX_DEVICE_FILE_BYTES, MAX_DISK_FILE_BYTES } from '../vmm/host-files.js';
