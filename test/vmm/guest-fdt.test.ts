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

  it('lists the VCPUs the guest really has, even more than its configuration names (run --vcpus)', () => {
    const root = loadBlob(guestDtb(guest('basic.dts'), { timebaseFrequency: 10_000_000, vcpuCount: 2 }), 'guest.dtb').tree!.root;
    expect(getNodeByPath(root, '/cpus/cpu@0')).toBeDefined();
    expect(getNodeByPath(root, '/cpus/cpu@1')).toBeDefined();
    expect(getNodeByPath(root, '/cpus/cpu@2')).toBeUndefined();
  });

  it("takes bootargs from the guest's own attribute, and describes an initrd", () => {
    const linux = guest('linux.dts');
    expect(linux.bootargs).toBe('console=ttyS0 earlycon root=/dev/vda rw');
    const blob = guestDtb(linux, { timebaseFrequency: 10_000_000, bootargs: linux.bootargs, initrd: { start: 0x88000000, end: 0x88123456 } });
    const chosen = getNodeByPath(loadBlob(blob, 'guest.dtb').tree!.root, '/chosen')!;
    expect(chosen.getProp('bootargs')!.value.asString()).toBe('console=ttyS0 earlycon root=/dev/vda rw');
    const start = chosen.getProp('linux,initrd-start')!.value, end = chosen.getProp('linux,initrd-end')!.value;
    expect([start.readU32(0), start.readU32(4), end.readU32(0), end.readU32(4)]).toEqual([0, 0x88000000, 0, 0x88123456]);
  });
});
