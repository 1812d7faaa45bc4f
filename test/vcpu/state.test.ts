/** Every cell of Xvisor's VCPU state table (REFERENCE.md §5), the resume/pause race, and state-time accounting. */
import { describe, expect, it } from 'vitest';
import { VcpuState as S, VcpuStateMachine, STATE_NAMES, decide, type VcpuState } from '../../src/vcpu/state.js';

const ALL: VcpuState[] = [S.Unknown, S.Reset, S.Ready, S.Running, S.Paused, S.Halted];

/** Expected outcome per request (row) and current state (column): ok(effect), nop or invalid. */
const TABLE: Record<string, Record<string, string>> = {
  Unknown: { Unknown: 'nop', Reset: 'ok:destroy', Ready: 'ok:destroy', Running: 'ok:destroy', Paused: 'ok:destroy', Halted: 'ok:destroy' },
  Reset: { Unknown: 'ok:create', Reset: 'nop', Ready: 'ok:dequeue', Running: 'ok:preempt', Paused: 'ok:none', Halted: 'ok:none' },
  Ready: { Unknown: 'invalid', Reset: 'ok:enqueue', Ready: 'nop', Running: 'nop', Paused: 'ok:enqueue', Halted: 'invalid' },
  Running: { Unknown: 'invalid', Reset: 'invalid', Ready: 'invalid', Running: 'invalid', Paused: 'invalid', Halted: 'invalid' },
  Paused: { Unknown: 'invalid', Reset: 'invalid', Ready: 'ok:dequeue', Running: 'ok:preempt', Paused: 'nop', Halted: 'invalid' },
  Halted: { Unknown: 'invalid', Reset: 'invalid', Ready: 'ok:dequeue', Running: 'ok:preempt', Paused: 'invalid', Halted: 'invalid' },
};

/** A machine in state `s`, reached through legal steps. */
function at(s: VcpuState): VcpuStateMachine {
  const m = new VcpuStateMachine();
  const path: Record<VcpuState, (() => unknown)[]> = {
    [S.Unknown]: [],
    [S.Reset]: [() => m.request(S.Reset)],
    [S.Ready]: [() => m.request(S.Reset), () => m.request(S.Ready)],
    [S.Running]: [() => m.request(S.Reset), () => m.request(S.Ready), () => m.switchIn()],
    [S.Paused]: [() => m.request(S.Reset), () => m.request(S.Ready), () => m.request(S.Paused)],
    [S.Halted]: [() => m.request(S.Reset), () => m.request(S.Ready), () => m.request(S.Halted)],
  };
  for (const step of path[s]) step();
  expect(m.state).toBe(s);
  return m;
}

describe('VCPU state table', () => {
  for (const to of ALL) {
    for (const from of ALL) {
      const expected = TABLE[STATE_NAMES[to]]![STATE_NAMES[from]]!;
      it(`request ${STATE_NAMES[to]} in ${STATE_NAMES[from]}: ${expected}`, () => {
        const m = at(from);
        const t = m.request(to);
        if (expected === 'invalid') {
          expect(t.ok).toBe(false);
          expect(m.state).toBe(from);
        } else if (expected === 'nop') {
          expect(t).toMatchObject({ ok: true, changed: false });
          expect(m.state).toBe(from);
        } else {
          expect(t).toEqual({ ok: true, changed: true, effect: expected.slice(3) });
          expect(m.state).toBe(to);
        }
        expect(decide(from, to).ok).toBe(expected !== 'invalid');
      });
    }
  }

  it('only the scheduler moves a VCPU into and out of Running', () => {
    const m = at(S.Reset);
    expect(m.switchIn()).toBe(false);
    m.request(S.Ready);
    expect(m.switchIn()).toBe(true);
    expect(m.state).toBe(S.Running);
    expect(m.switchOut()).toBe(true);
    expect(m.state).toBe(S.Ready);
    expect(m.switchOut()).toBe(false);
  });
});

describe('a resume racing a pause', () => {
  it('a resume while Running cancels the next pause, so a WFI wake-up is not lost', () => {
    const m = at(S.Running);
    expect(m.request(S.Ready)).toMatchObject({ ok: true, changed: false });
    expect(m.resumed).toBe(true);
    expect(m.request(S.Paused)).toMatchObject({ ok: true, changed: false });
    expect(m.state).toBe(S.Running);
    expect(m.resumed).toBe(false);
    // Without a racing resume the pause takes effect.
    expect(m.request(S.Paused)).toEqual({ ok: true, changed: true, effect: 'preempt' });
    expect(m.state).toBe(S.Paused);
  });

  it('the resumed mark does not outlive the run it was set in', () => {
    const m = at(S.Running);
    m.request(S.Ready);
    m.switchOut();
    m.switchIn();
    expect(m.resumed).toBe(false);
  });
});

describe('state times and resets', () => {
  it('accounts time per state and zeroes it on reset, counting resets', () => {
    const m = new VcpuStateMachine();
    m.request(S.Reset, 0);
    m.request(S.Ready, 10);
    m.switchIn(15);
    m.switchOut(40);
    m.request(S.Paused, 45);
    expect(m.times[S.Reset]).toBe(10);
    expect(m.times[S.Ready]).toBe(5 + 5);
    expect(m.times[S.Running]).toBe(25);
    expect(m.resetCount).toBe(1);
    m.request(S.Reset, 100);
    expect(m.resetCount).toBe(2);
    expect(Object.values(m.times).every((t) => t === 0)).toBe(true);
    m.request(S.Ready, 130);
    expect(m.times[S.Reset]).toBe(30);
  });
});
