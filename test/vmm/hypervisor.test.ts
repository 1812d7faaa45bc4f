/** The hypervisor on a board: two guests created, kicked and run side by side; a misbehaving one halts alone. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { guestFdtLoad } from '../../src/vmm/config/guest-load.js';

const ROOT = join(import.meta.dirname, '../..');

function boot(): { hv: Hypervisor; out: Map<string, string> } {
  const boardPath = join(ROOT, 'boards/host.dtsi');
  const board = compileSource(readFileSync(boardPath, 'latin1'), boardPath).tree!;
  const guestPath = join(ROOT, 'guests/dts/basic.dts');
  for (const name of ['guest0', 'guest1']) {
    const r = guestFdtLoad(board, name, compileSource(readFileSync(guestPath, 'latin1'), guestPath).tree!, 1);
    expect(r.ok).toBe(true);
  }
  const v = validate([{ path: boardPath, tree: board }]);
  expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const out = new Map<string, string>();
  const hv = new Hypervisor(board, v.host!, {
    output: (name, bytes) => out.set(name, (out.get(name) ?? '') + Buffer.from(bytes).toString('latin1')),
  });
  return { hv, out };
}

describe('hypervisor', () => {
  it('creates, kicks and runs two guests; each reports through its own console', () => {
    const { hv, out } = boot();
    expect(hv.createGuest('guest0')).toEqual({ ok: true, message: 'guest0: Created' });
    expect(hv.createGuest('guest1').ok).toBe(true);
    expect(hv.createGuest('guest0')).toMatchObject({ ok: false });
    expect(hv.vcpuRows().map((r) => [r.name, r.state])).toEqual([['guest0/vcpu0', 'Reset'], ['guest1/vcpu0', 'Reset']]);
    hv.guests.get('guest0')!.instance.loadImage(readFileSync(join(ROOT, 'guests/bin/rv64m.elf')));
    hv.guests.get('guest1')!.instance.loadImage(readFileSync(join(ROOT, 'guests/bin/hello.elf')));
    expect(hv.kickGuest('guest0').message).toBe('guest0: Kicked');
    hv.kickGuest('guest1');
    expect(hv.vcpuRows().map((r) => r.state)).toEqual(['Ready', 'Ready']);
    hv.runUntil(1e9);
    expect(out.get('guest0/sbi')).toContain('PASS rv64m');
    expect(out.get('guest1/sbi')).toContain('PASS hello');
    expect(hv.lastStatus.get('guest0')).toBe(0);
    expect(hv.vcpuRows().map((r) => r.state)).toEqual(['Reset', 'Reset']); // SRST shutdown = guest reset
  });

  it('a guest running garbage halts with a reason while the other keeps running and printing', () => {
    const { hv, out } = boot();
    hv.createGuest('guest0');
    hv.createGuest('guest1');
    hv.guests.get('guest0')!.instance.loadImage(new Uint8Array(64).fill(0xff), 0x80200000);
    hv.guests.get('guest1')!.instance.loadImage(readFileSync(join(ROOT, 'guests/bin/rv64i.elf')));
    hv.kickGuest('guest0');
    hv.kickGuest('guest1');
    hv.runUntil(1e9);
    const bad = hv.guests.get('guest0')!.instance.vcpus[0]!;
    expect(hv.vcpuRows()[0]!.state).toBe('Halted');
    expect(bad.haltReason).toMatch(/endless trap loop|instruction fetch/);
    expect(out.get('guest1/sbi')).toContain('PASS rv64i');
  });

  it('pause, resume, halt, reset and destroy follow the state table; destroy releases the memory', () => {
    const { hv } = boot();
    const free = hv.freeBytes();
    hv.createGuest('guest0');
    expect(hv.freeBytes()).toBe(free - 128 * 1024 * 1024);
    expect(hv.pauseGuest('guest0')).toEqual({ ok: false, message: 'guest0: Failed to pause' }); // RESET → PAUSED is invalid
    hv.kickGuest('guest0');
    expect(hv.pauseGuest('guest0').message).toBe('guest0: Paused');
    expect(hv.resumeGuest('guest0').message).toBe('guest0: Resumed');
    expect(hv.haltGuest('guest0').message).toBe('guest0: Halted');
    expect(hv.kickGuest('guest0').ok).toBe(false); // HALTED → READY is invalid
    expect(hv.resetGuest('guest0').message).toBe('guest0: Reset');
    expect(hv.destroyGuest('guest0').message).toBe('guest0: Destroyed');
    expect(hv.freeBytes()).toBe(free);
    expect(hv.vcpuRows()).toEqual([]);
  });
});
