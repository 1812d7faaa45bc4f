/**
 * Fuzz targets of the device-tree toolchain and of configuration validation:
 * - `dts`: mutated DTS text (byte flips, deletions, repetitions, splices of other files, dictionary tokens, deep
 *   nesting of nodes, expressions, references and conditionals) through compileSource. Oracle: no exception; every
 *   diagnostic has file:line:column; an accepted input's DTB reads back (fromBlob) and writes the same bytes.
 * - `dtb`: mutated blobs compiled from the same files through fromBlob / loadBlob. Oracle: only BlobError escapes
 *   fromBlob (none escapes loadBlob); an accepted blob, written again, reads back and writes identical bytes.
 * - `config`: board and guest files mutated line-wise (lines deleted, repeated, moved; values replaced) through
 *   compileSource and validate. Oracle: no exception from validate; every diagnostic located; when validate finds no
 *   error, every guest's generated device tree (what guest create boots it with) compiles.
 */
import { compileSource, loadBlob } from '../../dts/compile.js';
import { BlobError, fromBlob, toBlob } from '../../dts/dtb.js';
import type { DeviceTree } from '../../dts/tree.js';
import { validate } from '../../vmm/config/validate.js';
import { guestDtb } from '../../vmm/guest-fdt.js';
import { configSeeds, dtsSeeds, type SeedFile } from '../corpus.js';
import type { Rng } from '../prng.js';
import { located, type Target } from '../target.js';

/** A DTS input: the seed file it came from (for its path: includes resolve against it) and its characters. */
export type DtsUnit = string;

const ALPHABET = '{};<>()[]"\'/&@#,=:!-~*+|^?%\\\n \t0123456789abcdefxXnNLl_.$';
const TOKENS = [
  '/dts-v1/;', '/plugin/;', '/ {', '};', '/delete-node/ ', '/delete-property/ ', '/memreserve/ 0 0;', '/memreserve/ 0x1000 0x1000;',
  '/incbin/("minimal.dts")', '/incbin/("minimal.dts", 0, 4)', '/include/ "common.dtsi"', '&{/}', '&{/n/m}', '&lbl', 'lbl: ', '"\\x00"', '"\\x001"',
  '"a\\n#if 1"', '[]', '[00 ff]', '<>', '<1>, <>', '"x", [], "y"', '/bits/ 8 <1>', '/bits/ 64 <1>', '<(1 ? 2 : 3)>', '<(-1)>', '<(1 << 63)>',
  '<(1/0)>', '<(1%0)>', '<&lbl>', '#include "common.dtsi"\n', '\n#define X 1\n', '\n#if X\n', '\n#endif\n', '\n#line 5 "x"\n', '\n# 1 "y" 1\n',
  "'a'", "'\\\\'", '\\', '0x', '0xffffffffffffffffff', 'p = <1>;', 'n { };', 'n@1 { reg = <1>; };', '// c\n', '/* c */', '/*', '"',
];
/** Deep inputs: a prefix and suffix repeated `depth` times around a core. */
const DEEP: readonly [string, string, string][] = [
  ['n{', '};', ''], ['(', ')', '1'], ['!', '', '1'], ['-', '', '1'], ['~', '', '1'], ['((1>', ')', ''], ['1?', ':1', '1'],
  ['&{/n', '}', ''], ['F(', ')', '1'],
];

function deepText(rng: Rng, maxDepth: number): string {
  const [pre, post, core] = rng.pick(DEEP);
  const depth = rng.chance(0.5) ? rng.range(1, Math.min(64, maxDepth)) : rng.range(Math.min(64, maxDepth), maxDepth);
  const body = pre.repeat(depth) + core + post.repeat(depth);
  const at = rng.int(4);
  if (at === 0) return `\n#if ${'('.repeat(depth)}1${')'.repeat(depth)}\n#endif\n`;
  if (at === 1 && pre !== 'n{') return `p = <${body}>;`;
  if (pre === 'F(') return `\n#define F(x) x\np = <${body}>;\n`;
  return body;
}

/** 1–4 mutations of a seed's characters. */
export function mutateText(rng: Rng, seed: string, seeds: readonly SeedFile[], maxDepth = 5000): string[] {
  const s = [...seed];
  const n = rng.range(1, 4);
  for (let k = 0; k < n; k++) {
    const i = rng.int(s.length + 1);
    switch (rng.int(7)) {
      case 0: // byte flip
        if (s.length) s[Math.min(i, s.length - 1)] = rng.chance(0.7) ? rng.pick([...ALPHABET]) : String.fromCharCode(rng.int(256));
        break;
      case 1: s.splice(i, rng.small(64)); break; // delete
      case 2: { // repeat a range
        const len = rng.small(64);
        const part = s.slice(i, i + len);
        const times = rng.small(20) + 1;
        for (let t = 0; t < times; t++) s.splice(i, 0, ...part);
        break;
      }
      case 3: { // splice from another file
        const other = rng.pick(seeds).text;
        const at = rng.int(other.length);
        s.splice(i, rng.chance(0.5) ? rng.small(32) : 0, ...other.slice(at, at + rng.small(256)));
        break;
      }
      case 4: s.splice(i, 0, ...rng.pick(TOKENS)); break;
      case 5: s.splice(i, 0, ...deepText(rng, maxDepth)); break;
      default: s.splice(i, rng.small(8), ...(rng.chance(0.5) ? ' ' : '\n')); break;
    }
  }
  return s;
}

const same = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
};

/** An accepted tree's DTB reads back and writes the same bytes; undefined or what differs. */
export function blobRoundTrip(tree: DeviceTree): string | undefined {
  const b1 = toBlob(tree);
  let t2: DeviceTree;
  try {
    t2 = fromBlob(b1);
  } catch (e) {
    return `own DTB unreadable: ${(e as Error).message}`;
  }
  // Empty reserve-map slots after the entries are a header matter, like the boot CPU: carried back as options.
  const b2 = toBlob(t2, { reserveSlots: t2.reserveSlots ?? 0 });
  const at = same(b1, b2);
  return at < 0 ? undefined : `DTB → tree → DTB differs at byte ${at} (${b1.length} vs ${b2.length} bytes)`;
}

export interface DtsTargetOptions {
  /** Deepest nesting generated (default 5000: deeper than any limit the toolchain should have). */
  readonly maxDepth?: number;
}

/** The `dts` target. Each input starts with a marker unit naming its seed file (for includes), then the text. */
export function dtsTarget(opts: DtsTargetOptions = {}): Target<DtsUnit> {
  const seeds = dtsSeeds();
  return {
    name: 'dts',
    fixedPrefix: 1,
    timeLimitMs: 2000,
    generate(rng) {
      const seed = rng.pick(seeds);
      return [seed.path, ...mutateText(rng, seed.text, seeds, opts.maxDepth)];
    },
    run(input) {
      const [path, ...chars] = input;
      const r = compileSource(chars.join(''), path ?? 'fuzz.dts');
      const bad = r.diagnostics.find((d) => !located(d));
      if (bad) return `diagnostic without file:line:column: [${bad.code}] ${bad.message}`;
      if (r.ok && r.tree) return blobRoundTrip(r.tree);
      return undefined;
    },
    groups: (chars) => {
      const out: string[][] = [[]];
      for (const c of chars) { out[out.length - 1]!.push(c); if (c === '\n') out.push([]); }
      return out;
    },
    format: (input) => `// seed: ${input[0]}\n${input.slice(1).join('')}`,
  };
}

/** The `dtb` target: bytes of a blob compiled from a seed file, mutated. */
export function dtbTarget(): Target<number> {
  let blobs: Uint8Array[] | undefined;
  const seedBlobs = (): Uint8Array[] => {
    blobs ??= dtsSeeds().map((f) => compileSource(f.text, f.path)).filter((r) => r.ok && r.tree).map((r) => toBlob(r.tree!));
    return blobs;
  };
  return {
    name: 'dtb',
    timeLimitMs: 2000,
    generate(rng) {
      const all = seedBlobs();
      const b = [...rng.pick(all)];
      const n = rng.range(1, 4);
      for (let k = 0; k < n; k++) {
        const i = rng.int(b.length);
        switch (rng.int(7)) {
          case 0: b[i] = rng.int(256); break;
          case 1: { // a header word
            const w = 4 * rng.int(10);
            const v = rng.interesting32();
            b.splice(w, 4, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
            break;
          }
          case 2: { // an aligned word of the body
            const w = i & ~3;
            const v = rng.chance(0.5) ? rng.pick([1, 2, 3, 4, 9]) : rng.interesting32(); // FDT tokens or anything
            b.splice(w, 4, v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
            break;
          }
          case 3: b.length = Math.max(0, i); break;
          case 4: b.splice(i, rng.small(32)); break;
          case 5: { const part = b.slice(i & ~3, (i & ~3) + 4 * rng.small(8)); b.splice(i & ~3, 0, ...part); break; }
          default: { const o = rng.pick(all); const at = rng.int(o.length); b.splice(i, rng.small(16), ...o.slice(at, at + rng.small(64))); }
        }
      }
      return b;
    },
    run(input) {
      const blob = Uint8Array.from(input);
      let tree: DeviceTree | undefined;
      try {
        tree = fromBlob(blob);
      } catch (e) {
        if (!(e instanceof BlobError)) throw e;
      }
      loadBlob(blob, 'fuzz.dtb');
      return tree ? blobRoundTrip(tree) : undefined;
    },
    format: (input) => Buffer.from(Uint8Array.from(input)).toString('hex').replace(/(.{64})/g, '$1\n'),
  };
}

const VALUES = [
  '<0>', '<1>', '<0xffffffff>', '<0x0 0x0>', '<0xffffffff 0xffffffff>', '<1 2 3>', '""', '"x"', '"guest"', '"vcpu"', '"memory"',
  '"real"', '"virtual"', '"alias"', '"ram"', '"alloced_ram"', '"shared_ram"', '"pic"', '"serial"', '"virtio"', '"sifive,plic0"',
  '"ns16550a"', '"rv32imac"', '"rv64gcvh"', '"x\\n#if 1"', '[00]', '<0x1000>', '<0x80000000>', '<1025>', '<5000>', '"a", "b"',
  '"vfs guest_fdt_load g x.dts 5000"', '"vfs guest_fdt_load g ../guests/dts/basic.dts 2 mem0,physical_size,physsize,0"',
];

/** The `config` target: board and guest files mutated line by line, validated. */
export function configTarget(): Target<string> {
  const seeds = configSeeds();
  return {
    name: 'config',
    fixedPrefix: 1,
    timeLimitMs: 3000,
    generate(rng) {
      const seed = rng.pick(seeds);
      const lines = seed.text.split('\n');
      const n = rng.range(1, 5);
      for (let k = 0; k < n; k++) {
        const i = rng.int(lines.length);
        switch (rng.int(6)) {
          case 0: lines.splice(i, 1); break;
          case 1: lines.splice(i, 0, ...lines.slice(i, i + rng.small(8))); break;
          case 2: { const j = rng.int(lines.length); const [l] = lines.splice(i, 1); lines.splice(j, 0, l ?? ''); break; }
          case 3: // replace a value
            lines[i] = (lines[i] ?? '').replace(/=.*;/, `= ${rng.pick(VALUES)};`);
            break;
          case 4: // a number
            lines[i] = (lines[i] ?? '').replace(/0x[0-9a-fA-F]+|\b\d+\b/, `0x${rng.interesting32().toString(16)}`);
            break;
          default: { const o = rng.pick(seeds).text.split('\n'); const at = rng.int(o.length); lines.splice(i, 0, ...o.slice(at, at + rng.small(12))); }
        }
      }
      return [seed.path, ...lines];
    },
    run(input) {
      const [path, ...lines] = input;
      const file = path ?? 'fuzz.dts';
      const r = compileSource(lines.join('\n'), file);
      if (!r.tree) return undefined;
      const v = validate([{ path: file, tree: r.tree }]);
      const bad = v.diagnostics.find((d) => !located(d));
      if (bad) return `validate diagnostic without file:line:column: [${bad.code}] ${bad.message}`;
      if (v.diagnostics.some((d) => d.severity === 'error')) return undefined;
      // What validate accepts, guest create can build: each guest's generated device tree compiles.
      for (const g of v.guests) {
        try {
          guestDtb(g, { timebaseFrequency: v.host?.timebaseFrequency ?? 10_000_000, ...(g.bootargs !== undefined ? { bootargs: g.bootargs } : {}) });
        } catch (e) {
          return `validate accepts ${g.name} but its generated device tree fails: ${(e as Error).message.split('\n')[0]}`;
        }
      }
      return undefined;
    },
    format: (input) => `// seed: ${input[0]}\n${input.slice(1).join('\n')}`,
  };
}
