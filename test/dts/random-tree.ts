/** Seeded random DTS sources for the round-trip property test (roundtrip.test.ts). */

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** The file random trees /incbin/ as blob.bin. */
export const BLOB = new Uint8Array([0x68, 0x69, 0x00, 0x32, 0xfe, 0xff, 0x0a, 0x00]);

/** A random DTS source using every construct whose round trip once broke. */
export function generate(r: () => number): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  let labels = 0;
  const newLabel = () => `L${labels++}`;
  const known: string[] = [];
  const strings = ['""', '"x"', '"a\\x002"', '"\\x001"', '"line\\n#if 0"', '"tab\\there"', '"q\\"b\\\\"', '"\\x7f\\x80"', '"7"'];
  const value = (): string => {
    const parts: string[] = [];
    const n = 1 + int(4);
    for (let i = 0; i < n; i++) {
      const k = int(9);
      let p: string;
      if (k === 0) p = pick(strings);
      else if (k === 1) p = `<${Array.from({ length: int(4) }, () => pick(['0', '1', '0xffffffff', '(1 << 31)', "'a'", '(-1)', '(2 ? 3 : 4)'])).join(' ')}>`;
      else if (k === 2) p = `[${Array.from({ length: int(5) }, () => int(256).toString(16).padStart(2, '0')).join(' ')}]`;
      else if (k === 3) p = `/bits/ ${pick(['8', '16', '64'])} <${Array.from({ length: int(3) }, () => pick(['0', '1', '0x7f'])).join(' ')}>`;
      else if (k === 4) p = `/incbin/("blob.bin"${r() < 0.5 ? `, ${int(8)}, ${int(8)}` : ''})`;
      else if (k === 5 && known.length) p = `<&${pick(known)}>`;
      else if (k === 6 && known.length) p = `&${pick(known)}`;
      else if (k === 7) p = '<>';
      else p = '[]';
      if (r() < 0.15) p = `${newLabel()}: ${p}`;
      parts.push(p);
    }
    return parts.join(', ') + (r() < 0.1 ? ` ${newLabel()}:` : '');
  };
  const node = (depth: number, name: string): string => {
    let s = '';
    const lbl = depth > 0 && r() < 0.4 ? newLabel() : undefined;
    if (lbl) known.push(lbl);
    s += `${lbl ? lbl + ': ' : ''}${name || '/'} {\n`;
    const props = int(5);
    for (let i = 0; i < props; i++) s += r() < 0.2 ? `p${i};\n` : `p${i} = ${value()};\n`;
    const kids = depth < 4 ? int(4) : 0;
    for (let i = 0; i < kids; i++) s += node(depth + 1, `n${i}${r() < 0.3 ? '@' + int(0x100).toString(16) : ''}`);
    return s + '};\n';
  };
  let src = '/dts-v1/;\n';
  const reserves = int(3);
  for (let i = 0; i < reserves; i++) src += `/memreserve/ ${pick(['0', '0x1000', '0xffffffff00000000'])} ${pick(['0', '0x10'])};\n`;
  src += node(0, '');
  if (r() < 0.3) src += `${newLabel()}: &{/} { extra = <1>; };\n`;
  if (r() < 0.3 && known.length) src += `&${pick(known)} { merged = "m"; };\n`;
  return src;
}

