/**
 * GDB's remote serial protocol, the framing: `$payload#cc` packets with a modulo-256 checksum, `+`/`-`
 * acknowledgements (until QStartNoAckMode), and the out-of-band interrupt byte 0x03 (Ctrl-C).
 */

/** What a stream of bytes from GDB holds, in order. */
export type RspEvent =
  | { readonly kind: 'packet'; readonly payload: Buffer }
  /** A packet whose checksum is wrong: answer `-` so that GDB sends it again. */
  | { readonly kind: 'bad' }
  | { readonly kind: 'interrupt' };

/** Longest packet accepted (GDB is told PacketSize; a longer one is a broken client, dropped). */
export const MAX_PACKET = 0x4000;

/** Splits GDB's byte stream into events; bytes may arrive in any pieces. */
export class RspReader {
  private inPacket = false;
  private readonly body: number[] = [];
  /** Checksum digits still to read (2, 1, then 0 when the packet is complete). */
  private checksumLeft = 0;
  private checksumText = '';

  /** Feed bytes; returns the events they complete. */
  push(bytes: Uint8Array): RspEvent[] {
    const events: RspEvent[] = [];
    for (const b of bytes) {
      if (this.checksumLeft > 0) {
        this.checksumText += String.fromCharCode(b);
        if (--this.checksumLeft === 0) {
          const payload = Buffer.from(this.body);
          const ok = parseInt(this.checksumText, 16) === checksum(payload);
          events.push(ok ? { kind: 'packet', payload } : { kind: 'bad' });
          this.body.length = 0;
        }
      } else if (this.inPacket) {
        if (b === 0x23 /* # */) {
          this.inPacket = false;
          this.checksumLeft = 2;
          this.checksumText = '';
        } else if (this.body.length < MAX_PACKET) this.body.push(b);
        else { this.inPacket = false; this.body.length = 0; events.push({ kind: 'bad' }); }
      } else if (b === 0x24 /* $ */) {
        this.inPacket = true;
        this.body.length = 0;
      } else if (b === 0x03) events.push({ kind: 'interrupt' });
      // '+', '-' and noise between packets: nothing to do (this side never resends).
    }
    return events;
  }
}

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

/** A packet ready to send: `$payload#cc`, with `$`, `#`, `}` and `*` escaped in the payload. */
export function frame(payload: string | Uint8Array): Buffer {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const escaped: number[] = [];
  for (const b of raw) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) escaped.push(0x7d, b ^ 0x20);
    else escaped.push(b);
  }
  const body = Buffer.from(escaped);
  return Buffer.concat([Buffer.from('$'), body, Buffer.from(`#${checksum(body).toString(16).padStart(2, '0')}`)]);
}

/** The binary data of an `X` packet: `}` escapes the next byte (xor 0x20). */
export function unescapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  let escaped = false;
  for (const b of data) {
    if (escaped) out.push(b ^ 0x20);
    else if (b !== 0x7d) out.push(b);
    escaped = !escaped && b === 0x7d;
  }
  if (escaped) out.push(0x7d); // a } that ends the data escapes nothing
  return Buffer.from(out);
}

/** Bytes as lowercase hex. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Hex text as bytes, or undefined when it is not an even number of hex digits. */
export function fromHex(text: string): Buffer | undefined {
  return /^([0-9a-fA-F]{2})*$/.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Text as hex (qThreadExtraInfo, qRcmd output). */
export const textToHex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
