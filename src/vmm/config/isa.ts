/**
 * `riscv,isa` strings (e.g. "rv64imafdc_zicsr_zifencei_sstc"): what they ask for, and whether tsvisor's hart
 * provides it. The hart implements RV64GC with Zicsr, Zifencei, Zicntr and Sstc, in S and U mode.
 */

export interface Isa {
  readonly xlen: number;
  /** Single-letter extensions (g expanded). */
  readonly letters: string;
  /** Multi-letter extensions, lower case. */
  readonly extensions: readonly string[];
  readonly error?: string;
}

const LETTERS_PROVIDED = 'imafdcsu';
const EXTENSIONS_PROVIDED = new Set(['zicsr', 'zifencei', 'zicntr', 'sstc', 'svadu']);

export function parseIsa(text: string): Isa {
  const s = text.toLowerCase();
  const m = /^rv(32|64|128)([a-z]*)((?:_[a-z][a-z0-9]*)*)$/.exec(s);
  if (!m) return { xlen: 0, letters: '', extensions: [], error: 'not a RISC-V ISA string (expected e.g. "rv64imafdc_zicsr")' };
  let letters = m[2]!;
  const extensions = m[3]!.split('_').filter((e) => e !== '');
  // Letters may be followed by multi-letter extensions without an underscore (e.g. "rv64imafdczicsr").
  const z = letters.search(/[zsx][a-z]/);
  if (z >= 0) {
    extensions.unshift(letters.slice(z));
    letters = letters.slice(0, z);
  }
  if (letters.includes('g')) {
    letters = letters.replace('g', 'imafd');
    extensions.push('zicsr', 'zifencei');
  }
  if (!letters.startsWith('i') && !letters.startsWith('e')) {
    return { xlen: Number(m[1]), letters, extensions, error: 'the base ISA letter (i or e) must come first' };
  }
  return { xlen: Number(m[1]), letters, extensions };
}

/** What of `isa` the hart cannot provide, or an empty list. */
export function unsupported(isa: Isa): string[] {
  const missing: string[] = [];
  if (isa.xlen !== 64) missing.push(`rv${isa.xlen}`);
  for (const l of new Set(isa.letters)) if (!LETTERS_PROVIDED.includes(l)) missing.push(l);
  for (const e of isa.extensions) if (!EXTENSIONS_PROVIDED.has(e)) missing.push(e);
  return missing;
}

export const PROVIDED_ISA = 'rv64imafdc_zicsr_zifencei_zicntr_sstc_svadu';
