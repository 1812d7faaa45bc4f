/**
 * Running a board's /chosen/bootcmd through the management shell, one command a string (`;` separating more), as
 * Xvisor does at boot. A failing command does not stop the ones after it (Xvisor's rule too).
 */
import type { Hypervisor } from './hypervisor.js';
import { splitCommands, type Shell } from './shell.js';

export interface BootcmdResult {
  /** Every command run, with what it printed and whether it succeeded. */
  readonly commands: readonly { readonly command: string; readonly ok: boolean; readonly lines: readonly string[] }[];
  /** A command asked the hypervisor to stop (`shutdown`). */
  readonly shutdown: boolean;
}

export function runBootcmd(hv: Hypervisor, shell: Shell, print: (line: string) => void = () => {}): BootcmdResult {
  const commands: { command: string; ok: boolean; lines: string[] }[] = [];
  let shutdown = false;
  for (const line of hv.host.bootcmd) {
    for (const command of splitCommands(line)) {
      const r = shell.execute(command);
      const lines = [...r.lines];
      if (r.action?.kind === 'shutdown') shutdown = true;
      // Waiting or binding a console needs a prompt to come back to: there is none at boot.
      else if (r.action) lines.push(`bootcmd: ${command}: ${r.action.kind} works at the prompt, not in /chosen/bootcmd`);
      for (const l of lines) print(l);
      commands.push({ command, ok: r.ok, lines });
    }
  }
  return { commands, shutdown };
}
