/** The web view's pieces that need no server: the bounded timeline, typed keys, and what the page may send. */
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/sched/scheduler.js';
import { Timeline } from '../../src/web/timeline.js';
import { BYTES_PER_STEP, MAX_PENDING, TypedInput } from '../../src/web/typed-input.js';
import { parseClientMessage } from '../../src/web/protocol.js';

const run = (cpu: number, task: string, start: number, end: number): TraceEvent => ({ type: 'run', cpu, task, start, end, work: end - start });

describe('Timeline', () => {
  it('takes the runs out of the scheduler trace, merges a task running on, and keeps only its window', () => {
    const t = new Timeline(10, 1000);
    const trace: TraceEvent[] = [run(0, 'g0/vcpu0', 0, 1), run(0, 'g0/vcpu0', 1, 2), run(1, 'g1/vcpu0', 0, 2), { type: 'idle', cpu: 2, start: 0, end: 2 }];
    t.take(trace, false, 2);
    expect(trace).toEqual([]); // taken: the scheduler's trace does not grow
    expect(t.view(2)).toEqual({ start: 0, end: 2, tasks: ['g0/vcpu0', 'g1/vcpu0'], runs: [[0, 0, 0, 2], [1, 1, 0, 2]] });
    trace.push(run(0, 'g1/vcpu0', 2, 30));
    t.take(trace, false, 30);
    expect(t.view(30)).toEqual({ start: 20, end: 30, tasks: ['g1/vcpu0'], runs: [[0, 0, 20, 30]] });
    expect(t.size).toBe(1);
  });

  it('copies the events when the whole trace is kept for --trace FILE, reading each once', () => {
    const t = new Timeline(100, 1000);
    const trace: TraceEvent[] = [run(0, 'a/v', 0, 5)];
    t.take(trace, true, 5);
    trace.push(run(0, 'b/v', 5, 9));
    t.take(trace, true, 9);
    expect(trace).toHaveLength(2);
    expect(t.view(9).runs).toEqual([[0, 0, 0, 5], [0, 1, 5, 9]]);
  });

  it('keeps at most its count of runs, however fast tasks switch', () => {
    const t = new Timeline(1e12, 50);
    const trace: TraceEvent[] = [];
    for (let i = 0; i < 1000; i++) trace.push(run(0, i % 2 ? 'a/v' : 'b/v', i, i + 1));
    t.take(trace, false, 1000);
    expect(t.size).toBe(50);
    expect(t.view(1000).runs[0]).toEqual([0, 0, 950, 951]);
  });
});

describe('TypedInput', () => {
  it('gives a few bytes per step, drops past its bound, and forgets a vserial that is gone', () => {
    const q = new TypedInput();
    expect(q.push('g/uart0', new Uint8Array(20).fill(65))).toBe(true);
    const got: number[] = [];
    q.flush((_v, b) => { got.push(b); return true; });
    expect(got).toHaveLength(BYTES_PER_STEP);
    expect(q.push('g/uart0', new Uint8Array(MAX_PENDING))).toBe(false);
    let calls = 0;
    q.flush(() => { calls++; return false; });
    expect(calls).toBe(1);
    q.flush(() => { calls++; return true; });
    expect(calls).toBe(1);
  });
});

describe('parseClientMessage', () => {
  it('accepts typed keys and the six guest operations, and says what is wrong with anything else', () => {
    expect(parseClientMessage('{"type":"input","vserial":"g/uart0","data":"x"}')).toEqual({ type: 'input', vserial: 'g/uart0', data: 'x' });
    expect(parseClientMessage('{"type":"op","id":3,"op":"pause","guest":"guest0"}')).toEqual({ type: 'op', id: 3, op: 'pause', guest: 'guest0' });
    expect(parseClientMessage('{"type":"op","op":"shutdown","guest":"guest0"}')).toMatch(/^op must be one of kick, pause/);
    expect(parseClientMessage('{"type":"op","op":"kick","guest":"g; shutdown"}')).toBe('op needs a guest name');
    expect(parseClientMessage('{"type":"input","vserial":1}')).toBe('input needs vserial and data strings');
    expect(parseClientMessage('nope')).toBe('not JSON');
    expect(parseClientMessage('null')).toBe('not an object');
    expect(parseClientMessage('[]')).toBe('type must be input or op');
  });
});

describe('the page', () => {
  it('is well-formed: its script parses, and the loopback check knows this machine from others', async () => {
    const { Script } = await import('node:vm');
    const { PAGE_SCRIPT } = await import('../../src/web/page-script.js');
    expect(() => new Script(PAGE_SCRIPT)).not.toThrow();
    const { isLoopback } = await import('../../src/web/server.js');
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '192.0.2.1', '127.0.0.1.example'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});
