/**
 * The emulators a guest region can name, matched as Xvisor's devemu matches them: by `device_type` and
 * `compatible` of a virtual region. Each entry also says which attributes the emulator reads, so configuration
 * checks can tell a missing or mistyped attribute before any device is built, and carries the factory that builds
 * the device ({@link buildDevice}).
 */
import type { DeviceContext, DeviceFactory, IrqLine, MmioDevice } from './device.js';
import { goldfishRtcFactory } from './goldfish-rtc.js';
import { ns16550Factory } from './ns16550.js';
import { plicFactory } from './plic.js';
import { sifiveTestFactory } from './sifive-test.js';
import { simplefbFactory } from './simplefb.js';
import { virtioMmioFactory } from './virtio-mmio.js';
import { vminfoFactory } from './vminfo.js';

export type AttributeType = 'u32' | 'u32-list' | 'u64' | 'string' | 'boolean';

export interface EmulatorAttribute {
  readonly name: string;
  readonly type: AttributeType;
  readonly required?: boolean;
}

export interface EmulatorInfo {
  /** A short name for messages. */
  readonly name: string;
  readonly deviceType: string;
  readonly compatible: readonly string[];
  /** Whether the emulator raises guest interrupts (then `interrupts` lists its IRQ numbers). */
  readonly interrupts: boolean;
  readonly attributes: readonly EmulatorAttribute[];
  /** Builds the device for a region. The PLIC's device also has `input(n)`, its interrupt inputs (see plic.ts). */
  readonly factory: DeviceFactory;
}

export const EMULATORS: readonly EmulatorInfo[] = [
  {
    name: 'PLIC', deviceType: 'pic', compatible: ['sifive,plic0', 'riscv,plic0'], interrupts: false,
    attributes: [
      { name: 'parent_irq', type: 'u32', required: true },
      { name: 'num_irq', type: 'u32', required: true },
      { name: 'max_priority', type: 'u32', required: true },
    ],
    factory: plicFactory,
  },
  {
    name: 'ns16550 UART', deviceType: 'serial', compatible: ['ns16550a', 'ns16550d', '8250'], interrupts: true,
    attributes: [
      { name: 'interrupts', type: 'u32-list', required: true },
      { name: 'reg_shift', type: 'u32' }, { name: 'reg_io_width', type: 'u32' }, { name: 'fifo_size', type: 'u32' },
    ],
    factory: ns16550Factory,
  },
  {
    name: 'goldfish RTC', deviceType: 'rtc', compatible: ['google,goldfish-rtc'], interrupts: true,
    attributes: [{ name: 'interrupts', type: 'u32-list', required: true }],
    factory: goldfishRtcFactory,
  },
  {
    name: 'vminfo', deviceType: 'sys', compatible: ['vminfo-0.1'], interrupts: false,
    attributes: [
      ...[0, 1, 2, 3].flatMap((i) => [{ name: `ram${i}_base`, type: 'u64' as const }, { name: `ram${i}_size`, type: 'u64' as const }]),
      { name: 'boot_delay', type: 'u32' }, { name: 'clocksource_freq', type: 'u32' }, { name: 'clockchip_freq', type: 'u32' },
    ],
    factory: vminfoFactory,
  },
  {
    name: 'simplefb', deviceType: 'display', compatible: ['simplefb-0.1'], interrupts: false,
    attributes: [
      { name: 'base', type: 'u64', required: true }, { name: 'width', type: 'u32', required: true },
      { name: 'height', type: 'u32', required: true }, { name: 'mode', type: 'string', required: true },
      { name: 'stride', type: 'u32' },
    ],
    factory: simplefbFactory,
  },
  {
    name: 'virtio-mmio', deviceType: 'virtio', compatible: ['virtio,mmio'], interrupts: true,
    attributes: [
      { name: 'virtio_type', type: 'u32', required: true }, { name: 'interrupts', type: 'u32-list', required: true },
      { name: 'blkdev', type: 'string' }, { name: 'blkdev_id', type: 'string' }, { name: 'writeback', type: 'boolean' },
    ],
    factory: virtioMmioFactory,
  },
  {
    name: 'test finisher', deviceType: 'sys', compatible: ['sifive,test0', 'sifive,test1'], interrupts: false,
    attributes: [],
    factory: sifiveTestFactory,
  },
];

/** The emulator serving a region's device_type and compatible list, if any. */
export function findEmulator(deviceType: string, compatible: readonly string[]): EmulatorInfo | undefined {
  for (const c of compatible) {
    const e = EMULATORS.find((x) => x.deviceType === deviceType && x.compatible.includes(c));
    if (e) return e;
  }
  return undefined;
}

/** A device as the runtime holds it: the PLIC's also has its interrupt inputs. */
export type BuiltDevice = MmioDevice & { input?(n: number): IrqLine };

/**
 * Build the device of a region served by `emulator` (as found by {@link findEmulator}). The PLIC's device has
 * `input(n)`: guest interrupt n, what the other devices' `ctx.irq(n)` should reach. Throws only for a configuration
 * the device cannot start with (e.g. a virtio-blk `blkdev` file that cannot be read), never on guest accesses.
 */
export function buildDevice(emulator: EmulatorInfo, ctx: DeviceContext): BuiltDevice | undefined {
  return emulator.factory(ctx);
}
