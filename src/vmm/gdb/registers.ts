/**
 * The hart's registers as GDB numbers them for RISC-V (gdb/features/riscv): x0..x31 are 0..31, pc 32, f0..f31
 * 33..64, a CSR n is 65 + n (fflags 66, frm 67, fcsr 68), and the virtual `priv` register 65 + 4096. The target
 * description below tells GDB so; values travel little-endian in hex.
 */
import type { Hart } from '../../vcpu/riscv/hart.js';
import { CSR, debugReadCsr, debugWriteCsr } from '../../vcpu/riscv/csr.js';
import { Priv } from '../../vcpu/riscv/privilege.js';

export const PC_REGNUM = 32;
const FIRST_FPR = 33;
const FIRST_CSR = 65;
export const PRIV_REGNUM = FIRST_CSR + 4096;

const X_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const F_NAMES = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9',
  'ft10', 'ft11'];
/** The FP CSRs travel as 32-bit registers in the FPU feature, as QEMU sends them. */
const FP_CSRS: readonly (keyof typeof CSR)[] = ['fflags', 'frm', 'fcsr'];
/** The S-mode CSRs the guest has (csr.ts), shown in GDB's `info registers` and settable with `set $sstatus = ...`. */
const S_CSRS: readonly (keyof typeof CSR)[] = ['sstatus', 'sie', 'stvec', 'scounteren', 'senvcfg', 'sscratch', 'sepc',
  'scause', 'stval', 'sip', 'stimecmp', 'satp', 'cycle', 'time', 'instret'];

const reg = (name: string, bits: number, type: string, regnum?: number): string =>
  `<reg name="${name}" bitsize="${bits}" type="${type}"${regnum === undefined ? '' : ` regnum="${regnum}"`}/>`;

/** The target description GDB reads with qXfer:features:read:target.xml. */
export const TARGET_XML = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0">',
  '<architecture>riscv:rv64</architecture>',
  '<feature name="org.gnu.gdb.riscv.cpu">',
  ...X_NAMES.map((n, i) => reg(n, 64, i === 1 ? 'code_ptr' : i >= 2 && i <= 4 ? 'data_ptr' : 'int', i)),
  reg('pc', 64, 'code_ptr', PC_REGNUM),
  '</feature>',
  '<feature name="org.gnu.gdb.riscv.fpu">',
  '<union id="riscv_double"><field name="float" type="ieee_single"/><field name="double" type="ieee_double"/></union>',
  ...F_NAMES.map((n, i) => reg(n, 64, 'riscv_double', FIRST_FPR + i)),
  ...FP_CSRS.map((n) => reg(n, 32, 'int', FIRST_CSR + CSR[n])),
  '</feature>',
  '<feature name="org.gnu.gdb.riscv.virtual">',
  reg('priv', 64, 'int', PRIV_REGNUM),
  '</feature>',
  '<feature name="org.gnu.gdb.riscv.csr">',
  ...S_CSRS.map((n) => reg(n, 64, 'int', FIRST_CSR + CSR[n])),
  '</feature>',
  '</target>',
].join('\n');

const FP_CSR_NUMBERS: ReadonlySet<number> = new Set(FP_CSRS.map((n) => CSR[n]));

/** Little-endian bytes of a register given as (lo, hi) words, 4 or 8 bytes. */
function words(lo: number, hi: number, bytes: 4 | 8): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeInt32LE(lo | 0, 0);
  if (bytes === 8) b.writeInt32LE(hi | 0, 4);
  return b;
}

/** Register `n` of hart `h`, or undefined when there is no such register. */
export function readRegister(h: Hart, n: number): Buffer | undefined {
  if (n >= 0 && n < 32) return words(h.x[2 * n] ?? 0, h.x[2 * n + 1] ?? 0, 8);
  if (n === PC_REGNUM) return words(h.pcLo, h.pcHi, 8);
  if (n >= FIRST_FPR && n < FIRST_FPR + 32) return words(h.fw[2 * (n - FIRST_FPR)] ?? 0, h.fw[2 * (n - FIRST_FPR) + 1] ?? 0, 8);
  if (n === PRIV_REGNUM) return words(h.mode, 0, 8);
  if (n >= FIRST_CSR && n < PRIV_REGNUM) {
    const csr = n - FIRST_CSR;
    const v = debugReadCsr(h, csr);
    if (!v) return undefined;
    return words(v[0], v[1], FP_CSR_NUMBERS.has(csr) ? 4 : 8);
  }
  return undefined;
}

/** Write register `n` from little-endian `bytes`; false when there is no such register or the size is wrong. */
export function writeRegister(h: Hart, n: number, bytes: Buffer): boolean {
  const lo = bytes.length >= 4 ? bytes.readInt32LE(0) : 0;
  const hi = bytes.length === 8 ? bytes.readInt32LE(4) : 0;
  if (n >= FIRST_CSR && n < PRIV_REGNUM) {
    const csr = n - FIRST_CSR;
    if (bytes.length !== (FP_CSR_NUMBERS.has(csr) ? 4 : 8)) return false;
    return debugWriteCsr(h, csr, lo, hi);
  }
  if (bytes.length !== 8) return false;
  if (n >= 0 && n < 32) {
    if (n !== 0) { h.x[2 * n] = lo; h.x[2 * n + 1] = hi; }
    return true;
  }
  if (n === PC_REGNUM) { h.pcLo = lo & -2; h.pcHi = hi; return true; }
  if (n >= FIRST_FPR && n < FIRST_FPR + 32) { h.fw[2 * (n - FIRST_FPR)] = lo; h.fw[2 * (n - FIRST_FPR) + 1] = hi; return true; }
  if (n === PRIV_REGNUM) {
    if (hi !== 0 || (lo !== Priv.User && lo !== Priv.Supervisor)) return false; // the guest has only S and U
    h.setMode(lo);
    return true;
  }
  return false;
}

/** The `g` packet: x0..x31 and pc, in order. */
export function readGeneralRegisters(h: Hart): Buffer {
  const parts: Buffer[] = [];
  for (let n = 0; n <= PC_REGNUM; n++) parts.push(readRegister(h, n)!);
  return Buffer.concat(parts);
}

/** The `G` packet: as many of x0..x31, pc as the bytes hold (8 each). False when not a whole number of registers. */
export function writeGeneralRegisters(h: Hart, bytes: Buffer): boolean {
  if (bytes.length % 8 !== 0 || bytes.length > (PC_REGNUM + 1) * 8) return false;
  for (let n = 0; n * 8 < bytes.length; n++) writeRegister(h, n, bytes.subarray(n * 8, n * 8 + 8));
  return true;
}
