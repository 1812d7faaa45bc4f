/** The DTB a guest boots with: generated from its configuration, valid, and describing what U-Boot/Linux need. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource, loadBlob } from '../../src/dts/compile.js';
import { getNodeByPath } from '../../src/dts/lookup.js';
import { validate } from '../../src/vmm/config/validate.js';
import { guestDtb } from '../../src/vmm/guest-fdt.js';

const GUESTS = join(import.meta.dirname, '../../guests/dts');

function guest(file: string) {
  const path = join(GUESTS, file);
  const v = validate([{ path, tree: compileSource(readFileSync(path, 'latin1'), path).tree! }]);
  return v.guests[0]!;
}

describe('guest device tree', () => {
  it('describes CPUs, memory, the PLIC, the UART as stdout and bootargs', () => {
    const blob = guestDtb(guest('basic.dts'), { timebaseFrequency: 10_000_000, bootargs: 'console=ttyS0 earlycon' });
    const back = loadBlob(blob, 'guest.dtb');
    expect(back.ok).toBe(true);
    const root = back.tree!.root;
    const str = (path: string, prop: string) => getNodeByPath(root, path)?.getProp(prop)?.value.asString();
    expect(str('/chosen', 'stdout-path')).toBe('/soc/serial@10000000');
    expect(str('/chosen', 'bootargs')).toBe('console=ttyS0 earlycon');
    expect(getNodeByPath(root, '/cpus')!.getProp('timebase-frequency')!.value.readU32(0)).toBe(10_000_000);
    expect(str('/cpus/cpu@0', 'riscv,isa')).toBe('rv64imafdc_zicsr_zifencei_sstc');
    const mem = getNodeByPath(root, '/memory@80000000')!.getProp('reg')!.value;
    expect([mem.readU32(4), mem.readU32(12)]).toEqual([0x80000000, 0x08000000]);
    expect(str('/soc/serial@10000000', 'compatible')).toBe('ns16550a');
    expect(getNodeByPath(root, '/soc/interrupt-controller@c000000')).toBeDefined();
  });

  it('gives every VCPU a cpu node and PLIC contexts (template guests by count)', () => {
    const blob = guestDtb(guest('virt64.dts'), { timebaseFrequency: 10_000_000, vcpuCount: 4 });
    const root = loadBlob(blob, 'guest.dtb').tree!.root;
    for (let i = 0; i < 4; i++) expect(getNodeByPath(root, `/cpus/cpu@${i}`)).toBeDefined();
    const ext = getNodeByPath(root, '/soc/interrupt-controller@c000000')!.getProp('interrupts-extended')!.value;
    expect(ext.length).toBe(4 * 4 * 4); // (phandle, irq) twice per hart
    expect(getNodeByPath(root, '/soc/rtc@10003000')).toBeDefined();
    expect(getNodeByPath(root, '/soc/virtio_mmio@20000000')).toBeDefined();
  });
});
