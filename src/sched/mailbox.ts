/**
 * Hypatia's slotted mailbox: a fixed array of slots in one mappable buffer, each big enough for the largest message
 * and its response. A sender posts into a free slot and later collects the response from the same slot; the
 * receiving task takes posted messages oldest first and answers each in place. Nothing is ever dropped: a full
 * mailbox or an oversized message is refused with an error and the sender keeps its message.
 *
 * Slot layout (little-endian words): state, sequence, kind, length, status, response length, then the message
 * bytes and the response bytes.
 */

export const SlotState = { Free: 0, Posted: 1, Taken: 2, Answered: 3 } as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

const HEADER_WORDS = 6;
const W_STATE = 0, W_SEQ = 1, W_KIND = 2, W_LEN = 3, W_STATUS = 4, W_RLEN = 5;

export interface MailboxShape {
  /** Number of slots: how many messages may be outstanding at once. */
  readonly slots: number;
  /** Largest message payload, in bytes. */
  readonly maxMessage: number;
  /** Largest response payload, in bytes. */
  readonly maxResponse: number;
}

export type MailboxError =
  | { readonly kind: 'full'; readonly message: string }
  | { readonly kind: 'too-large'; readonly message: string }
  | { readonly kind: 'bad-slot'; readonly message: string };

export type PostResult = { readonly ok: true; readonly slot: number } | { readonly ok: false; readonly error: MailboxError };
export type AnswerResult = { readonly ok: true } | { readonly ok: false; readonly error: MailboxError };

export interface Message {
  readonly slot: number;
  readonly kind: number;
  readonly payload: Uint8Array;
}

export interface Response {
  readonly status: number;
  readonly payload: Uint8Array;
}

/** What a traced mailbox reports. */
export interface MailboxEvent {
  readonly op: 'post' | 'take' | 'answer' | 'collect';
  readonly slot: number;
  readonly kind: number;
}

export class SlottedMailbox {
  /** Called for every message operation when set (the scheduler's trace hooks in here). */
  onEvent: ((event: MailboxEvent) => void) | undefined;
  /** The mailbox memory (what a task would map). */
  readonly buffer: ArrayBuffer;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly slotBytes: number;
  private sequence = 0;

  constructor(readonly shape: MailboxShape) {
    for (const [name, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 0 || (name === 'slots' && v === 0)) throw new RangeError(`mailbox ${name} must be a positive integer`);
    }
    // Slots are word aligned so the header words can be read in place.
    this.slotBytes = 4 * HEADER_WORDS + align4(shape.maxMessage) + align4(shape.maxResponse);
    this.buffer = new ArrayBuffer(this.slotBytes * shape.slots);
    this.words = new Int32Array(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  private word(slot: number, w: number): number {
    return this.words[(slot * this.slotBytes) / 4 + w]!;
  }

  private setWord(slot: number, w: number, v: number): void {
    this.words[(slot * this.slotBytes) / 4 + w] = v;
  }

  state(slot: number): SlotState {
    return this.word(slot, W_STATE) as SlotState;
  }

  /** Slots not free. */
  get outstanding(): number {
    let n = 0;
    for (let s = 0; s < this.shape.slots; s++) if (this.state(s) !== SlotState.Free) n++;
    return n;
  }

  /** Post a message; the slot number is the sender's ticket for its response. */
  post(kind: number, payload: Uint8Array = new Uint8Array(0)): PostResult {
    if (payload.length > this.shape.maxMessage) {
      return { ok: false, error: { kind: 'too-large', message: `message of ${payload.length} bytes exceeds the mailbox's ${this.shape.maxMessage}-byte slots` } };
    }
    for (let s = 0; s < this.shape.slots; s++) {
      if (this.state(s) !== SlotState.Free) continue;
      this.setWord(s, W_SEQ, ++this.sequence);
      this.setWord(s, W_KIND, kind);
      this.setWord(s, W_LEN, payload.length);
      this.bytes.set(payload, s * this.slotBytes + 4 * HEADER_WORDS);
      this.setWord(s, W_STATE, SlotState.Posted);
      this.onEvent?.({ op: 'post', slot: s, kind });
      return { ok: true, slot: s };
    }
    return { ok: false, error: { kind: 'full', message: `mailbox full: all ${this.shape.slots} slots hold messages not yet collected` } };
  }

  /** The receiver takes the oldest posted message, or undefined when none is waiting. */
  take(): Message | undefined {
    let best = -1;
    for (let s = 0; s < this.shape.slots; s++) {
      if (this.state(s) === SlotState.Posted && (best < 0 || this.word(s, W_SEQ) - this.word(best, W_SEQ) < 0)) best = s;
    }
    if (best < 0) return undefined;
    this.setWord(best, W_STATE, SlotState.Taken);
    this.onEvent?.({ op: 'take', slot: best, kind: this.word(best, W_KIND) });
    const start = best * this.slotBytes + 4 * HEADER_WORDS;
    return { slot: best, kind: this.word(best, W_KIND), payload: this.bytes.slice(start, start + this.word(best, W_LEN)) };
  }

  /** The receiver answers a message it took. */
  answer(slot: number, status: number, payload: Uint8Array = new Uint8Array(0)): AnswerResult {
    if (!this.valid(slot) || this.state(slot) !== SlotState.Taken) {
      return { ok: false, error: { kind: 'bad-slot', message: `slot ${slot} holds no message being handled` } };
    }
    if (payload.length > this.shape.maxResponse) {
      return { ok: false, error: { kind: 'too-large', message: `response of ${payload.length} bytes exceeds the mailbox's ${this.shape.maxResponse}-byte responses` } };
    }
    this.setWord(slot, W_STATUS, status);
    this.setWord(slot, W_RLEN, payload.length);
    this.bytes.set(payload, slot * this.slotBytes + 4 * HEADER_WORDS + align4(this.shape.maxMessage));
    this.setWord(slot, W_STATE, SlotState.Answered);
    this.onEvent?.({ op: 'answer', slot, kind: this.word(slot, W_KIND) });
    return { ok: true };
  }

  /** The sender collects its response and frees the slot; undefined while it is not answered yet. */
  collect(slot: number): Response | undefined {
    if (!this.valid(slot) || this.state(slot) !== SlotState.Answered) return undefined;
    const start = slot * this.slotBytes + 4 * HEADER_WORDS + align4(this.shape.maxMessage);
    const response = { status: this.word(slot, W_STATUS), payload: this.bytes.slice(start, start + this.word(slot, W_RLEN)) };
    this.setWord(slot, W_STATE, SlotState.Free);
    this.onEvent?.({ op: 'collect', slot, kind: this.word(slot, W_KIND) });
    return response;
  }

  private valid(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.shape.slots;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;
