import { describe, expect, it } from 'vitest';
import { createSifiveTest } from '../../src/devices/sifive-test.js';
import { fake } from './fake.js';

describe('sifive,test0 finisher', () => {
  it('0x5555 passes, 0x3333 | code << 16 fails with code, 0x7777 resets', () => {
    const f = fake();
    const t = createSifiveTest(f.ctx);
    t.write(0, 4, 0x5555);
    t.write(0, 4, 0x3333 | (7 << 16));
    t.write(0, 4, 0x3333);
    t.write(0, 4, 0x7777);
    t.write(0, 2, 0x5555);
    expect(f.finishes).toEqual([
      { status: 0, action: 'shutdown' },
      { status: 7, action: 'shutdown' },
      { status: 1, action: 'shutdown' },
      { status: 0, action: 'reset' },
      { status: 0, action: 'shutdown' },
    ]);
  });

  it('ignores other values, offsets and widths; reads 0', () => {
    const f = fake();
    const t = createSifiveTest(f.ctx);
    t.write(0, 4, 0x1234);
    t.write(4, 4, 0x5555);
    t.write(0, 1, 0x55);
    t.write(0, 4, 0x5554 | (1 << 16));
    expect(f.finishes).toEqual([]);
    expect(t.read(0, 4)).toBe(0);
  });

  it('does nothing without ctx.finish', () => {
    const t = createSifiveTest(fake({ noFinish: true }).ctx);
    expect(() => t.write(0, 4, 0x5555)).not.toThrow();
  });
});
