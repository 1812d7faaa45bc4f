/**
 * The DTS language construct by construct, asserting the bytes and markers each produces. The golden tests
 * already prove byte-identity with dtc on whole files; these say what each construct means, so a failure names
 * the construct that broke.
 */
import { describe, expect, it } from 'vitest';
import { compileSource, getNodeByPath, memoryFiles, type PropValue } from '../../src/dts/index.js';

function prop(body: string, name = 'p', files: Record<string, string | Uint8Array> = {}): PropValue {
  const r = compileSource(`/dts-v1/;\n/ {\n${body}\n};\n`, 'main.dts', { files: memoryFiles(files) });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.tree!.root.getProp(name)!.value;
}

const bytes = (v: PropValue) => Array.from(v.bytes);
const u32 = (...xs: number[]) => xs.flatMap((x) => [(x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255]);

describe('integer expressions', () => {
  const cases: [string, number][] = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['1 << 2 + 1', 8],
    ['0x100 >> 4', 0x10],
    ['1 << 64', 0],
    ['-1 >> 63', 1],
    ['17 % 5', 2],
    ['7 / 2', 3],
    ['~0', 0xffffffff],
    ['-1', 0xffffffff],
    ['!0 + !5', 1],
    ['3 > 2 == 1', 1],
    ['2 <= 2 && 3 >= 4', 0],
    ['0 || 5', 1],
    ['6 & 3 | 8 ^ 1', 0x0b],
    ['2 != 2 ? 10 : 20', 20],
    ['0 ? 1 : 0 ? 2 : 3', 3],
    ["'a' + 1", 0x62],
    ["'\\n'", 10],
    ["'\\x41'", 0x41],
    ['0x10 - 0x20 + 0x10', 0],
    ['0x7fffffff + 1', 0x80000000],
  ];
  it.each(cases)('(%s) = %d', (expr, value) => {
    expect(bytes(prop(`p = <(${expr})>;`))).toEqual(u32(value));
  });

  it('computes in 64 bits and truncates to the cell', () => {
    expect(bytes(prop('p = /bits/ 64 <(0xffffffffffffffff + 2) (1 << 63)>;'))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects division by zero where it happens', () => {
    const r = compileSource('/dts-v1/;\n/ { p = <(4 / (2 - 2))>; };\n', 'd.dts');
    expect(r.diagnostics[0]).toMatchObject({ message: 'division by zero', line: 2, column: 13 });
  });
});

describe('literals', () => {
  it.each([
    ['0x1F', 31],
    ['0X1f', 31],
    ['017', 15],
    ['0', 0],
    ['42U', 42],
    ['42UL', 42],
    ['42ULL', 42],
    ['42LL', 42],
    ['42L', 42],
  ])('%s', (lit, value) => {
    expect(bytes(prop(`p = <${lit}>;`))).toEqual(u32(value));
  });
});

describe('values', () => {
  it('strings with escapes, NUL-terminated', () => {
    expect(bytes(prop('p = "a\\tb\\x41\\101\\0\\q\\\\\\"";'))).toEqual([0x61, 9, 0x62, 0x41, 0x41, 0, 0x71, 0x5c, 0x22, 0]);
  });

  it('string lists and mixed concatenation', () => {
    expect(bytes(prop('p = "ab", <1>, [cd], /bits/ 16 <2>, /bits/ 8 <3>;'))).toEqual([0x61, 0x62, 0, ...u32(1), 0xcd, 0, 2, 3]);
  });

  it('byte strings with and without spaces', () => {
    expect(bytes(prop('p = [00 01ab CD];'))).toEqual([0, 1, 0xab, 0xcd]);
    expect(bytes(prop('p = [];'))).toEqual([]);
  });

  it('negative cells sign-extend within their width', () => {
    expect(bytes(prop('p = /bits/ 8 <(-1) 0xff>, /bits/ 16 <(-2)>;'))).toEqual([0xff, 0xff, 0xff, 0xfe]);
  });

  it('an empty property has no bytes', () => {
    expect(bytes(prop('p;'))).toEqual([]);
  });

  it('labels inside values mark their offsets', () => {
    const v = prop('p = a: <1 b: 2 c:>, d: "x" e:;');
    const labels = v.markers.filter((m) => m.type === 'label').map((m) => [m.ref, m.offset]);
    expect(labels).toEqual([['a', 0], ['b', 4], ['c', 8], ['d', 8], ['e', 10]]);
  });

  it('references: phandles inside cells, paths outside', () => {
    const r = compileSource('/dts-v1/;\n/ {\n\tp = <&n &{/n}>, &n, &{/n};\n\tn: n { };\n};\n', 'r.dts');
    expect(Array.from(r.tree!.root.getProp('p')!.value.bytes)).toEqual([...u32(1, 1), ...Array.from('/n\0/n\0', (c) => c.charCodeAt(0))]);
    expect(getNodeByPath(r.tree!.root, '/n')!.getProp('phandle')).toBeDefined();
  });

  it('/incbin/ whole and in part, relative to the including file', () => {
    const bin = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    expect(bytes(prop('p = /incbin/("b.bin");', 'p', { 'b.bin': bin }))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bytes(prop('p = /incbin/("b.bin", 2, 3);', 'p', { 'b.bin': bin }))).toEqual([3, 4, 5]);
  });
});

describe('tree statements', () => {
  it('/memreserve/ entries keep their labels', () => {
    const r = compileSource('/dts-v1/;\na: b: /memreserve/ 0x1000 (0x10 * 2);\n/ { };\n', 'm.dts');
    expect(r.tree!.reserves).toMatchObject([{ address: 0x1000n, size: 0x20n, labels: [{ name: 'a' }, { name: 'b' }] }]);
  });

  it('/delete-node/ by name, by label and by path; /delete-property/', () => {
    const r = compileSource(
      '/dts-v1/;\n/ { a { x; y; }; l: b { }; c { }; d { }; };\n/ { a { /delete-property/ x; }; /delete-node/ d; };\n/delete-node/ &l;\n/delete-node/ &{/c};\n',
      'x.dts',
    );
    const root = r.tree!.root;
    expect(root.children.filter((c) => !c.deleted).map((c) => c.name)).toEqual(['a']);
    expect(getNodeByPath(root, '/a')!.props.filter((p) => !p.deleted).map((p) => p.name)).toEqual(['y']);
  });

  it('/include/ works inside a node body', () => {
    const r = compileSource('/dts-v1/;\n/ {\n\tn {\n/include/ "props.dtsi"\n\t};\n};\n', 'i.dts', { files: memoryFiles({ 'props.dtsi': 'a = <1>;\nb;\n' }) });
    expect(getNodeByPath(r.tree!.root, '/n')!.props.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('names that look like numbers or start with # are names after { and ;', () => {
    const r = compileSource('/dts-v1/;\n/ { #size-cells = <0>; 0x10 { }; 1234; };\n', 'n.dts');
    expect(r.tree!.root.props.map((p) => p.name)).toEqual(['#size-cells', '1234']);
    expect(r.tree!.root.children[0]!.name).toBe('0x10');
  });

  it('overlays turn unknown targets into fragments with __fixups__', () => {
    const r = compileSource('/dts-v1/;\n/plugin/;\n&ext { p = <&other>; };\n&{/soc} { q; };\n', 'o.dts');
    const root = r.tree!.root;
    expect(root.children.map((c) => c.name)).toEqual(['fragment@0', 'fragment@1', '__fixups__']);
    expect(getNodeByPath(root, '/__fixups__')!.props.map((p) => [p.name, p.value.asString()])).toEqual([
      ['ext', '/fragment@0:target:0'],
      ['other', '/fragment@0/__overlay__:p:0'],
    ]);
  });
});
