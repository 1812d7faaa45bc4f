/**
 * Keys typed into a bound guest console: passed through as they come, except ESC x q (Xvisor's way out) and
 * Ctrl-C, which leave the console. A prefix of ESC x q is held back until the next key shows whether it is one.
 */
const LEAVE = [0x1b, 0x78, 0x71]; // ESC x q
const CTRL_C = 0x03;

export class BoundKeys {
  /** How much of ESC x q has been typed. */
  private matched = 0;

  /** The bytes for the guest, and whether the user asked to leave (bytes after that are dropped). */
  feed(bytes: Uint8Array): { pass: number[]; leave: boolean } {
    const pass: number[] = [];
    for (const b of bytes) {
      if (b === CTRL_C) {
        this.matched = 0;
        return { pass, leave: true };
      }
      if (b === LEAVE[this.matched]) {
        if (++this.matched === LEAVE.length) {
          this.matched = 0;
          return { pass, leave: true };
        }
        continue;
      }
      // Not the sequence after all: what was held back goes to the guest, then this key is looked at afresh.
      pass.push(...LEAVE.slice(0, this.matched));
      this.matched = 0;
      if (b === LEAVE[0]) this.matched = 1;
      else pass.push(b);
    }
    return { pass, leave: false };
  }
}
