/**
 * Symbols and load bytes of an ELF64 little-endian image, read independently of the runtime's loader: tests find
 * a guest program's functions and variables by name, as GDB does, and compare memory with the file.
 */
import { readFileSync } from 'node:fs';

export interface ElfImage {
  /** Symbol name → address (low 53 bits: the guest programs live at 0x8020_0000). */
  readonly symbols: ReadonlyMap<string, number>;
  /** The file bytes loaded at `address`, `length` long, or undefined when no segment holds them. */
  bytesAt(address: number, length: number): Buffer | undefined;
}

export function readElf(path: string): ElfImage {
  const f = readFileSync(path);
  if (f.readUInt32BE(0) !== 0x7f454c46 || f[4] !== 2 || f[5] !== 1) throw new Error(`${path}: not an ELF64 little-endian file`);
  const num = (at: number): number => Number(f.readBigUInt64LE(at));
  const phoff = num(0x20), shoff = num(0x28);
  const phentsize = f.readUInt16LE(0x36), phnum = f.readUInt16LE(0x38);
  const shentsize = f.readUInt16LE(0x3a), shnum = f.readUInt16LE(0x3c);
  const segments: { vaddr: number; offset: number; filesz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (f.readUInt32LE(p) === 1) segments.push({ offset: num(p + 8), vaddr: num(p + 16), filesz: num(p + 32) });
  }
  const symbols = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    if (f.readUInt32LE(s + 4) !== 2) continue; // SHT_SYMTAB
    const off = num(s + 0x18), size = num(s + 0x20), link = f.readUInt32LE(s + 0x28), entsize = num(s + 0x38);
    const strOff = num(shoff + link * shentsize + 0x18);
    for (let e = off; e + entsize <= off + size; e += entsize) {
      const nameAt = strOff + f.readUInt32LE(e);
      const name = f.toString('latin1', nameAt, f.indexOf(0, nameAt));
      if (name) symbols.set(name, num(e + 8));
    }
  }
  return {
    symbols,
    bytesAt(address, length) {
      const seg = segments.find((s) => address >= s.vaddr && address + length <= s.vaddr + s.filesz);
      return seg ? f.subarray(seg.offset + address - seg.vaddr, seg.offset + address - seg.vaddr + length) : undefined;
    },
  };
}
