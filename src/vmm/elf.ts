/** Minimal ELF64 loader for RISC-V guest images: PT_LOAD segments copied to their physical addresses. */

export interface ElfSegment {
  readonly paddr: number;
  readonly data: Uint8Array;
  /** Size in memory (≥ data.length; the rest is zero, e.g. .bss). */
  readonly memsz: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
}

export class ElfError extends Error {}

const EM_RISCV = 243;
const PT_LOAD = 1;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Parse an ELF64 little-endian RISC-V executable. Throws ElfError on anything malformed. */
export function parseElf(bytes: Uint8Array): ElfImage {
  if (!isElf(bytes)) throw new ElfError('not an ELF file');
  if (bytes.length < 64) throw new ElfError('truncated ELF header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) throw new ElfError('not a 64-bit ELF file');
  if (bytes[5] !== 1) throw new ElfError('not a little-endian ELF file');
  if (view.getUint16(18, true) !== EM_RISCV) throw new ElfError('not a RISC-V ELF file');
  const u64 = (off: number): number => {
    if (off + 8 > bytes.length) throw new ElfError('truncated ELF file');
    const v = view.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError('ELF value beyond 2^53');
    return Number(v);
  };
  const entry = u64(24);
  const phoff = u64(32);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > bytes.length) throw new ElfError('truncated program header table');
    if (view.getUint32(ph, true) !== PT_LOAD) continue;
    const offset = u64(ph + 8);
    const paddr = u64(ph + 24);
    const filesz = u64(ph + 32);
    const memsz = u64(ph + 40);
    if (offset + filesz > bytes.length) throw new ElfError(`segment ${i} extends past the end of the file`);
    if (memsz < filesz) throw new ElfError(`segment ${i} has memsz < filesz`);
    segments.push({ paddr, data: bytes.subarray(offset, offset + filesz), memsz });
  }
  if (segments.length === 0) throw new ElfError('ELF file has no loadable segment');
  return { entry, segments };
}
