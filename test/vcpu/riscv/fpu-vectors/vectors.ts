/**
 * Loader for vectors.txt (made by gen/ on QEMU; format described in README.md) and a small
 * register-file harness to run fpu.ts operations on raw bits.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FpRegs } from '../../../../src/vcpu/riscv/fpu.js';

export type Kind = 'S' | 'D' | 'X';

/** An expected result: the destination register's 64 bits and the fflags raised. */
export interface Expect {
  bits: bigint;
  flags: number;
}

export interface Vector {
  inputs: bigint[]; // 64-bit register values
  results: Expect[]; // one (non-rounding op) or five (RNE, RTZ, RDN, RUP, RMM)
  line: number;
}

export interface Section {
  op: string;
  src: Kind[];
  dst: Kind;
  rounds: boolean;
  vectors: Vector[];
}

const M64 = (1n << 64n) - 1n;

function parseValue(kind: Kind, tok: string): bigint {
  if (kind === 'S') return tok.startsWith('u') ? BigInt('0x' + tok.slice(1)) : BigInt('0x' + tok) | 0xffffffff00000000n;
  if (kind === 'X') return tok.startsWith('-') ? -BigInt('0x' + tok.slice(1)) & M64 : BigInt('0x' + tok);
  return BigInt('0x' + tok);
}

export function loadVectors(): Section[] {
  const path = fileURLToPath(new URL('./vectors.txt', import.meta.url));
  const text = readFileSync(path, 'latin1');
  const sections: Section[] = [];
  let cur: Section | undefined;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@')) {
      const [name, sig, r] = line.slice(1).split(' ') as [string, string, string];
      const [src, dst] = sig.split('>') as [string, string];
      cur = { op: name, src: [...src] as Kind[], dst: dst as Kind, rounds: r === '1', vectors: [] };
      sections.push(cur);
      continue;
    }
    if (!cur) throw new Error(`vectors.txt:${lineNo}: data before a section header`);
    const toks = line.split(' ');
    const n = cur.src.length;
    const inputs = cur.src.map((k, i) => parseValue(k, toks[i]!));
    const results: Expect[] = [];
    for (const tok of toks.slice(n)) {
      if (tok === '=') {
        results.push(results[results.length - 1]!);
        continue;
      }
      const [v, fl] = tok.split('/') as [string, string | undefined];
      results.push({ bits: parseValue(cur.dst, v), flags: fl === undefined ? 0 : parseInt(fl, 16) });
    }
    if (results.length !== (cur.rounds ? 5 : 1)) throw new Error(`vectors.txt:${lineNo}: wrong number of results`);
    cur.vectors.push({ inputs, results, line: lineNo });
  }
  return sections;
}

/** A minimal FpRegs over fresh arrays. */
export function makeRegs(): FpRegs {
  const fbuf = new ArrayBuffer(32 * 8);
  return { x: new Int32Array(64), f: new Float64Array(fbuf), fw: new Int32Array(fbuf), fflags: 0 };
}

export function setF(s: FpRegs, i: number, v: bigint): void {
  s.fw[2 * i] = Number(BigInt.asIntN(32, v));
  s.fw[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

export function setX(s: FpRegs, i: number, v: bigint): void {
  s.x[2 * i] = Number(BigInt.asIntN(32, v));
  s.x[2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

export function getF(s: FpRegs, i: number): bigint {
  return (BigInt(s.fw[2 * i + 1]! >>> 0) << 32n) | BigInt(s.fw[2 * i]! >>> 0);
}

export function getX(s: FpRegs, i: number): bigint {
  return (BigInt(s.x[2 * i + 1]! >>> 0) << 32n) | BigInt(s.x[2 * i]! >>> 0);
}

export function hex64(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}
