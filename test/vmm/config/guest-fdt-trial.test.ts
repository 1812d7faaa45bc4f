/**
 * validate ends by generating the device tree of each guest it found clean, as guest create will: a failure there
 * (anything the rules missed) is a located error at the guest, not a surprise at guest create. The generator is
 * replaced here by one that fails for a guest whose model says so.
 */
import { describe, expect, it, vi } from 'vitest';
import { GUEST, check, edit, expectNone, expectOne } from './fixtures.js';

vi.mock('../../../src/vmm/guest-fdt.js', () => ({
  guestDtb: (g: { name: string; model?: string }) => {
    if (g.model === 'breaks') throw new Error(`generated device tree of ${g.name} is invalid: <${g.name} device tree>:3:1: error: boom\nmore`);
    return new Uint8Array(0);
  },
}));

describe('the generated guest device tree is tried', () => {
  it('a failure is reported at the guest node', () => {
    expectOne(check(['g.dts', edit(GUEST, { 3: '  device_type = "guest"; model = "breaks";' })]), {
      code: 'guest_fdt', severity: 'error', file: 'g.dts', line: 2, column: 1,
      message: 'g: guest create would fail: generated device tree of g is invalid: <g device tree>:3:1: error: boom',
    });
    expectNone(check(['g.dts', GUEST]), 'guest_fdt');
  });

  it('only for configurations without errors', () => {
    const v = check(['g.dts', edit(GUEST, { 3: '  device_type = "guest"; model = "breaks";', 10: '      priority = <9>;' })]);
    expect(v.diagnostics.map((d) => d.code)).toEqual(['priority']);
  });
});
