/** The slotted mailbox: round trips, ordering, and every edge (full, oversized, wrong slot) losing nothing. */
import { describe, expect, it } from 'vitest';
import { SlotState, SlottedMailbox } from '../../src/sched/mailbox.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('slotted mailbox', () => {
  it('carries a message and its response through one slot', () => {
    const mb = new SlottedMailbox({ slots: 2, maxMessage: 8, maxResponse: 4 });
    const posted = mb.post(7, bytes(1, 2, 3));
    expect(posted).toEqual({ ok: true, slot: 0 });
    expect(mb.collect(0)).toBeUndefined(); // not answered yet
    const m = mb.take()!;
    expect(m).toEqual({ slot: 0, kind: 7, payload: bytes(1, 2, 3) });
    expect(mb.take()).toBeUndefined();
    expect(mb.answer(0, 0, bytes(9))).toEqual({ ok: true });
    expect(mb.collect(0)).toEqual({ status: 0, payload: bytes(9) });
    expect(mb.state(0)).toBe(SlotState.Free);
    expect(mb.collect(0)).toBeUndefined(); // collected once only
  });

  it('hands out messages oldest first, whatever slots they landed in', () => {
    const mb = new SlottedMailbox({ slots: 3, maxMessage: 1, maxResponse: 0 });
    mb.post(1); mb.post(2); mb.post(3);
    const first = mb.take()!;
    mb.answer(first.slot, 0);
    mb.collect(first.slot);
    mb.post(4); // reuses slot 0, but is the newest
    expect([mb.take()!.kind, mb.take()!.kind, mb.take()!.kind]).toEqual([2, 3, 4]);
  });

  it('refuses a message when every slot is in use, and accepts it again once one is collected', () => {
    const mb = new SlottedMailbox({ slots: 2, maxMessage: 4, maxResponse: 4 });
    mb.post(1, bytes(1)); mb.post(2, bytes(2));
    const full = mb.post(3, bytes(3));
    expect(full).toMatchObject({ ok: false, error: { kind: 'full' } });
    expect(mb.outstanding).toBe(2);
    const m = mb.take()!;
    mb.answer(m.slot, 0);
    expect(mb.post(3, bytes(3))).toMatchObject({ ok: false }); // answered but not collected: still in use
    mb.collect(m.slot);
    expect(mb.post(3, bytes(3))).toEqual({ ok: true, slot: m.slot });
    // Nothing was lost: the two remaining messages come out intact, in order.
    expect(mb.take()).toEqual({ slot: 1, kind: 2, payload: bytes(2) });
    expect(mb.take()).toEqual({ slot: 0, kind: 3, payload: bytes(3) });
  });

  it('refuses oversized messages and responses without touching the slot', () => {
    const mb = new SlottedMailbox({ slots: 1, maxMessage: 4, maxResponse: 2 });
    expect(mb.post(1, new Uint8Array(5))).toMatchObject({ ok: false, error: { kind: 'too-large' } });
    expect(mb.state(0)).toBe(SlotState.Free);
    expect(mb.post(1, new Uint8Array(4))).toEqual({ ok: true, slot: 0 }); // exactly the largest fits
    mb.take();
    expect(mb.answer(0, 0, new Uint8Array(3))).toMatchObject({ ok: false, error: { kind: 'too-large' } });
    expect(mb.state(0)).toBe(SlotState.Taken);
    expect(mb.answer(0, 5, new Uint8Array(2))).toEqual({ ok: true });
    expect(mb.collect(0)).toEqual({ status: 5, payload: new Uint8Array(2) });
  });

  it('refuses answers to slots that hold no message being handled', () => {
    const mb = new SlottedMailbox({ slots: 2, maxMessage: 0, maxResponse: 0 });
    expect(mb.answer(0, 0)).toMatchObject({ ok: false, error: { kind: 'bad-slot' } }); // free
    mb.post(1);
    expect(mb.answer(0, 0)).toMatchObject({ ok: false, error: { kind: 'bad-slot' } }); // posted, not taken
    expect(mb.answer(2, 0)).toMatchObject({ ok: false, error: { kind: 'bad-slot' } }); // out of range
    expect(mb.answer(-1, 0)).toMatchObject({ ok: false });
    expect(mb.collect(9)).toBeUndefined();
    mb.take();
    expect(mb.answer(0, 0)).toEqual({ ok: true });
    expect(mb.answer(0, 0)).toMatchObject({ ok: false }); // answered twice
  });

  it('lives in one buffer sized slots × (header + largest message + largest response)', () => {
    const mb = new SlottedMailbox({ slots: 4, maxMessage: 30, maxResponse: 10 });
    expect(mb.buffer.byteLength).toBe(4 * (24 + 32 + 12));
    expect(() => new SlottedMailbox({ slots: 0, maxMessage: 1, maxResponse: 1 })).toThrow(RangeError);
    expect(() => new SlottedMailbox({ slots: 1, maxMessage: -1, maxResponse: 1 })).toThrow(RangeError);
  });
});
