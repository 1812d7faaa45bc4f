/** Tasks and task sets: the fixed taxonomy, guest task sets led by their VM task, and the shared task-set area. */
import { describe, expect, it } from 'vitest';
import { Supervisor } from '../../src/sched/supervisor.js';
import type { TaskBody } from '../../src/sched/task.js';

const spin: TaskBody = (budget) => ({ work: budget, next: 'yield' });

describe('supervisor', () => {
  it('starts with exactly one supervisor, memory manager and device manager, each alone in its set', () => {
    const s = new Supervisor();
    const kinds = s.allTasks().map((t) => t.kind);
    expect(kinds).toEqual(['supervisor', 'memory-manager', 'device-manager']);
    for (const t of s.allTasks()) expect(t.taskSet.members).toEqual([t]);
  });

  it('creates a guest task set led by its VM control task, with one VCPU task per VCPU in order', () => {
    const s = new Supervisor();
    const set = s.createGuest('guest0', spin, [
      { name: 'guest0/vcpu0', body: spin, priority: 5, affinity: [0, 1] },
      { name: 'guest0/vcpu1', body: spin },
    ]);
    expect(set.leader!.kind).toBe('vm');
    expect(set.members.map((t) => [t.kind, t.name])).toEqual([
      ['vm', 'guest0/vm'], ['vcpu', 'guest0/vcpu0'], ['vcpu', 'guest0/vcpu1'],
    ]);
    expect(set.members[1]!.priority).toBe(5);
    expect(set.members[1]!.affinity).toEqual([0, 1]);
    // Descriptors are minimal and distinct.
    const ids = s.allTasks().map((t) => t.descriptor.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(set.members[1]!.descriptor).sort()).toEqual(['addressSpaceRoot', 'affineTask', 'id', 'stack']);
    expect(() => s.createGuest('guest0', spin, [])).toThrow(/already exists/);
  });

  it('destroys a guest task set and only that', () => {
    const s = new Supervisor();
    const g0 = s.createGuest('g0', spin, [{ name: 'g0/vcpu0', body: spin }]);
    s.createGuest('g1', spin, [{ name: 'g1/vcpu0', body: spin }]);
    s.destroyGuest(g0);
    expect(s.allTasks().map((t) => t.name)).toEqual(['supervisor', 'memory-manager', 'device-manager', 'g1/vm', 'g1/vcpu0']);
    expect(() => s.destroyGuest(g0)).toThrow(/not a guest task set/);
    expect(() => s.destroyGuest(s.orphans)).toThrow(/not a guest task set/);
  });

  it('orphans are hypervisor threads in one set', () => {
    const s = new Supervisor();
    const idle = s.createOrphan('idle/0', spin, 0, [0]);
    const mterm = s.createOrphan('mterm', spin, 3);
    expect(s.orphans.members).toEqual([idle, mterm]);
    expect(idle.kind).toBe('orphan');
  });
});

describe('task-set area', () => {
  it('carries posted interrupts between members of a set', () => {
    const s = new Supervisor();
    const set = s.createGuest('g', spin, [{ name: 'g/vcpu0', body: spin }, { name: 'g/vcpu1', body: spin }]);
    set.postInterrupt(2, 0x2);
    set.postInterrupt(2, 0x20);
    expect(set.takeInterrupts(1)).toBe(0);
    expect(set.takeInterrupts(2)).toBe(0x22);
    expect(set.takeInterrupts(2)).toBe(0);
    expect(() => set.postInterrupt(3, 1)).toThrow(RangeError);
  });
});
