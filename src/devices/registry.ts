/**
 * The emulators a guest region can name, matched as Xvisor's devemu matches them: by `device_type` and
 * `compatible` of a virtual region. Each entry also says which attributes the emulator reads, so configuration
 * checks can tell a missing or mistyped attribute before any device is built.
 */

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
}

export const EMULATORS: readonly EmulatorInfo[] = [
  {
    name: 'PLIC', deviceType: 'pic', compatible: ['sifive,plic0', 'riscv,plic0'], interrupts: false,
    attributes: [
      { name: 'parent_irq', type: 'u32', required: true },
      { name: 'num_irq', type: 'u32', required: true },
      { name: 'max_priority', type: 'u32', required: true },
    ],
  },
  {
    name: 'ns16550 UART', deviceType: 'serial', compatible: ['ns16550a', 'ns16550d', '8250'], interrupts: true,
    attributes: [
      { name: 'interrupts', type: 'u32-list', required: true },
      { name: 'reg_shift', type: 'u32' }, { name: 'reg_io_width', type: 'u32' }, { name: 'fifo_size', type: 'u32' },
    ],
  },
  {
    name: 'goldfish RTC', deviceType: 'rtc', compatible: ['google,goldfish-rtc'], interrupts: true,
    attributes: [{ name: 'interrupts', type: 'u32-list', required: true }],
  },
  {
    name: 'vminfo', deviceType: 'sys', compatible: ['vminfo-0.1'], interrupts: false,
    attributes: [0, 1, 2, 3].flatMap((i) => [{ name: `ram${i}_base`, type: 'u64' as const }, { name: `ram${i}_size`, type: 'u64' as const }]),
  },
  {
    name: 'simplefb', deviceType: 'display', compatible: ['simplefb-0.1'], interrupts: false,
    attributes: [
      { name: 'base', type: 'u64', required: true }, { name: 'width', type: 'u32', required: true },
      { name: 'height', type: 'u32', required: true }, { name: 'mode', type: 'string', required: true },
    ],
  },
  {
    name: 'virtio-mmio', deviceType: 'virtio', compatible: ['virtio,mmio'], interrupts: true,
    attributes: [{ name: 'virtio_type', type: 'u32', required: true }, { name: 'interrupts', type: 'u32-list', required: true }],
  },
  {
    name: 'test finisher', deviceType: 'sys', compatible: ['sifive,test0', 'sifive,test1'], interrupts: false,
    attributes: [],
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
