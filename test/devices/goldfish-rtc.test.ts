import { describe, expect, it } from 'vitest';
import { DEFAULT_RTC_EPOCH_NS, GoldfishRtc, createGoldfishRtc } from '../../src/devices/goldfish-rtc.js';
import { fake } from './fake.js';

const TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c, IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c;

function readTime(rtc: GoldfishRtc): bigint {
  const low = rtc.read(TIME_LOW, 4);
  const high = rtc.read(TIME_HIGH, 4);
  return (BigInt(high) << 32n) | BigInt(low);
}

function setAlarm(rtc: GoldfishRtc, at: bigint): void {
  rtc.write(ALARM_HIGH, 4, Number(at >> 32n));
  rtc.write(ALARM_LOW, 4, Number(at & 0xffffffffn));
}

function setup(): { f: ReturnType<typeof fake>; rtc: GoldfishRtc } {
  const f = fake({ name: 'guest0/rtc', attrs: { interrupts: [11] } });
  return { f, rtc: new GoldfishRtc(f.ctx) };
}

describe('goldfish RTC', () => {
  it('counts virtual nanoseconds from 2026-01-01T00:00:00Z', () => {
    const { f, rtc } = setup();
    expect(DEFAULT_RTC_EPOCH_NS).toBe(1767225600n * 1_000_000_000n);
    expect(readTime(rtc)).toBe(DEFAULT_RTC_EPOCH_NS);
    f.clock.advance(1_500_000_000);
    expect(readTime(rtc)).toBe(DEFAULT_RTC_EPOCH_NS + 1_500_000_000n);
  });

  it('reading TIME_LOW latches TIME_HIGH', () => {
    const { f, rtc } = setup();
    const epoch = 0xffffff00n; // low half about to wrap
    const r = createGoldfishRtc(f.ctx, { epochNs: epoch });
    const low = r.read(TIME_LOW, 4);
    f.clock.advance(0x200); // the low half wraps meanwhile
    const high = r.read(TIME_HIGH, 4);
    expect((BigInt(high) << 32n) | BigInt(low)).toBe(epoch);
    expect(readTime(r)).toBe(epoch + 0x200n);
    expect(rtc.read(TIME_HIGH, 4)).toBe(0); // nothing latched yet on the other instance
  });

  it('the guest can set the time; the clock runs on from it', () => {
    const { f, rtc } = setup();
    const t = 0x0000_1234_0000_0000n;
    rtc.write(TIME_HIGH, 4, Number(t >> 32n));
    rtc.write(TIME_LOW, 4, 0);
    expect(readTime(rtc)).toBe(t);
    f.clock.advance(1000);
    expect(readTime(rtc)).toBe(t + 1000n);
  });

  it('fires an alarm through the virtual clock and raises the interrupt when enabled', () => {
    const { f, rtc } = setup();
    const irq = f.irq(11);
    rtc.write(IRQ_ENABLED, 4, 1);
    expect(rtc.read(IRQ_ENABLED, 4)).toBe(1);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS + 5_000n);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(1);
    expect(rtc.read(ALARM_LOW, 4)).toBe(Number((DEFAULT_RTC_EPOCH_NS + 5_000n) & 0xffffffffn));
    expect(rtc.read(ALARM_HIGH, 4)).toBe(Number((DEFAULT_RTC_EPOCH_NS + 5_000n) >> 32n));
    expect(f.clock.timers.map((t) => t.at)).toEqual([5000]);
    f.clock.advance(4_999);
    expect(irq.level).toBe(false);
    f.clock.advance(1);
    expect(irq.level).toBe(true);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
    rtc.write(CLEAR_INTERRUPT, 4, 1);
    expect(irq.level).toBe(false);
  });

  it('an alarm in the past fires at once; IRQ_ENABLED gates the line', () => {
    const { f, rtc } = setup();
    const irq = f.irq(11);
    f.clock.advance(10_000);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
    expect(irq.level).toBe(false); // pending but not enabled
    rtc.write(IRQ_ENABLED, 4, 1);
    expect(irq.level).toBe(true);
    rtc.write(IRQ_ENABLED, 4, 0);
    expect(irq.level).toBe(false);
  });

  it('CLEAR_ALARM disarms; re-arming replaces the pending timer', () => {
    const { f, rtc } = setup();
    const irq = f.irq(11);
    rtc.write(IRQ_ENABLED, 4, 1);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS + 100n);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS + 200n);
    expect(f.clock.timers.length).toBe(1);
    rtc.write(CLEAR_ALARM, 4, 1);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
    expect(f.clock.timers.length).toBe(0);
    f.clock.advance(1000);
    expect(irq.level).toBe(false);
  });

  it('ALARM_LOW arms with the ALARM_HIGH last written', () => {
    const { f, rtc } = setup();
    rtc.write(ALARM_HIGH, 4, Number(DEFAULT_RTC_EPOCH_NS >> 32n) + 1);
    rtc.write(ALARM_LOW, 4, 0);
    const at = ((DEFAULT_RTC_EPOCH_NS >> 32n) + 1n) << 32n;
    expect(f.clock.timers[0]!.at).toBe(Number(at - DEFAULT_RTC_EPOCH_NS));
  });

  it('reset disarms and drops the interrupt; odd accesses read 0', () => {
    const { f, rtc } = setup();
    rtc.write(IRQ_ENABLED, 4, 1);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS);
    expect(f.irq(11).level).toBe(true);
    setAlarm(rtc, DEFAULT_RTC_EPOCH_NS + 10n);
    rtc.reset();
    expect(f.irq(11).level).toBe(false);
    expect(f.clock.timers.length).toBe(0);
    expect(rtc.read(IRQ_ENABLED, 4)).toBe(0);
    expect(rtc.read(TIME_LOW, 2)).toBe(0);
    expect(rtc.read(0x20, 4)).toBe(0);
    expect(rtc.read(CLEAR_INTERRUPT, 4)).toBe(0);
  });
});
