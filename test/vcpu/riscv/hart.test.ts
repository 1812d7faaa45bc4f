/**
 * The hart's contract with the runtime: exits (ECALL, WFI, MMIO, fetch faults) with their details, completion
 * of MMIO and SBI calls, guest traps with the right cause/epc/tval, and robustness against arbitrary code.
 */
import { describe, expect, it } from 'vitest';
import { RamBus } from '../../../src/aspace/ram-bus.js';
import { Hart } from '../../../src/vcpu/riscv/hart.js';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import { asm, X } from './asm.js';

const RAM = 0x80000000;

function machine(words: number[]): { hart: Hart; bus: RamBus } {
  const bus = new RamBus([{ base: RAM, size: 1 << 20 }]);
  const code = new Uint8Array(new Uint32Array(words).buffer);
  bus.write(RAM, code);
  const hart = new Hart(bus);
  hart.reset(RAM | 0, 0);
  return { hart, bus };
}

/** Instructions loading the unsigned 32-bit value v into rd (lui + addi, then zero-extended). */
function li32(rd: number, v: number): number[] {
  const lo = (v << 20) >> 20;
  const hi = ((v - lo) >>> 12) & 0xfffff;
  return [asm.lui(rd, hi), asm.addi(rd, rd, lo), asm.slli(rd, rd, 32), asm.srli(rd, rd, 32)];
}

/** A program of `words` with `handler` placed at byte offset 0x100 (the tests' stvec). */
const withHandler = (words: number[], handler: number[]): number[] =>
  [...words, ...new Array(64 - words.length).fill(0), ...handler];

/** Set stvec to RAM + offset with t0. */
const setStvec = (offset: number): number[] => [...li32(X.t0, RAM + offset), asm.csrrw(0, 0x105, X.t0)];

describe('exits to the runtime', () => {
  it('ECALL from S mode exits with pc at the ecall; completeEcall continues after it', () => {
    const { hart } = machine([asm.addi(X.a7, 0, 0x10), asm.ecall(), asm.addi(X.a0, X.a0, 1), asm.wfi()]);
    expect(hart.run(100)).toBe(Exit.Ecall);
    expect(hart.pcLo >>> 0).toBe(RAM + 4);
    expect(hart.icount).toBe(1);
    hart.x[20] = 41;
    hart.completeEcall();
    expect(hart.run(100)).toBe(Exit.Wfi);
    expect(hart.x[20]).toBe(42);
    expect(hart.pcLo >>> 0).toBe(RAM + 16);
    expect(hart.icount).toBe(4);
  });

  it('a load from a non-RAM address is an MMIO exit; completeMmio writes rd sign-extended', () => {
    const { hart } = machine([...li32(X.a1, 0x10000000), asm.lw(X.a0, X.a1, 8), asm.wfi()]);
    expect(hart.run(100)).toBe(Exit.Mmio);
    expect(hart.mmio).toMatchObject({ addrLo: 0x10000008, addrHi: 0, size: 4, write: false });
    expect(hart.pcLo >>> 0).toBe(RAM + 16);
    hart.completeMmio(0xdeadbeef | 0, 0);
    expect(hart.x[20]).toBe(0xdeadbeef | 0);
    expect(hart.x[21]).toBe(-1);
    expect(hart.run(100)).toBe(Exit.Wfi);
    expect(hart.icount).toBe(6);
  });

  it('a store to a non-RAM address carries its data; failMmio turns it into a store access fault', () => {
    const { hart } = machine([
      ...setStvec(0x100), ...li32(X.a1, 0x10000000), ...li32(X.a2, 0x12345678), asm.sd(X.a2, X.a1, 16), asm.wfi(),
    ]);
    expect(hart.run(100)).toBe(Exit.Mmio);
    expect(hart.mmio).toMatchObject({ addrLo: 0x10000010, size: 8, write: true, dataLo: 0x12345678, dataHi: 0 });
    hart.failMmio();
    expect(hart.scauseLo).toBe(7);
    expect(hart.stvalLo).toBe(0x10000010);
    expect(hart.sepcLo >>> 0).toBe(RAM + 52);
    expect(hart.pcLo >>> 0).toBe(RAM + 0x100);
  });

  it('a jump into memory that does not exist is a fetch-fault exit, not a crash', () => {
    const { hart } = machine([...li32(X.a0, 0x1000), asm.jalr(0, X.a0, 0)]);
    expect(hart.run(100)).toBe(Exit.FetchFault);
    expect(hart.pcLo).toBe(0x1000);
    expect(hart.fetchFaultAddress()).toEqual({ lo: 0x1000, hi: 0 });
  });

  it('the budget is exact, whatever the block sizes', () => {
    const loop = [asm.addi(X.a0, X.a0, 1), asm.addi(X.a1, X.a1, 2), asm.addi(X.a2, X.a2, 3), asm.jal0(-12)];
    const { hart } = machine(loop);
    for (const n of [1, 2, 3, 5, 7, 11, 100, 1001]) {
      const before = hart.icount;
      expect(hart.run(n)).toBe(Exit.Budget);
      expect(hart.icount - before).toBe(n);
    }
  });
});

describe('guest traps', () => {
  it('an illegal instruction traps to stvec with scause 2, stval = the instruction bits', () => {
    const { hart } = machine(withHandler([...setStvec(0x100), 0xffffffff], [asm.jal0(0)]));
    hart.run(6);
    expect(hart.scauseLo).toBe(2);
    expect(hart.stvalLo).toBe(-1);
    expect(hart.sepcLo >>> 0).toBe(RAM + 20);
    expect(hart.pcLo >>> 0).toBe(RAM + 0x100);
  });

  it('a misaligned AMO traps with scause 6 and stval = the address', () => {
    const { hart } = machine(withHandler([...setStvec(0x100), ...li32(X.a2, RAM + 0x801), asm.amoaddW(X.a0, X.a1, X.a2)], [asm.jal0(0)]));
    hart.run(20);
    expect(hart.scauseLo).toBe(6);
    expect(hart.stvalLo >>> 0).toBe(RAM + 0x801);
    expect(hart.sepcLo >>> 0).toBe(RAM + 36);
  });

  it('a misaligned LR traps with scause 4', () => {
    const { hart } = machine(withHandler([...setStvec(0x100), ...li32(X.a2, RAM + 0x804), asm.lrD(X.a0, X.a2)], [asm.jal0(0)]));
    hart.run(20);
    expect(hart.scauseLo).toBe(4);
  });

  it('misaligned ordinary loads and stores work (as on QEMU)', () => {
    const { hart, bus } = machine([
      ...li32(X.a2, RAM + 0xffd), ...li32(X.a1, 0x11223344), asm.sd(X.a1, X.a2, 0), asm.ld(X.a0, X.a2, 0), asm.wfi(),
    ]);
    expect(hart.run(100)).toBe(Exit.Wfi);
    expect(hart.x[20]).toBe(0x11223344);
    expect(Array.from(bus.read(RAM + 0xffd, 4)!)).toEqual([0x44, 0x33, 0x22, 0x11]);
  });

  it('the Sstc timer interrupts at the instruction its deadline names', () => {
    const { hart } = machine(withHandler([
      ...setStvec(0x100),
      asm.addi(X.t0, 0, 0x20), asm.csrrs(0, 0x104, X.t0), // sie.STIE
      asm.addi(X.t0, 0, 2), asm.csrrs(0, 0x100, X.t0), // sstatus.SIE
      asm.addi(X.t0, 0, 50), asm.csrrw(0, 0x14d, X.t0), // stimecmp = 50 ticks
      asm.jal0(0),
    ], [asm.addi(X.a0, X.a0, 1), asm.jal0(0)]));
    hart.instructionsPerTick = 10;
    hart.run(1000);
    expect(hart.scauseHi).toBe(-0x80000000);
    expect(hart.scauseLo).toBe(5);
    expect(hart.sepcLo >>> 0).toBe(RAM + 44); // the spinning jal
    expect(hart.x[20]).toBe(1); // the handler ran once: SIE is clear inside it
    expect(hart.icount).toBe(1000);
  });
});

describe('counters', () => {
  it('instret, cycle and time read mid-block count exactly the instructions retired before them', () => {
    const nops = Array.from({ length: 7 }, () => asm.addi(0, 0, 0));
    const { hart } = machine([...nops, asm.csrrs(X.a0, 0xc02, 0), asm.csrrs(X.a1, 0xc00, 0), asm.csrrs(X.a2, 0xc01, 0), asm.wfi()]);
    hart.instructionsPerTick = 1;
    expect(hart.run(100)).toBe(Exit.Wfi);
    expect([hart.x[20], hart.x[22], hart.x[24]]).toEqual([7, 8, 9]);
  });

  it('an MMIO exit after several instructions of a block sees the exact instruction count', () => {
    const { hart } = machine([asm.addi(X.a0, 0, 1), asm.addi(X.a0, X.a0, 1), ...li32(X.a1, 0x10000000), asm.lw(X.a2, X.a1, 0)]);
    expect(hart.run(100)).toBe(Exit.Mmio);
    expect(hart.icount).toBe(6);
  });
});

describe('translated code', () => {
  it('a store over already-translated code takes effect (self-modifying code with fence.i)', () => {
    // Loop: call the routine at 0x100, patch its first instruction, fence.i, call it again.
    const patched = asm.addi(X.a0, X.a0, 100);
    const { hart } = machine(withHandler([
      ...li32(X.t1, RAM + 0x100),
      asm.jalr(X.ra, X.t1, 0), // a0 += 1
      ...li32(X.t2, patched), asm.sw(X.t2, X.t1, 0),
      0x0000100f, // fence.i
      asm.jalr(X.ra, X.t1, 0), // a0 += 100
      asm.wfi(),
    ], [asm.addi(X.a0, X.a0, 1), asm.jalr(0, X.ra, 0)]));
    expect(hart.run(1000)).toBe(Exit.Wfi);
    expect(hart.x[20]).toBe(101);
  });

  it('the same physical code reached through two virtual mappings runs correctly from both', () => {
    // Sv39 with two 1 GiB leaves: VA 0x80000000 and VA 0x1_80000000 both map PA 0x80000000.
    const root = 0x80000 + 16; // page-table page at RAM + 64 KiB (the RAM of this machine is 1 MiB)
    const rootPa = RAM + 0x10000;
    const program = withHandler([
      ...li32(X.t0, root), asm.addi(X.t1, 0, 8), asm.slli(X.t1, X.t1, 60), asm.add(X.t0, X.t0, X.t1),
      asm.csrrw(0, 0x180, X.t0), // satp = Sv39 | root
      // Call the routine at 0x80000100, then at 0x1_80000100.
      ...li32(X.t1, RAM + 0x100), asm.jalr(X.ra, X.t1, 0),
      asm.addi(X.t2, 0, 1), asm.slli(X.t2, X.t2, 32), asm.add(X.t1, X.t1, X.t2), asm.jalr(X.ra, X.t1, 0),
      asm.wfi(),
    ], [0x00000597 /* auipc a1, 0 */, asm.addi(X.a0, X.a0, 1), asm.jalr(0, X.ra, 0)]);
    const { hart, bus } = machine(program);
    const pte = (((RAM / 4096) << 10) | 0xcf) >>> 0; // V R W X A D, PPN = 0x80000
    const table = new Uint32Array(1024);
    table[2 * 2] = pte; // VPN[2] = 2 → VA 0x80000000
    table[2 * 6] = pte; // VPN[2] = 6 → VA 0x1_80000000
    bus.write(rootPa, new Uint8Array(table.buffer));
    expect(hart.run(1000)).toBe(Exit.Wfi);
    expect(hart.x[20]).toBe(2);
    // The second call ran the (already translated) routine at the high alias: auipc saw that pc.
    expect(hart.reg(11)).toBe(2 ** 32 + RAM + 0x100);
  });
});

describe('robustness', () => {
  it('a trap vector that traps again ends the run with a trap-loop exit instead of hanging', () => {
    const { hart } = machine([...setStvec(0x100), 0]);
    expect(hart.run(1e9)).toBe(Exit.TrapLoop);
    expect(hart.pcLo >>> 0).toBe(RAM + 0x100);
    expect(hart.scauseLo).toBe(2);
  });

  it('arbitrary bytes as code never throw: every run ends in a trap, an exit or the budget', () => {
    let seed = 12345;
    const rand = (): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return seed >>> 0;
    };
    for (let trial = 0; trial < 40; trial++) {
      const words = Array.from({ length: 4096 }, () => (trial % 2 ? rand() : rand() & 0xffff007f | 0x13));
      const { hart } = machine(words);
      hart.setTimer(-1, -1);
      let exits = 0;
      for (let step = 0; step < 200 && hart.icount < 20_000; step++) {
        const exit = hart.run(1000);
        if (exit === Exit.Ecall) hart.completeEcall();
        else if (exit === Exit.Mmio) hart.failMmio();
        else if (exit === Exit.FetchFault || exit === Exit.Wfi || exit === Exit.TrapLoop) {
          exits++;
          hart.reset((RAM + (rand() % 16384) * 4) | 0, 0);
          hart.stvecLo = (RAM + (rand() % 16384) * 4) | 0;
        }
      }
      expect(hart.icount + exits).toBeGreaterThan(0);
    }
  });
});
