/**
 * SBI console output is charged virtual time (CONSOLE_BYTE_NS a byte) and capped per slice: a guest flooding its
 * console with DBCN writes pays for the host work it causes, and a guest beside it prints on time.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../src/dts/compile.js';
import { validate } from '../../src/vmm/config/validate.js';
import { guestFdtLoad } from '../../src/vmm/config/guest-load.js';
import { Hypervisor } from '../../src/vmm/hypervisor.js';
import { CONSOLE_BYTE_NS } from '../../src/vmm/vcpu-loop.js';

const ROOT = join(import.meta.dirname, '../..');

/** for (;;) sbi_debug_console_write(4096, 0x80200000): a DBCN flood (rv64i, at 0x80200000). */
const FLOOD = new Uint8Array(Uint32Array.from([
  0x44424437, 0x34e4041b, 0x00040893, 0x00000813, 0x00001537, 0x802005b7, 0x02059593, 0x0205d593, 0x00000613,
  0x00000073, 0xfe1ff06f,
]).buffer);

/** for (;;) *(volatile u8 *)0x10000000 = 'x': a flood through the ns16550a UART's THR. */
const UART_FLOOD = new Uint8Array(Uint32Array.from([0x100002b7, 0x07800313, 0x00628023, 0xffdff06f]).buffer);

/** Two basic guests on the 4-CPU host board; `first` is loaded into g0 (or nothing), rv64i.elf into g1. */
function twoGuests(first: Uint8Array | undefined): { hv: Hypervisor; bytes: Map<string, number>; passAt: () => number | undefined } {
  const boardPath = join(ROOT, 'boards/host.dtsi');
  const board = compileSource(readFileSync(boardPath, 'latin1'), boardPath).tree!;
  const guestPath = join(ROOT, 'guests/dts/basic.dts');
  for (const name of ['g0', 'g1']) expect(guestFdtLoad(board, name, compileSource(readFileSync(guestPath, 'latin1'), guestPath).tree!, 1).ok).toBe(true);
  const v = validate([{ path: boardPath, tree: board }]);
  const bytes = new Map<string, number>();
  let text = '';
  let pass: number | undefined;
  const hv: Hypervisor = new Hypervisor(board, v.host!, {
    output: (name, b) => {
      bytes.set(name, (bytes.get(name) ?? 0) + b.length);
      if (name !== 'g1/sbi' || pass !== undefined) return;
      text += Buffer.from(b).toString('latin1');
      if (text.includes('PASS rv64i')) pass = hv.guests.get('g1')!.instance.now();
    },
  });
  hv.createGuest('g0');
  hv.createGuest('g1');
  if (first) {
    hv.guests.get('g0')!.instance.loadImage(first, 0x80200000);
    hv.kickGuest('g0');
  }
  hv.guests.get('g1')!.instance.loadImage(readFileSync(join(ROOT, 'guests/bin/rv64i.elf')));
  hv.kickGuest('g1');
  return { hv, bytes, passAt: () => pass };
}

describe('console flood', () => {
  it('a DBCN flood from one guest leaves the other guest\'s output on time', () => {
    const alone = twoGuests(undefined);
    alone.hv.runUntil(5e8);
    const onTime = alone.passAt();
    expect(onTime).toBeGreaterThan(0);

    const flooded = twoGuests(FLOOD);
    const t0 = performance.now();
    flooded.hv.runUntil(5e7); // 50 ms of virtual time
    const wall = performance.now() - t0;
    flooded.hv.runUntil(5e8);
    expect(flooded.passAt()).toBe(onTime);
    // The flood paid CONSOLE_BYTE_NS a byte: at most 500 ms / 100 ns = 5,000,000 bytes (+ a slice's cap).
    const printed = flooded.bytes.get('g0/sbi') ?? 0;
    expect(printed).toBeGreaterThan(100_000);
    expect(printed).toBeLessThan(5e8 / CONSOLE_BYTE_NS + 32 * 1024);
    console.log(`flood: ${printed} bytes in 500 ms virtual; first 50 ms took ${wall.toFixed(0)} ms wall`);
    expect(wall).toBeLessThan(5000);
  });

  it('the round-265 DBCN loop reproducer leaves the other guest on time', () => {
    const alone = twoGuests(undefined);
    alone.hv.runUntil(5e8);
    const repro = readFileSync(join(import.meta.dirname, 'repro/c2-hang-round265-dbcn-loop.bin'));
    const flooded = twoGuests(repro);
    const t0 = performance.now();
    flooded.hv.runUntil(5e8);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(flooded.passAt()).toBe(alone.passAt());
  });

  it('a UART flood is charged the same: the other guest stays on time', () => {
    const alone = twoGuests(undefined);
    alone.hv.runUntil(5e8);
    const flooded = twoGuests(UART_FLOOD);
    const t0 = performance.now();
    flooded.hv.runUntil(5e8);
    const wall = performance.now() - t0;
    expect(flooded.passAt()).toBe(alone.passAt());
    const printed = flooded.bytes.get('g0/uart0') ?? 0;
    expect(printed).toBeGreaterThan(100_000);
    expect(printed).toBeLessThan(5e8 / CONSOLE_BYTE_NS + 32 * 1024);
    console.log(`UART flood: ${printed} bytes in 500 ms virtual, ${wall.toFixed(0)} ms wall`);
    expect(wall).toBeLessThan(10_000);
  });
});
