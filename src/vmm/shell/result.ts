/** What a shell command gives back, and the helpers every command module formats its output with. */

/** Something the terminal must do after a command, which the shell itself cannot (it has no clock or stdin). */
export type ShellAction =
  /** `sleep`: run the guests this many ns of virtual time before the next command. */
  | { readonly kind: 'sleep'; readonly ns: number }
  /** `shutdown`/`exit`: stop the hypervisor. */
  | { readonly kind: 'shutdown' }
  /** `vserial bind`: the terminal's keys go to this guest console until ESC x q. */
  | { readonly kind: 'bind'; readonly vserial: string; readonly guest: string }
  /** `vcpu monitor`: the terminal redraws the monitor's screen (`Shell.monitorScreen`) every second until `q`. */
  | { readonly kind: 'monitor' }
  /** `guest migrate`: move the guest live to the tsvisor at host:port (the guests run meanwhile). */
  | { readonly kind: 'migrate'; readonly guest: string; readonly host: string; readonly port: number }
  /** `guest incoming`: wait on host:port for a migrated guest (as `name`, or its own), commands held until it runs. */
  | { readonly kind: 'incoming'; readonly host: string; readonly port: number; readonly name: string | undefined };

export interface ShellResult {
  readonly lines: string[];
  readonly ok: boolean;
  readonly action?: ShellAction;
}

/** Xvisor's table rule: 79 dashes. */
export const RULE = '-'.repeat(79);
export const pad = (s: string | number, n: number): string => String(s).padEnd(n);
export const hex16 = (v: number): string => `0x${v.toString(16).padStart(16, '0')}`;
export const ok = (lines: string[]): ShellResult => ({ lines, ok: true });
export const fail = (lines: string[]): ShellResult => ({ lines, ok: false });
