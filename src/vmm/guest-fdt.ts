/**
 * The device tree a guest boots with (a1 at reset): its CPUs, memory, devices with their interrupts, /chosen
 * bootargs and stdout-path, generated from its configuration as DTS and compiled by tsvisor's own toolchain — the
 * same description Linux and U-Boot expect on QEMU's virt machine.
 */
import { compileSource } from '../dts/compile.js';
import { toBlob } from '../dts/dtb.js';
import { formatPlain } from '../dts/diagnostics.js';
import type { GuestConfig, RegionConfig } from './config/types.js';

export interface GuestFdtOptions {
  readonly timebaseFrequency: number;
  readonly bootargs?: string;
  /** The VCPUs the guest really has (default: its configuration's). */
  readonly vcpuCount?: number;
  /** Where an initial ramdisk was loaded (guest-physical, end exclusive). */
  readonly initrd?: { readonly start: number; readonly end: number };
}

const cells = (n: number): string => `0x${Math.floor(n / 4294967296).toString(16)} 0x${(n % 4294967296).toString(16)}`;
const hex = (n: number): string => n.toString(16);
const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function deviceNode(r: RegionConfig, havePlic: boolean): string[] {
  const e = r.emulator!;
  const reg = `reg = <${cells(r.gpa)} ${cells(r.size)}>;`;
  // Without an interrupt controller a device's interrupts go nowhere (Xvisor: no irqchip is registered for them).
  const irqs = r.irqs.length && havePlic ? [`interrupt-parent = <&plic>;`, `interrupts = <${r.irqs.join(' ')}>;`] : [];
  switch (e.name) {
    case 'ns16550 UART':
      return [`serial@${hex(r.gpa)} {`, `compatible = "ns16550a";`, reg, 'clock-frequency = <3686400>;', ...irqs, '};'];
    case 'goldfish RTC':
      return [`rtc@${hex(r.gpa)} {`, 'compatible = "google,goldfish-rtc";', reg, ...irqs, '};'];
    case 'virtio-mmio':
      return [`virtio_mmio@${hex(r.gpa)} {`, 'compatible = "virtio,mmio";', reg, ...irqs, '};'];
    case 'test finisher':
      return [`test@${hex(r.gpa)} {`, 'compatible = "sifive,test1", "sifive,test0", "syscon";', reg, '};'];
    case 'vminfo':
      return [`vminfo@${hex(r.gpa)} {`, 'compatible = "vminfo-0.1";', reg, '};'];
    case 'simplefb':
      return [];
    default:
      return [];
  }
}

/** The guest's device tree as DTS source. */
export function guestDts(guest: GuestConfig, opts: GuestFdtOptions): string {
  const harts = opts.vcpuCount ?? (guest.vcpus.length || 1);
  const isa = guest.vcpus[0]?.isa ?? 'rv64imafdc_zicsr_zifencei_sstc';
  const out: string[] = ['/dts-v1/;', '/ {', '#address-cells = <2>;', '#size-cells = <2>;',
    `model = ${quote(guest.model ?? `tsvisor ${guest.name}`)};`, 'compatible = "tsvisor,guest";'];
  const uart = guest.regions.find((r) => r.emulator?.name === 'ns16550 UART');
  out.push('chosen {');
  if (opts.bootargs !== undefined) out.push(`bootargs = ${quote(opts.bootargs)};`);
  if (uart) out.push(`stdout-path = "/soc/serial@${hex(uart.gpa)}";`);
  if (opts.initrd) out.push(`linux,initrd-start = <${cells(opts.initrd.start)}>;`, `linux,initrd-end = <${cells(opts.initrd.end)}>;`);
  out.push('};');
  out.push('cpus {', '#address-cells = <1>;', '#size-cells = <0>;', `timebase-frequency = <${opts.timebaseFrequency}>;`);
  for (let i = 0; i < harts; i++) {
    out.push(`cpu${i}: cpu@${i} {`, 'device_type = "cpu";', `reg = <${i}>;`, 'status = "okay";', 'compatible = "riscv";',
      `riscv,isa = ${quote(isa)};`, 'mmu-type = "riscv,sv48";',
      `cpu${i}_intc: interrupt-controller {`, '#interrupt-cells = <1>;', 'interrupt-controller;', 'compatible = "riscv,cpu-intc";', '};', '};');
  }
  out.push('};');
  for (const r of guest.regions) {
    if (r.memory && !r.memory.readOnly && r.memory.backing !== 'shared' && r.size > 0) {
      out.push(`memory@${hex(r.gpa)} {`, 'device_type = "memory";', `reg = <${cells(r.gpa)} ${cells(r.size)}>;`, '};');
    }
  }
  out.push('soc {', '#address-cells = <2>;', '#size-cells = <2>;', 'compatible = "simple-bus";', 'ranges;');
  const plic = guest.regions.find((r) => r.emulator?.deviceType === 'pic');
  if (plic) {
    const ext = Array.from({ length: harts }, (_, i) => `&cpu${i}_intc 11 &cpu${i}_intc 9`).join(' ');
    const ndev = plic.node.getProp('num_irq')?.value;
    out.push(`plic: interrupt-controller@${hex(plic.gpa)} {`, 'compatible = "sifive,plic-1.0.0", "riscv,plic0";',
      `reg = <${cells(plic.gpa)} ${cells(plic.size)}>;`, '#address-cells = <0>;', '#interrupt-cells = <1>;', 'interrupt-controller;',
      `interrupts-extended = <${ext}>;`, `riscv,ndev = <${ndev && ndev.length === 4 ? ndev.readU32(0) : 31}>;`, '};');
  }
  for (const r of guest.regions) if (r.emulator && r.emulator.deviceType !== 'pic') out.push(...deviceNode(r, plic !== undefined));
  out.push('};', '};');
  // Indent for readability (the DTS is also what `guest dumpfdt`-style tools would show).
  let depth = 0;
  return out.map((line) => {
    if (line.startsWith('}')) depth--;
    const text = '\t'.repeat(Math.max(0, depth)) + line;
    if (line.endsWith('{')) depth++;
    return text;
  }).join('\n') + '\n';
}

/**
 * The last blob compiled, by its DTS source: validation compiles each guest's tree to see that it can, and the guest,
 * created next, compiles the same one again (~2 ms of a trivial `tsvisor run`).
 */
let last: { readonly source: string; readonly blob: Uint8Array } | undefined;

/** The guest's device tree blob. Throws if generation produced invalid DTS (a bug, reported with its message). */
export function guestDtb(guest: GuestConfig, opts: GuestFdtOptions): Uint8Array {
  const source = guestDts(guest, opts);
  if (last?.source === source) return last.blob.slice();
  const result = compileSource(source, `<${guest.name} device tree>`);
  if (!result.ok || !result.tree) throw new Error(`generated device tree of ${guest.name} is invalid: ${result.diagnostics.map(formatPlain).join('; ')}`);
  const blob = toBlob(result.tree);
  last = { source, blob: blob.slice() };
  return blob;
}
