/**
 * Keys typed into a console on the page, on their way to the guest: a few bytes per step of the guests, as the
 * shell's bound console gives them, so a UART's receive FIFO never overruns; bounded, so a flood of keys cannot
 * grow memory while a guest is paused.
 */

/** Bytes given to one vserial per step (a 16550's FIFO holds 16). */
export const BYTES_PER_STEP = 8;
/** Bytes waiting per vserial at most; more are dropped, as a full FIFO drops them. */
export const MAX_PENDING = 4096;

export class TypedInput {
  private readonly pending = new Map<string, number[]>();

  /** Queue bytes for a vserial; false if some were dropped. */
  push(vserial: string, bytes: Uint8Array): boolean {
    let q = this.pending.get(vserial);
    if (!q) this.pending.set(vserial, (q = []));
    const room = Math.max(0, MAX_PENDING - q.length);
    for (let i = 0; i < Math.min(room, bytes.length); i++) q.push(bytes[i]!);
    return bytes.length <= room;
  }

  /** Give each vserial its share for this step through `deliver`; a vserial that is gone loses its queue. */
  flush(deliver: (vserial: string, byte: number) => boolean): void {
    for (const [vserial, q] of this.pending) {
      for (let i = 0; i < BYTES_PER_STEP && q.length > 0; i++) {
        if (!deliver(vserial, q.shift()!)) {
          q.length = 0;
          break;
        }
      }
      if (q.length === 0) this.pending.delete(vserial);
    }
  }
}
