/**
 * dtc 1.6.1's warning checks (src/dts/warnings.ts): for each check a small DTS that trips it and one that does
 * not, with dtc's default switches unless the case says otherwise. Where /usr/bin/dtc is 1.6.1, every case is
 * also compiled by dtc and the check lines (`check: path: message`, in order) must be the same as ours.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNames, compileSource, loadBlob, toBlob, type CompileOptions } from '../../src/dts/index.js';
import { dtcChecksAsync, haveDtc, ourChecks } from './dtc-warnings.js';

const NAMES = new Set(checkNames());
const tmp = mkdtempSync(join(tmpdir(), 'tsvisor-warnings-'));

/** A root with one-cell addresses and sizes around `body`. */
const dts = (body: string, root = '#address-cells = <1>; #size-cells = <1>;'): string => `/dts-v1/;\n/ {\n${root}\n${body}\n};\n`;

function ours(src: string, flags: string[] = [], opts: CompileOptions = {}): string[] {
  return ourChecks(compileSource(src, 'w.dts', { dtcWarnings: true, ...opts, checkFlags: flags }).diagnostics, NAMES);
}

let fileNo = 0;
async function theirs(src: string, flags: string[] = []): Promise<string[]> {
  const f = join(tmp, `w${fileNo++}.dts`);
  writeFileSync(f, src, 'latin1');
  return dtcChecksAsync(f, flags);
}

interface Case {
  check: string;
  bad: string;
  good: string;
  flags?: string[];
}

const PCI_BRIDGE = 'device_type = "pci"; reg = <1 1>; #address-cells = <3>; #size-cells = <2>; ranges = <0 0 0 0 0 0>;';
const SB = 'compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;';

const cases: Case[] = [
  { check: 'node_name_vs_property_name', bad: dts('foo = <1>; foo { };'), good: dts('foo = <1>; bar { };') },
  { check: 'address_cells_is_cell', bad: dts('n { #address-cells = <1 2>; };'), good: dts('n { #address-cells = <1>; };') },
  { check: 'size_cells_is_cell', bad: dts('n { #size-cells = [01]; };'), good: dts('n { #size-cells = <1>; };') },
  { check: 'device_type_is_string', bad: dts('n { device_type = <1>; };'), good: dts('n { device_type = "cpu"; };') },
  { check: 'model_is_string', bad: dts('model = "a", "b";'), good: dts('model = "a";') },
  { check: 'status_is_string', bad: dts('n { status = <0>; };'), good: dts('n { status = "okay"; };') },
  { check: 'label_is_string', bad: dts('n { label = [00 01]; };'), good: dts('n { label = "x"; };') },
  { check: 'compatible_is_string_list', bad: dts('n { compatible = "a", <1>; };'), good: dts('n { compatible = "a", "b"; };') },
  { check: 'names_is_string_list', bad: dts('n { clock-names = "a", [61]; };'), good: dts('n { clock-names = "a", "b"; };') },
  {
    check: 'property_name_chars_strict',
    flags: ['-Wproperty_name_chars_strict'],
    bad: dts('n { foo_bar; a#b; };'),
    good: dts('n { vendor,#foo-cells; #x; device_type = "x"; };'),
  },
  { check: 'node_name_chars_strict', flags: ['-Wnode_name_chars_strict'], bad: dts('foo_bar { };'), good: dts('foo-bar@1_2 { reg = <1 2>; };') },
  { check: 'reg_format', bad: dts('n@1 { reg = <1>; }; m { reg; };'), good: dts('n@1 { reg = <1 2>; };') },
  { check: 'reg_format', bad: dts('', 'reg = <1 1>;'), good: dts('') },
  {
    check: 'ranges_format',
    bad: dts('n { #address-cells = <2>; #size-cells = <2>; ranges; }; m@0 { #address-cells = <1>; #size-cells = <1>; ranges = <0 0>; };'),
    good: dts('n { #address-cells = <1>; #size-cells = <1>; ranges; }; m@0 { #address-cells = <1>; #size-cells = <1>; ranges = <0 0 1>; };'),
  },
  {
    check: 'dma_ranges_format',
    bad: dts('n { #address-cells = <1>; #size-cells = <1>; dma-ranges = <0 0>; };'),
    good: dts('n { #address-cells = <1>; #size-cells = <1>; dma-ranges = <0 0 1>; };'),
  },
  { check: 'unit_address_vs_reg', bad: dts('n@1 { }; m { reg = <1 1>; }; r@2 { ranges; };'), good: dts('n@1 { reg = <1 1>; }; m { }; r@2 { ranges = <0 0 1>; };') },
  { check: 'unit_address_format', bad: dts('n@0x1 { reg = <1 1>; }; m@01 { reg = <1 1>; };'), good: dts('n@1 { reg = <1 1>; }; m@0 { reg = <0 1>; };') },
  {
    check: 'pci_bridge',
    bad: dts('pcix@1 { device_type = "pci"; reg = <1 1>; bus-range = <2 1>; }; pci@2 { device_type = "pci"; reg = <2 1>; bus-range = <0 0x100>; };'),
    good: dts(`pci@1 { ${PCI_BRIDGE} bus-range = <0 1>; };`),
  },
  {
    check: 'pci_device_reg',
    bad: dts(`pci@1 { ${PCI_BRIDGE} dev@3 { reg = <0x1100 0 0 0 0>; }; x@0 { reg = <0x01000001 1 0 0 0>; }; };`),
    good: dts(`pci@1 { ${PCI_BRIDGE} dev@2,1 { reg = <0x1100 0 0 0 0>; }; dev@3 { reg = <0x1800 0 0 0 0>; }; };`),
  },
  {
    check: 'pci_device_bus_num',
    bad: dts(`pci@1 { ${PCI_BRIDGE} dev@0 { reg = <0x10000 0 0 0 0>; }; };`),
    good: dts(`pci@1 { ${PCI_BRIDGE} bus-range = <1 1>; dev@0 { reg = <0x10000 0 0 0 0>; }; };`),
  },
  {
    check: 'simple_bus_reg',
    bad: dts(`bus { ${SB} x@2 { reg = <1 1>; }; y { }; z@0 { #address-cells = <1>; #size-cells = <1>; ranges = <0 4 1>; }; };`),
    good: dts(`bus { ${SB} x@1 { reg = <1 1>; }; z@4 { #address-cells = <1>; #size-cells = <1>; ranges = <0 4 1>; }; inner { ${SB} }; };`),
  },
  {
    check: 'i2c_bus_bridge',
    bad: dts('i2c@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <1>; s@2 { reg = <2 1>; }; };'),
    good: dts('i2c@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; s@2 { reg = <2>; }; }; i2c-bus { }; '),
  },
  {
    check: 'i2c_bus_reg',
    bad: dts('i2c@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; s@51 { reg = <0x50>; }; t@80 { reg = <0x80>; }; u@80000800 { reg = <0x80000800>; }; w@80000050 { reg = <0xc0000050>; }; v { }; };'),
    good: dts('i2c@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; s@50 { reg = <0x50>; }; o@10 { reg = <0x40000010>; }; };'),
  },
  {
    check: 'spi_bus_bridge',
    bad: dts('spi@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <1>; d@0 { reg = <0 1>; }; }; bus@2 { reg = <2 1>; #address-cells = <1>; #size-cells = <0>; d@0 { reg = <0>; spi-max-frequency = <1>; }; };'),
    good: dts('spi@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; d@0 { reg = <0>; }; }; spi@2 { reg = <2 1>; spi-slave; #address-cells = <0>; #size-cells = <0>; };'),
  },
  {
    check: 'spi_bus_reg',
    bad: dts('spi@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; d@1 { reg = <0>; }; e { }; };'),
    good: dts('spi@1 { reg = <1 1>; #address-cells = <1>; #size-cells = <0>; d@0 { reg = <0>; }; }; spi@2 { reg = <2 1>; spi-slave; #address-cells = <0>; #size-cells = <0>; slave { }; };'),
  },
  { check: 'avoid_default_addr_size', bad: dts('n { x@1 { reg = <0 1 1>; }; };'), good: dts('n { #address-cells = <2>; #size-cells = <1>; x@1 { reg = <0 1 1>; }; };') },
  {
    check: 'avoid_unnecessary_addr_size',
    bad: dts('n { #address-cells = <1>; #size-cells = <1>; x { }; };'),
    good: dts('n { #address-cells = <1>; #size-cells = <1>; x@1 { reg = <1 1>; }; }; m { #address-cells = <1>; #size-cells = <1>; ranges; x { }; };'),
  },
  {
    check: 'unique_unit_address',
    bad: dts('a@1 { reg = <1 1>; }; b@1 { reg = <1 1>; status = "disabled"; }; c@1 { reg = <1 1>; };'),
    good: dts('a@1 { reg = <1 1>; }; b@2 { reg = <2 1>; }; n { x@1 { }; y@1 { }; };'),
  },
  {
    check: 'unique_unit_address_if_enabled',
    flags: ['-Wunique_unit_address_if_enabled', '-Wno-unique_unit_address'],
    bad: dts('a@1 { reg = <1 1>; }; b@1 { reg = <1 1>; status = "disabled"; }; c@1 { reg = <1 1>; };'),
    good: dts('a@1 { reg = <1 1>; }; b@1 { reg = <1 1>; status = "disabled"; };'),
  },
  {
    check: 'obsolete_chosen_interrupt_controller',
    bad: dts('chosen { interrupt-controller; #interrupt-cells = <1>; #address-cells = <0>; };'),
    good: dts('chosen { }; n { interrupt-controller; #interrupt-cells = <1>; #address-cells = <0>; };'),
  },
  { check: 'chosen_node_is_root', bad: dts('n { chosen { }; };'), good: dts('chosen { };') },
  { check: 'chosen_node_bootargs', bad: dts('chosen { bootargs = <1>; };'), good: dts('chosen { bootargs = "console=ttyS0"; };') },
  {
    check: 'chosen_node_stdout_path',
    bad: dts('chosen { linux,stdout-path = "/n"; }; n { };'),
    good: dts('chosen { stdout-path = "/n:115200"; linux,stdout-path = "/n"; }; n { };'),
  },
  { check: 'chosen_node_stdout_path', bad: dts('chosen { stdout-path = <1>; };'), good: dts('chosen { };') },
  {
    check: 'gpios_property',
    bad: dts('gpio: g { #gpio-cells = <2>; }; n { reset-gpios = <&gpio 1>; gpios = <&gpio 1 0 &gpio>; }; x: x { }; m { enable-gpios = <&x 1>; };'),
    good: dts('gpio: g { #gpio-cells = <2>; }; n { reset-gpios = <&gpio 1 0>, <0>, <&gpio 2 0>; foo,nr-gpios = <3>; }; hog { gpio-hog; gpios = <1 2>; };'),
  },
  {
    check: 'deprecated_gpio_property',
    flags: ['-Wdeprecated_gpio_property'],
    bad: dts('gpio: g { #gpio-cells = <2>; }; n { reset-gpio = <&gpio 1 0>; gpio = <&gpio 1 0>; };'),
    good: dts('gpio: g { #gpio-cells = <2>; }; n { reset-gpios = <&gpio 1 0>; };'),
  },
  {
    check: 'interrupts_property',
    bad: dts(
      'n { interrupts = <1>; }; ic: ic { interrupt-controller; #interrupt-cells = <2>; #address-cells = <0>; }; ' +
        'm { interrupt-parent = <&ic>; interrupts = <1 2 3>; }; p: p { }; q { interrupt-parent = <&p>; interrupts = <1>; }; ' +
        'r { interrupt-parent = <0>; interrupts = <1>; }; s { interrupt-parent = <&ic>; interrupts = [01 02]; };',
    ),
    good: dts('ic: ic { interrupt-controller; #interrupt-cells = <2>; #address-cells = <0>; n { interrupts = <1 2>; }; }; m { interrupt-parent = <&ic>; interrupts = <1 2 3 4>; };'),
  },
  {
    check: 'interrupt_provider',
    bad: dts('ic { interrupt-controller; }; im { interrupt-map; #interrupt-cells = <1>; };'),
    good: dts('ic { interrupt-controller; #interrupt-cells = <1>; #address-cells = <0>; }; n { #interrupt-cells = <1>; };'),
  },
  {
    check: 'alias_paths',
    bad: dts('aliases { Serial = "/n"; bad = "/nope"; root = "/"; empty; }; n { };'),
    good: dts('aliases { serial0 = "/n"; rel = "n"; trail = "/n/"; phandle = <1>; }; n { };'),
  },
  {
    check: 'graph_port',
    bad: dts('dev { portx { endpoint { }; }; ports { #address-cells = <1>; #size-cells = <1>; port@1 { reg = <1>; endpoint { }; }; port@2 { reg = <3>; endpoint { }; }; }; };'),
    good: dts('dev { port { endpoint { }; }; }; dev2 { ports { #address-cells = <1>; #size-cells = <0>; port@0 { reg = <0>; endpoint { }; }; port@1 { reg = <1>; x { remote-endpoint = <0>; }; }; }; };'),
  },
  {
    check: 'graph_endpoint',
    bad: dts('dev1 { port { a: endpoint { remote-endpoint = <&b>; }; ep { remote-endpoint = <&a>; }; }; }; dev2 { port { b: endpoint { }; }; }; x { };'),
    good: dts('dev1 { port { a: endpoint { remote-endpoint = <&b>; }; }; }; dev2 { port { b: endpoint { remote-endpoint = <&a>; }; }; };'),
  },
  {
    check: 'graph_child_address',
    bad: dts('dev { ports { #address-cells = <1>; #size-cells = <0>; port@0 { reg = <0>; endpoint { }; }; }; };'),
    good: dts('dev { ports { #address-cells = <1>; #size-cells = <0>; port@0 { reg = <0>; endpoint { }; }; port@1 { reg = <1>; endpoint { }; }; }; };'),
  },
];

/** The sixteen phandle + arguments properties, each with its #cells check. */
const PHANDLE_ARGS: [string, string, string][] = [
  ['clocks', 'clocks', '#clock-cells'],
  ['cooling_device', 'cooling-device', '#cooling-cells'],
  ['dmas', 'dmas', '#dma-cells'],
  ['hwlocks', 'hwlocks', '#hwlock-cells'],
  ['interrupts_extended', 'interrupts-extended', '#interrupt-cells'],
  ['io_channels', 'io-channels', '#io-channel-cells'],
  ['iommus', 'iommus', '#iommu-cells'],
  ['mboxes', 'mboxes', '#mbox-cells'],
  ['msi_parent', 'msi-parent', '#msi-cells'],
  ['mux_controls', 'mux-controls', '#mux-control-cells'],
  ['phys', 'phys', '#phy-cells'],
  ['power_domains', 'power-domains', '#power-domain-cells'],
  ['pwms', 'pwms', '#pwm-cells'],
  ['resets', 'resets', '#reset-cells'],
  ['sound_dai', 'sound-dai', '#sound-dai-cells'],
  ['thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells'],
];
for (const [name, prop, cells] of PHANDLE_ARGS) {
  // An interrupt provider needs #address-cells too, or interrupt_provider joins in.
  const extra = name === 'interrupts_extended' ? 'interrupt-controller; #address-cells = <0>;' : '';
  cases.push({
    check: `${name}_property`,
    bad: dts(`p: p { ${cells} = <1>; ${extra} }; q: q { ${extra} }; n { ${prop} = <&p>; }; m { ${prop} = <&p 1 2>; }; o { ${prop} = <&q 1>; }; r { ${prop} = [01 02]; };`),
    good: dts(`p: p { ${cells} = <1>; ${extra} }; n { ${prop} = <&p 1>, <0>, <&p 2>; };`),
  });
  cases.push({
    check: `${name}_is_cell`,
    bad: dts(`p: p { ${cells} = <1 1>; ${extra} }; n { ${prop} = <&p 1 1>; };`),
    good: dts(`p: p { ${cells} = <2>; ${extra} }; n { ${prop} = <&p 1 1>; };`),
  });
}

const has = (lines: string[], check: string) => lines.some((l) => l.startsWith(`${check}: `));

describe.each(cases.map((c, i) => [`${c.check} #${i}`, c] as const))('%s', (_, c) => {
  it('warns on the bad tree', () => {
    expect(has(ours(c.bad, c.flags), c.check)).toBe(true);
  });
  it('is quiet on the good tree', () => {
    expect(ours(c.good, c.flags).filter((l) => l.startsWith(`${c.check}: `))).toEqual([]);
  });
  it.runIf(haveDtc)('reports exactly what dtc 1.6.1 reports', async () => {
    expect(ours(c.bad, c.flags)).toEqual(await theirs(c.bad, c.flags));
    expect(ours(c.good, c.flags)).toEqual(await theirs(c.good, c.flags));
  });
});

describe('running the checks', () => {
  it('lists dtc 1.6.1 check names, in its order', () => {
    const names = checkNames();
    expect(names.length).toBe(NAMES.size);
    expect(names.indexOf('addr_size_cells')).toBeLessThan(names.indexOf('reg_format'));
    expect(names.slice(-5)).toEqual(['graph_nodes', 'graph_child_address', 'graph_port', 'graph_endpoint', 'always_fail']);
  });

  it('skips a check whose prerequisite failed, and says so', () => {
    const lines = ours(dts('n@1 { reg = <1>; };'));
    expect(lines).toContain("pci_device_reg: Failed prerequisite 'reg_format'");
    expect(lines).toContain("simple_bus_reg: Failed prerequisite 'reg_format'");
  });

  it('reports warnings with the node or property position', () => {
    const r = compileSource(dts('n@1 {\n\treg = <1>;\n};'), 'w.dts', { dtcWarnings: true });
    const d = r.diagnostics.find((x) => x.code === 'reg_format')!;
    expect(d).toMatchObject({ severity: 'warning', line: 5, message: '/n@1:reg: property has invalid length (4 bytes) (#address-cells == 1, #size-cells == 1)' });
    expect(r.ok).toBe(true);
  });

  it('-Wno-x silences x and the checks that need it; -Wx raises x and what it needs', () => {
    const src = dts('n@1 { reg = <1>; };');
    expect(ours(src, ['-Wno-reg_format']).some((l) => l.includes('reg_format'))).toBe(false);
    const off = ours(dts('intc { interrupt-controller; };'), ['-Wno-interrupt_provider']);
    expect(off).toEqual([]);
    expect(ours(dts('a_b { };'), ['-Wnode_name_chars_strict'])).toEqual(["node_name_chars_strict: /a_b: Character '_' not recommended in node name"]);
  });

  it('-E turns a warning into an error, and no check runs after an error', () => {
    const r = compileSource(dts('n@1 { reg = <1>; }; m@0x1 { reg = <1 1>; };'), 'w.dts', { dtcWarnings: true, checkFlags: ['-Ereg_format'] });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'reg_format']]);
    const dup = compileSource(dts('a { }; a { }; m@0x1 { reg = <1 1>; };'), 'w.dts', { dtcWarnings: true });
    expect(dup.diagnostics.map((d) => d.code)).toEqual(['duplicate_node_names']);
  });

  it('runs only error checks unless asked for dtc warnings (board and guest files are not Linux trees)', () => {
    const src = dts('n@1 { reg = <1>; }; intc { interrupt-controller; };');
    expect(ourChecks(compileSource(src, 'w.dts').diagnostics, NAMES)).toEqual([]);
    expect(ourChecks(compileSource(src, 'w.dts', { checkFlags: ['-Winterrupt_provider'] }).diagnostics, NAMES)).toEqual([
      'interrupt_provider: /intc: Missing #interrupt-cells in interrupt provider',
      'interrupt_provider: /intc: Missing #address-cells in interrupt provider',
    ]);
  });

  it('takes the old level map too', () => {
    const r = compileSource(dts('n@1 { reg = <1>; };'), 'w.dts', { dtcWarnings: true, checkLevels: new Map([['reg_format', 'off']]) });
    expect(r.diagnostics.some((d) => d.code === 'reg_format')).toBe(false);
  });

  it('does not ask a DTB for phandle markers (a blob has none)', () => {
    const src = dts('p: p { #clock-cells = <0>; phandle = <1>; }; n { clocks = <1>; };');
    expect(ours(src)).toEqual(['clocks_property: /n:clocks: cell 0 is not a phandle reference']);
    const blob = toBlob(compileSource(src, 'w.dts').tree!);
    expect(ourChecks(loadBlob(blob, 'w.dtb', { dtcWarnings: true }).diagnostics, NAMES)).toEqual([]);
  });

  it.runIf(haveDtc)('agrees with dtc on prerequisite notes and -W/-E propagation', async () => {
    const src = dts('n@1 { reg = <1>; }; pci@2 { device_type = "pci"; reg = <2 1>; }; intc { interrupt-controller; };');
    for (const flags of [[], ['-Wno-reg_format'], ['-Wno-addr_size_cells'], ['-Wno-pci_bridge', '-Wunique_unit_address_if_enabled']]) {
      expect(ours(src, flags)).toEqual(await theirs(src, flags));
    }
  });
});
