/**
 * Behaviour of the toolchain API beyond what the dtc goldens pin down: source positions through includes and
 * cpp line markers, reference resolution (including tsvisor's &{label/path}), in-memory files, DTB reading.
 */
import { describe, expect, it } from 'vitest';
import { compileSource, getNodeByPath, loadBlob, memoryFiles, toBlob, toDts } from '../../src/dts/index.js';

function compile(text: string, files: Record<string, string> = {}) {
  return compileSource(text, 'main.dts', { files: memoryFiles(files) });
}

function cells(text: string, path: string, prop: string): number[] {
  const r = compile(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const v = getNodeByPath(r.tree!.root, path)!.getProp(prop)!.value;
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(v.readU32(i));
  return out;
}

describe('positions', () => {
  it('points into the included file, with its own line numbers', () => {
    const r = compile('/dts-v1/;\n/include/ "board.dtsi"\n', { 'board.dtsi': '/ {\n\tok;\n\tbad = <1 2;\n};\n' });
    expect(r.diagnostics[0]).toMatchObject({ file: 'board.dtsi', line: 3, column: 12, sourceLine: '\tbad = <1 2;' });
  });

  it('maps cpp line markers back to the original file and line', () => {
    const pre = '# 1 "board.dts"\n/dts-v1/;\n# 1 "soc.dtsi" 1\n/ {\n\tx = <&missing>;\n};\n# 3 "board.dts" 2\n';
    const r = compile(pre);
    expect(r.diagnostics[0]).toMatchObject({ file: 'soc.dtsi', line: 2, message: expect.stringContaining('"missing"') as unknown });
  });

  it('says where a label was first defined when it is duplicated', () => {
    const r = compile('/dts-v1/;\n/ {\n\tl: a {};\n\tl: b {};\n};\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'duplicate_label', line: 4, message: "/b: Duplicate label 'l' on /b and /a" });
  });

  it('suggests a preprocessor for a bare identifier', () => {
    const r = compile('/dts-v1/;\n/ { interrupts = <GIC_SPI 3>; };\n');
    expect(r.diagnostics[0]).toMatchObject({ line: 2, column: 19 });
    expect(r.diagnostics[0]!.hint).toMatch(/macro/);
  });
});

describe('references', () => {
  const base = '/dts-v1/;\n/ {\n\tsoc: soc {\n\t\tuart: serial@10 { };\n\t\tbus { dev@1 { }; };\n\t};\n};\n/ {\n';

  it('allocates phandles in reference order, skipping explicit ones', () => {
    const text = base + '\tx = <&uart &{/soc/bus/dev@1} &soc>;\n\tfixed { phandle = <2>; };\n};\n';
    expect(cells(text, '/', 'x')).toEqual([1, 3, 4]);
  });

  it('resolves &{label/sub/path} below a label (a tsvisor extension)', () => {
    const text = base + '\tx = <&{soc/bus/dev@1}>;\n\ty = &{soc/bus};\n};\n&{soc/bus} { merged; };\n';
    const r = compile(text);
    expect(r.ok).toBe(true);
    expect(getNodeByPath(r.tree!.root, '/soc/bus')!.getProp('merged')).toBeDefined();
    expect(getNodeByPath(r.tree!.root, '/')!.getProp('y')!.value.asString()).toBe('/soc/bus');
  });

  it('reports an unknown label at the reference', () => {
    const r = compile(base + '\tx = <1 &nope>;\n};\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'phandle_references', line: 9, column: 9 });
  });
});

describe('trees', () => {
  it('revives a deleted property in its original position when it is set again', () => {
    const r = compile('/dts-v1/;\n/ { a = <1>; b = <2>; c = <3>; };\n/ { /delete-property/ b; };\n/ { b = <4>; };\n');
    expect(toDts(r.tree!)).toContain('a = <0x01>;\n\tb = <0x04>;\n\tc = <0x03>;');
  });

  it('drops unreferenced /omit-if-no-ref/ nodes and keeps referenced ones', () => {
    const r = compile('/dts-v1/;\n/ {\n\tx = <&b>;\n\t/omit-if-no-ref/ a: a { };\n\t/omit-if-no-ref/ b: b { };\n};\n');
    expect(getNodeByPath(r.tree!.root, '/a')).toBeUndefined();
    expect(getNodeByPath(r.tree!.root, '/b')).toBeDefined();
  });

  it('reads the same tree back from its DTB', () => {
    const r = compile('/dts-v1/;\n/memreserve/ 0x1000 0x2000;\n/ {\n\tmodel = "m";\n\tcpus { cpu@3 { reg = <3>; }; };\n};\n');
    const blob = toBlob(r.tree!);
    const back = loadBlob(blob, 'x.dtb');
    expect(back.tree!.bootCpuid).toBe(3);
    expect(back.tree!.reserves).toEqual([{ address: 0x1000n, size: 0x2000n, labels: [] }]);
    expect(toBlob(back.tree!)).toEqual(blob);
  });
});
