/** The `--log` event log of `run` and `boot` (as QEMU's -d and -D): which classes, and where the lines go. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { LOG_CLASSES, type EventLog, type LogClass } from '../vmm/vcpu-loop.js';

/** `exits,sbi,mmio,irq` (or `all`) → the classes; a string is the usage error. */
export function parseLogClasses(text: string): Set<LogClass> | string {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'all') return new Set(LOG_CLASSES);
  const bad = names.find((n) => !(LOG_CLASSES as readonly string[]).includes(n));
  if (bad !== undefined || names.length === 0) return `--log: "${bad ?? text}" is not one of ${LOG_CLASSES.join(', ')}, all`;
  return new Set(names as LogClass[]);
}

/** The event log: to a file (written in 64 KiB batches), or to stderr. */
export function openEventLog(classes: Set<LogClass>, file: string | undefined, err: (s: string) => void): EventLog & { close(): void } {
  if (file === undefined) return { classes, write: err, close: () => {} };
  const fd = openSync(file, 'w');
  let pending = '';
  const drain = (): void => {
    if (pending) writeSync(fd, pending);
    pending = '';
  };
  return {
    classes,
    write: (line) => { pending += line; if (pending.length >= 65536) drain(); },
    close: () => { drain(); closeSync(fd); },
  };
}
