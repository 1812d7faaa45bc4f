/**
 * Guest console output as `tsvisor boot` prints it: whole lines prefixed by their vserial (`[guest0/uart0] ...`),
 * and the console bound to the terminal (`vserial bind`) raw, byte for byte, so a prompt without a newline (U-Boot's
 * `=> `) shows at once. Linear in the output: only new bytes are searched for a newline, and a partial line is
 * printed as a line once it reaches PARTIAL_LINE_BYTES.
 */

/** A guest console line without a newline is printed as a line once it is this long (4 KiB). */
export const PARTIAL_LINE_BYTES = 4096;

export class ConsoleLines {
  private readonly partial = new Map<string, string>();
  /** The vserial printed raw, if one is bound. */
  bound: string | undefined;

  /** Text to print for `bytes` from `vserial`. */
  feed(vserial: string, bytes: Uint8Array): string {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    if (vserial === this.bound) return text;
    let out = '';
    let head = this.partial.get(vserial) ?? '';
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      out += line(vserial, head + text.slice(from, nl));
      head = '';
      from = nl + 1;
    }
    let rest = from === 0 ? head + text : text.slice(from);
    while (rest.length >= PARTIAL_LINE_BYTES) {
      out += line(vserial, rest.slice(0, PARTIAL_LINE_BYTES));
      rest = rest.slice(PARTIAL_LINE_BYTES);
    }
    this.partial.set(vserial, rest);
    return out;
  }

  /** The partial line of one vserial (when it is bound, so its text so far shows before the raw bytes). */
  take(vserial: string): string {
    const rest = this.partial.get(vserial) ?? '';
    this.partial.delete(vserial);
    return rest;
  }

  /** Every partial line, as lines (at the end of a session). */
  flush(): string {
    let out = '';
    for (const [vserial, text] of this.partial) if (text) out += line(vserial, text);
    this.partial.clear();
    return out;
  }
}

const line = (vserial: string, text: string): string => `[${vserial}] ${text.replace(/\r$/, '')}\n`;
