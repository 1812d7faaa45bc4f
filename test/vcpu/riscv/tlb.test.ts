/**
 * Which TLB entries outlive an address-space change. A global mapping (G at any level of the walk) of a page that is
 * not a user page, readable without MXR, stays across a satp write of the same mode, `sfence.vma x0, asid` and a
 * SUM or MXR change, as in a hart whose TLB is tagged by ASID; every other entry goes. `sfence.vma x0, x0` drops
 * global ones too.
 */
import { describe, expect, it } from 'vitest';
import { RamBus } from '../../../src/aspace/ram-bus.js';
import { Hart } from '../../../src/vcpu/riscv/hart.js';
import { Exit } from '../../../src/vcpu/riscv/exit.js';
import { TlbSet } from '../../../src/vcpu/riscv/tlb.js';
import { asm, X } from './asm.js';

const RAM = 0x80000000;
const ROOT = RAM + 0x10000;
const V = 1, R = 2, W = 4, XP = 8, U = 16, G = 32, A = 64, D = 128;

/** A 1 GiB leaf mapping RAM's first GiB, with `flags`. */
const leaf = (flags: number): number => ((((RAM / 4096) << 10) | flags) >>> 0);

/** Sv39 over root ROOT: VPN[2] 2 (VA 0x80000000, where the code runs) global RWX; the rest as `entries` give. */
function machine(program: number[], entries: Record<number, number>): { hart: Hart; bus: RamBus; table: Uint32Array } {
  const bus = new RamBus([{ base: RAM, size: 1 << 20 }]);
  bus.write(RAM, new Uint8Array(new Uint32Array(program).buffer));
  const table = new Uint32Array(1024);
  table[2 * 2] = leaf(V | R | W | XP | G | A | D);
  for (const [vpn, pte] of Object.entries(entries)) table[2 * Number(vpn)] = pte;
  bus.write(ROOT, new Uint8Array(table.buffer));
  const hart = new Hart(bus);
  hart.reset(RAM | 0, 0);
  return { hart, bus, table };
}

/** Instructions: t0 = the satp value for Sv39 over ROOT. */
const satpValue = [asm.lui(X.t0, (ROOT / 4096) >>> 12), asm.addi(X.t0, X.t0, (ROOT / 4096) & 0xfff), asm.addi(X.t1, 0, 8),
  asm.slli(X.t1, X.t1, 60), asm.add(X.t0, X.t0, X.t1)];

describe('TlbSet', () => {
  it('flushPassing drops the entries installed as passing and keeps the lasting ones, past its list too', () => {
    const t = new TlbSet();
    t.install(0, 0x1000, 0, 0x5000, true);
    t.install(0, 0x2000, 0, 0x6000, false);
    t.flushPassing();
    expect([t.tag[1], t.tag[2]]).toEqual([0x1000, 1]);
    // More passing entries than the list holds: every non-lasting entry is looked at.
    for (let i = 0; i < 1000; i++) t.install(0, (i + 3) << 12, 0, 0x7000, false);
    t.install(0, 0x2000, 0, 0x6000, true);
    t.flushPassing();
    expect(t.tag[1]).toBe(0x1000);
    expect(t.tag[2]).toBe(0x2000);
    expect([...t.tag.subarray(3, 1003)].every((tag) => tag === 1)).toBe(true);
    t.flush();
    expect(t.tag[1]).toBe(1);
  });
});

describe('the hart\'s TLB across address-space changes', () => {
  /**
   * Load from VA `va` (filling the TLB), make the page table map nothing there any more, run `change`, and load
   * again: whether the old translation was still used (else the load page-faults into the handler at 0x200, which
   * sets a1 = 1).
   */
  function survives(vpn: number, pte: number, change: number[], mstatusSum = false): boolean {
    const va = vpn * 2 ** 30;
    const program = [
      ...satpValue, asm.csrrw(0, 0x180, X.t0),
      ...(mstatusSum ? [asm.lui(X.t2, 0x40), asm.csrrs(0, 0x100, X.t2)] : []), // sstatus.SUM
      asm.lui(X.a2, (va / 4096) & 0xfffff), ...(vpn >= 4 ? [asm.addi(X.a3, 0, vpn >> 2), asm.slli(X.a3, X.a3, 32), asm.add(X.a2, X.a2, X.a3)] : []),
      asm.ld(X.a0, X.a2, 0x100), // fills the TLB
      asm.sd(0, X.a5, 0), // a5: the PTE's address: the mapping is gone
      ...change,
      asm.ld(X.a0, X.a2, 0x100),
      asm.wfi(),
    ];
    const { hart } = machine([...program, ...new Array(128 - program.length).fill(0), asm.addi(X.a1, 0, 1), asm.wfi()], { [vpn]: pte });
    hart.x[2 * X.a5] = (ROOT + 8 * vpn) | 0;
    hart.x[2 * X.a5 + 1] = 0;
    hart.stvecLo = (RAM + 0x200) | 0;
    hart.stvecHi = 0;
    expect(hart.run(10_000)).toBe(Exit.Wfi);
    return hart.x[2 * X.a1] === 0;
  }
  const global = leaf(V | R | W | G | A | D), local = leaf(V | R | W | A | D);
  const sameSatp = [asm.csrrw(0, 0x180, X.t0)];

  it('a satp write of the same mode keeps global mappings and drops the others', () => {
    expect(survives(1, global, sameSatp)).toBe(true);
    expect(survives(1, local, sameSatp)).toBe(false);
  });

  it('a global mapping of a user page does not outlive it, nor a SUM change', () => {
    expect(survives(1, leaf(V | R | W | U | G | A | D), sameSatp, true)).toBe(false);
  });

  it('sfence.vma x0, x0 drops global mappings; sfence.vma x0, asid keeps them', () => {
    const sfence = (rs1: number, rs2: number): number => ((0x09 << 25) | (rs2 << 20) | (rs1 << 15) | 0x73) >>> 0;
    expect(survives(1, global, [sfence(0, 0)])).toBe(false);
    expect(survives(1, global, [asm.addi(X.a4, 0, 1), sfence(0, X.a4)])).toBe(true);
    expect(survives(1, local, [asm.addi(X.a4, 0, 1), sfence(0, X.a4)])).toBe(false);
  });

  it('a SUM change keeps global kernel mappings and drops a user page\'s', () => {
    const clearSum = [asm.lui(X.t2, 0x40), ((0x100 << 20) | (X.t2 << 15) | (3 << 12) | 0x73) >>> 0]; // csrrc x0, sstatus, t2
    expect(survives(1, global, clearSum, true)).toBe(true);
    expect(survives(1, leaf(V | R | W | U | G | A | D), clearSum, true)).toBe(false);
  });
});
