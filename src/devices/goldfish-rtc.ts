/**
 * Google goldfish RTC (`google,goldfish-rtc`), as QEMU models it: a 64-bit nanosecond wall clock with one alarm.
 *   0x00 TIME_LOW     read: low half of the time, latching the high half for TIME_HIGH; write: sets the low half
 *   0x04 TIME_HIGH    read: the latched high half; write: sets the high half
 *   0x08 ALARM_LOW    read: alarm low half; write: arms the alarm at (ALARM_HIGH as last written, this value)
 *   0x0c ALARM_HIGH   read/write: alarm high half (takes effect at the next ALARM_LOW write)
 *   0x10 IRQ_ENABLED  bit 0
 *   0x14 CLEAR_ALARM  write: disarm
 *   0x18 ALARM_STATUS read: 1 while armed
 *   0x1c CLEAR_INTERRUPT write: drop the interrupt
 * The time is `epoch + ctx.clock.now()` (virtual nanoseconds, so runs are deterministic) plus whatever the guest
 * set; the epoch defaults to {@link DEFAULT_RTC_EPOCH_NS} (2026-01-01T00:00:00Z). Alarms use `ctx.clock.setTimer`;
 * an alarm at or before the current time fires at once. IRQ: `ctx.irq(interrupts[0])`, high while an alarm has
 * fired, is not cleared, and IRQ_ENABLED is set. 32-bit accesses only (the runtime splits 64-bit ones low word
 * first, which reads TIME_LOW then TIME_HIGH consistently); others read 0 and are ignored.
 */
import { asObject, big, bool, int, num, type SavedState } from '../state/saved-state.js';
import type { DeviceContext, DeviceFactory, MmioDevice } from './device.js';
import { OutputLine, firstIrq, validAccess } from './util.js';

/** 2026-01-01T00:00:00Z in nanoseconds since the Unix epoch. */
export const DEFAULT_RTC_EPOCH_NS = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;

const TIME_LOW = 0x00;
const TIME_HIGH = 0x04;
const ALARM_LOW = 0x08;
const ALARM_HIGH = 0x0c;
const IRQ_ENABLED = 0x10;
const CLEAR_ALARM = 0x14;
const ALARM_STATUS = 0x18;
const CLEAR_INTERRUPT = 0x1c;

const LOW = 0xffffffffn;
const MASK64 = (1n << 64n) - 1n;

export interface GoldfishRtcOptions {
  /** Wall-clock time (ns since the Unix epoch) at virtual time 0. */
  epochNs?: bigint;
}

export class GoldfishRtc implements MmioDevice {
  private readonly irq: OutputLine;
  /** Wall-clock time at guest time 0 (a snapshot keeps its run's, so a restored guest's clock goes on). */
  private epoch: bigint;
  /** RTC time = (epoch + offset + clock.now()) mod 2^64. */
  private offset = 0n;
  private timeHigh = 0;
  private alarm = 0n;
  private alarmRunning = false;
  private timer: number | undefined;
  /** The virtual time (ns) the alarm timer fires at, while it is armed. */
  private timerAt = 0;
  private irqPending = false;
  private irqEnabled = false;

  constructor(private readonly ctx: DeviceContext, options: GoldfishRtcOptions = {}) {
    this.epoch = options.epochNs ?? DEFAULT_RTC_EPOCH_NS;
    this.irq = new OutputLine(firstIrq(ctx.attributes, (n) => ctx.irq(n)));
  }

  /** The RTC's time now, in ns. */
  time(): bigint {
    return (this.epoch + this.offset + BigInt(Math.trunc(this.ctx.clock.now()))) & MASK64;
  }

  private update(): void {
    this.irq.set(this.irqPending && this.irqEnabled);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) {
      this.ctx.clock.cancel(this.timer);
      this.timer = undefined;
    }
  }

  private clearAlarm(): void {
    this.stopTimer();
    this.alarmRunning = false;
  }

  private fire(): void {
    this.timer = undefined;
    this.alarmRunning = false;
    this.irqPending = true;
    this.update();
  }

  private armAlarm(): void {
    this.stopTimer();
    const now = this.time();
    if (this.alarm <= now) {
      this.alarmRunning = false;
      this.irqPending = true;
      this.update();
      return;
    }
    this.alarmRunning = true;
    this.startTimer(this.ctx.clock.now() + Number(this.alarm - now));
  }

  private startTimer(at: number): void {
    this.timerAt = at;
    this.timer = this.ctx.clock.setTimer(at, () => this.fire());
  }

  /** Replace one half of the current time (QEMU's semantics: the clock keeps running from the new value). */
  private setTime(high: boolean, v: number): void {
    const now = this.time();
    const next = high ? (BigInt(v) << 32n) | (now & LOW) : (now & ~LOW & MASK64) | BigInt(v);
    this.offset += next - now;
    if (this.alarmRunning) this.armAlarm();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (!validAccess(offset, size) || size !== 4) return 0;
    switch (offset) {
      case TIME_LOW: {
        const t = this.time();
        this.timeHigh = Number(t >> 32n);
        return Number(t & LOW);
      }
      case TIME_HIGH:
        return this.timeHigh;
      case ALARM_LOW:
        return Number(this.alarm & LOW);
      case ALARM_HIGH:
        return Number(this.alarm >> 32n);
      case IRQ_ENABLED:
        return this.irqEnabled ? 1 : 0;
      case ALARM_STATUS:
        return this.alarmRunning ? 1 : 0;
      default:
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!validAccess(offset, size) || size !== 4) return;
    const v = value >>> 0;
    switch (offset) {
      case TIME_LOW:
        this.setTime(false, v);
        return;
      case TIME_HIGH:
        this.setTime(true, v);
        return;
      case ALARM_LOW:
        this.alarm = (this.alarm & ~LOW & MASK64) | BigInt(v);
        this.armAlarm();
        return;
      case ALARM_HIGH:
        this.alarm = (BigInt(v) << 32n) | (this.alarm & LOW);
        return;
      case IRQ_ENABLED:
        this.irqEnabled = (v & 1) !== 0;
        this.update();
        return;
      case CLEAR_ALARM:
        this.clearAlarm();
        return;
      case CLEAR_INTERRUPT:
        this.irqPending = false;
        this.update();
        return;
      default:
        return;
    }
  }

  /** Back to power-on state; the time the guest set survives, as a battery-backed clock's does. */
  reset(): void {
    this.stopTimer();
    this.timeHigh = 0;
    this.alarm = 0n;
    this.alarmRunning = false;
    this.irqPending = false;
    this.irqEnabled = false;
    this.update();
  }

  save(): SavedState {
    return {
      epoch: this.epoch.toString(), offset: this.offset.toString(), timeHigh: this.timeHigh, alarm: this.alarm.toString(),
      alarmRunning: this.alarmRunning, timerAt: this.timer === undefined ? null : this.timerAt,
      irqPending: this.irqPending, irqEnabled: this.irqEnabled,
    };
  }

  restore(state: SavedState): void {
    const o = asObject(state, 'goldfish-rtc');
    const w = 'goldfish-rtc';
    const timerAt = o.timerAt === null ? undefined : num(o, 'timerAt', w);
    const saved = {
      epoch: big(o, 'epoch', w), offset: big(o, 'offset', w), timeHigh: int(o, 'timeHigh', w, 0, 0xffffffff),
      alarm: big(o, 'alarm', w), alarmRunning: bool(o, 'alarmRunning', w), irqPending: bool(o, 'irqPending', w),
      irqEnabled: bool(o, 'irqEnabled', w),
    };
    this.stopTimer();
    Object.assign(this, saved);
    if (timerAt !== undefined) this.startTimer(timerAt);
    this.update();
  }
}

export function createGoldfishRtc(ctx: DeviceContext, options?: GoldfishRtcOptions): GoldfishRtc {
  return new GoldfishRtc(ctx, options);
}

export const goldfishRtcFactory: DeviceFactory = (ctx) => new GoldfishRtc(ctx, { epochNs: ctx.wallClockEpochNs });
