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
  const [, , base = '', rest = ''] = m;
  let letters = base;
  const extensions = rest.split('_').filter((e) => e !== '');
  // Letters may be followed by multi-letter extensions without an underscore (e.g. "rv64imafdczicsr").
  // "su" is the letters s and u (Xvisor's virt64-guest.dts asks for "rv64imafdcsu"), not an S extension.
  const z = letters.search(/[zx][a-z]|s[a-tv-z]/);
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

/** Canonical order of single-letter extensions (as in ISA strings). */
const CANONICAL = 'imafdqlcbkjtpvnhsu';

export interface MaskedIsa {
  /** What the VCPU gets: `text` itself when nothing is masked, else the parts the hart provides (always rv64). */
  readonly isa: string;
  /** What the hart lacks and is masked off (letters, extensions, `rv32`), in the order of `text`. */
  readonly masked: readonly string[];
  /** Why the string cannot be used at all (not an ISA string, rv128, no base `i`). */
  readonly error?: string;
}

/**
 * The ISA a VCPU asking for `text` gets, as Xvisor gives it (arch/riscv/cpu/generic/cpu_vcpu_helper.c,
 * arch_vcpu_init): the string must parse (`riscv_isa_parse_string`), an XLEN above the host's is refused
 * (`xlen > riscv_xlen` → VMM_EINVALID), and what the host lacks is masked off (`isa[0] &= RISCV_ISA_ALLOWED`, the
 * letters imafdcsu) rather than refused. An rv32 VCPU on a 64-bit host is accepted by Xvisor, which leaves
 * HSTATUS.VSXL at 64 bits ("TODO: Update HSTATUS.VSXL on non-32bit Host"); tsvisor's hart likewise runs it as RV64.
 */
export function maskIsa(text: string): MaskedIsa {
  const parsed = parseIsa(text);
  if (parsed.error) return { isa: text, masked: [], error: parsed.error };
  if (parsed.xlen > 64) return { isa: text, masked: [], error: `rv${parsed.xlen} is wider than the 64-bit host` };
  if (!parsed.letters.includes('i')) return { isa: text, masked: [], error: 'the hart needs the base integer ISA i (rv32e/rv64e cannot run)' };
  const masked = unsupported(parsed);
  if (masked.length === 0) return { isa: text, masked };
  const letters = [...new Set(parsed.letters)].filter((l) => LETTERS_PROVIDED.includes(l))
    .sort((a, b) => CANONICAL.indexOf(a) - CANONICAL.indexOf(b)).join('');
  const extensions = [...new Set(parsed.extensions)].filter((e) => EXTENSIONS_PROVIDED.has(e));
  return { isa: `rv64${letters}${extensions.map((e) => `_${e}`).join('')}`, masked };
}
