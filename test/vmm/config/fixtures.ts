/**
 * Shared sources and helpers for the configuration tests. The sources are arrays of lines so that a test can
 * replace one line (keeping every other line number) and state the position it expects by hand: line = the
 * number in the comment, column = 1 + the indentation (two spaces a level) in the source line.
 */
import { expect } from 'vitest';
import { compileSource } from '../../../src/dts/compile.js';
import type { Diagnostic } from '../../../src/dts/diagnostics.js';
import { validate, type ConfigFile, type Validation } from '../../../src/vmm/config/validate.js';

export type Lines = readonly string[];

/** A valid board: 2 harts in one core, 256 MiB at 0x80000000 of which the first 2 MiB are reserved. */
export const HOST: Lines = [
  /*  1 */ '/dts-v1/;',
  /*  2 */ '/ {',
  /*  3 */ '  #address-cells = <2>;',
  /*  4 */ '  #size-cells = <2>;',
  /*  5 */ '  chosen {',
  /*  6 */ '    stdout-path = "/uart@10000000";',
  /*  7 */ '  };',
  /*  8 */ '  vmm {',
  /*  9 */ '    mterm_priority = <3>;',
  /* 10 */ '    mterm_time_slice = <10000000>;',
  /* 11 */ '    scheduler = "prr";',
  /* 12 */ '  };',
  /* 13 */ '  cpus {',
  /* 14 */ '    #address-cells = <1>;',
  /* 15 */ '    #size-cells = <0>;',
  /* 16 */ '    timebase-frequency = <10000000>;',
  /* 17 */ '    cpu0: cpu@0 {',
  /* 18 */ '      device_type = "cpu";',
  /* 19 */ '      reg = <0>;',
  /* 20 */ '      riscv,isa = "rv64imafdc";',
  /* 21 */ '    };',
  /* 22 */ '    cpu1: cpu@1 {',
  /* 23 */ '      device_type = "cpu";',
  /* 24 */ '      reg = <1>;',
  /* 25 */ '      riscv,isa = "rv64imafdc";',
  /* 26 */ '    };',
  /* 27 */ '    cpu-map {',
  /* 28 */ '      core0 {',
  /* 29 */ '        thread0 {',
  /* 30 */ '          cpu = <&cpu0>;',
  /* 31 */ '        };',
  /* 32 */ '        thread1 {',
  /* 33 */ '          cpu = <&cpu1>;',
  /* 34 */ '        };',
  /* 35 */ '      };',
  /* 36 */ '    };',
  /* 37 */ '  };',
  /* 38 */ '  memory@80000000 {',
  /* 39 */ '    device_type = "memory";',
  /* 40 */ '    reg = <0x0 0x80000000 0x0 0x10000000>;',
  /* 41 */ '  };',
  /* 42 */ '  reserved-memory {',
  /* 43 */ '    #address-cells = <2>;',
  /* 44 */ '    #size-cells = <2>;',
  /* 45 */ '    ranges;',
  /* 46 */ '    fw@80000000 {',
  /* 47 */ '      reg = <0x0 0x80000000 0x0 0x200000>;',
  /* 48 */ '    };',
  /* 49 */ '  };',
  /* 50 */ '  uart@10000000 {',
  /* 51 */ '    compatible = "ns16550a";',
  /* 52 */ '    reg = <0x0 0x10000000 0x0 0x100>;',
  /* 53 */ '  };',
  /* 54 */ '};',
];

/**
 * A valid guest file with one VCPU and one region of each kind: fixed RAM (host 0x88000000, inside HOST's memory),
 * an alias of it, a PLIC, a UART and allocated RAM. Named after its file (`g.dts` makes guest `g`).
 */
export const GUEST: Lines = [
  /*  1 */ '/dts-v1/;',
  /*  2 */ '/ {',
  /*  3 */ '  device_type = "guest";',
  /*  4 */ '  vcpus {',
  /*  5 */ '    vcpu0 {',
  /*  6 */ '      device_type = "vcpu";',
  /*  7 */ '      compatible = "riscv,generic";',
  /*  8 */ '      riscv,isa = "rv64imafdc";',
  /*  9 */ '      start_pc = <0x80000000>;',
  /* 10 */ '      priority = <3>;',
  /* 11 */ '      time_slice = <1000000>;',
  /* 12 */ '      deadline = <500000>;',
  /* 13 */ '      periodicity = <1000000>;',
  /* 14 */ '      affinity = <0 1>;',
  /* 15 */ '    };',
  /* 16 */ '  };',
  /* 17 */ '  aspace {',
  /* 18 */ '    guest_irq_count = <32>;',
  /* 19 */ '    ram {',
  /* 20 */ '      manifest_type = "real";',
  /* 21 */ '      address_type = "memory";',
  /* 22 */ '      device_type = "ram";',
  /* 23 */ '      guest_physical_addr = <0x80000000>;',
  /* 24 */ '      physical_size = <0x100000>;',
  /* 25 */ '      host_physical_addr = <0x88000000>;',
  /* 26 */ '    };',
  /* 27 */ '    boot {',
  /* 28 */ '      manifest_type = "alias";',
  /* 29 */ '      address_type = "memory";',
  /* 30 */ '      device_type = "rom";',
  /* 31 */ '      guest_physical_addr = <0x1000>;',
  /* 32 */ '      physical_size = <0x1000>;',
  /* 33 */ '      alias_physical_addr = <0x80000000>;',
  /* 34 */ '    };',
  /* 35 */ '    plic {',
  /* 36 */ '      manifest_type = "virtual";',
  /* 37 */ '      address_type = "memory";',
  /* 38 */ '      device_type = "pic";',
  /* 39 */ '      compatible = "sifive,plic0";',
  /* 40 */ '      guest_physical_addr = <0xc000000>;',
  /* 41 */ '      physical_size = <0x4000000>;',
  /* 42 */ '      parent_irq = <10>;',
  /* 43 */ '      num_irq = <31>;',
  /* 44 */ '      max_priority = <7>;',
  /* 45 */ '    };',
  /* 46 */ '    uart {',
  /* 47 */ '      manifest_type = "virtual";',
  /* 48 */ '      address_type = "io";',
  /* 49 */ '      device_type = "serial";',
  /* 50 */ '      compatible = "ns16550a";',
  /* 51 */ '      guest_physical_addr = <0x10000000>;',
  /* 52 */ '      physical_size = <0x1000>;',
  /* 53 */ '      interrupts = <10>;',
  /* 54 */ '    };',
  /* 55 */ '    heap {',
  /* 56 */ '      manifest_type = "real";',
  /* 57 */ '      address_type = "memory";',
  /* 58 */ '      device_type = "alloced_ram";',
  /* 59 */ '      guest_physical_addr = <0x40000000>;',
  /* 60 */ '      physical_size = <0x200000>;',
  /* 61 */ '      align_order = <21>;',
  /* 62 */ '    };',
  /* 63 */ '  };',
  /* 64 */ '};',
];

/**
 * A guest in the form `guest_fdt_load` takes: a VCPU template and a RAM region sized by an override through the
 * alias `mem0`.
 */
export const TEMPLATE_GUEST: Lines = [
  /*  1 */ '/dts-v1/;',
  /*  2 */ '/ {',
  /*  3 */ '  device_type = "guest";',
  /*  4 */ '  aliases {',
  /*  5 */ '    mem0 = &MEM0;',
  /*  6 */ '    uart0 = &UART0;',
  /*  7 */ '  };',
  /*  8 */ '  vcpu_template {',
  /*  9 */ '    device_type = "vcpu";',
  /* 10 */ '    compatible = "riscv,generic"; riscv,isa = "rv64imafdc";',
  /* 11 */ '    start_pc = <0x80000000>;',
  /* 12 */ '    poweroff;',
  /* 13 */ '  };',
  /* 14 */ '  aspace {',
  /* 15 */ '    guest_irq_count = <32>;',
  /* 16 */ '    MEM0: mem0 {',
  /* 17 */ '      manifest_type = "real";',
  /* 18 */ '      address_type = "memory";',
  /* 19 */ '      device_type = "alloced_ram";',
  /* 20 */ '      guest_physical_addr = <0x80000000>;',
  /* 21 */ '      physical_size = <0x0>;',
  /* 22 */ '    };',
  /* 23 */ '    UART0: uart0 {',
  /* 24 */ '      manifest_type = "virtual";',
  /* 25 */ '      address_type = "io";',
  /* 26 */ '      device_type = "sys";',
  /* 27 */ '      compatible = "sifive,test0";',
  /* 28 */ '      guest_physical_addr = <0x100000>;',
  /* 29 */ '      physical_size = <0x1000>;',
  /* 30 */ '    };',
  /* 31 */ '  };',
  /* 32 */ '};',
];

/**
 * `base` with some lines replaced (1-based numbers). A replacement of several lines (an array, or text with line
 * breaks) shifts the lines after it; '' empties a line and keeps the numbering.
 */
export function edit(base: Lines, changes: Readonly<Record<number, string | Lines>> = {}): string {
  const out = [...base];
  for (const [n, text] of Object.entries(changes)) {
    const i = Number(n) - 1;
    if (i < 0 || i >= out.length) throw new Error(`line ${n} is outside the source`);
    out[i] = typeof text === 'string' ? text : text.join('\n');
  }
  return out.join('\n') + '\n';
}

/** Compile a source (it must compile without errors). */
export function file(path: string, text: string | Lines): ConfigFile {
  const result = compileSource(typeof text === 'string' ? text : text.join('\n') + '\n', path);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, `${path} compiles`).toEqual([]);
  return { path, tree: result.tree! };
}

/** Compile and validate files given as [path, text] pairs. */
export function check(...files: readonly (readonly [string, string | Lines])[]): Validation {
  return validate(files.map(([path, text]) => file(path, text)));
}

export const codesOf = (v: Validation): string[] => v.diagnostics.map((d) => d.code);

/** What a failing case expects of its diagnostic. */
export interface Expected {
  code: string;
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  /** A fragment of the message. */
  message: string | RegExp;
}

/** The one diagnostic with `e.code` (there must be exactly one), checked field by field. */
export function expectOne(v: Validation, e: Expected): Diagnostic {
  const found = v.diagnostics.filter((d) => d.code === e.code);
  expect(found.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`), `one ${e.code} diagnostic`).toHaveLength(1);
  return expectDiag(found[0]!, e);
}

/** A diagnostic matches `e`. */
export function expectDiag(d: Diagnostic, e: Expected): Diagnostic {
  expect({ code: d.code, severity: d.severity, file: d.file, line: d.line, column: d.column })
    .toEqual({ code: e.code, severity: e.severity, file: e.file, line: e.line, column: e.column });
  if (typeof e.message === 'string') expect(d.message).toContain(e.message);
  else expect(d.message).toMatch(e.message);
  return d;
}

/** No diagnostic of that code. */
export function expectNone(v: Validation, code: string): void {
  expect(v.diagnostics.filter((d) => d.code === code).map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`)).toEqual([]);
}
