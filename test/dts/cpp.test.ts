/**
 * The built-in C preprocessor (src/dts/cpp.ts): each feature on its own, diagnostics at the right file and line,
 * line markers through includes, a Linux-style board with dt-bindings headers, and agreement with the system cpp
 * (Linux's flags: -nostdinc -undef -D__DTS__ -x assembler-with-cpp) judged by the DTBs both outputs compile to.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { needsPreprocessor } from '../../src/dts/compile.js';
import { preprocess } from '../../src/dts/cpp.js';
import { compileFile, compileSource, getNodeByPath, hostFiles, memoryFiles, toBlob, type CompileOptions } from '../../src/dts/index.js';
import { runChecked } from '../support/process.js';

function pp(text: string, files: Record<string, string> = {}, opts: { includePaths?: string[]; defines?: Record<string, string> } = {}) {
  return preprocess(text, 'main.dts', { files: memoryFiles(files), includePaths: opts.includePaths ?? [], ...(opts.defines ? { defines: opts.defines } : {}) });
}

/** The preprocessed text without line markers and blank lines, for comparing expansions. */
function body(text: string, files: Record<string, string> = {}, opts: { includePaths?: string[]; defines?: Record<string, string> } = {}): string {
  const r = pp(text, files, opts);
  expect(r.diagnostics).toEqual([]);
  return r.text
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^# \d+ "/.test(l))
    .join('\n');
}

function compile(text: string, files: Record<string, string> = {}, opts: CompileOptions = {}) {
  return compileSource(text, 'main.dts', { files: memoryFiles(files), ...opts });
}

function cells(r: ReturnType<typeof compile>, path: string, prop: string): number[] {
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const v = getNodeByPath(r.tree!.root, path)!.getProp(prop)!.value;
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(v.readU32(i));
  return out;
}

describe('macros', () => {
  it('expands object-like macros, but not inside strings or comments', () => {
    expect(body('#define A 1\nx = <A>; s = "A"; // A\n/* A */ y = <A A>;\n')).toBe('x = <1>; s = "A";\n        y = <1 1>;');
  });

  it('expands function-like macros with nested parentheses and multi-line arguments', () => {
    expect(body('#define F(a, b) <a b>\nx = F((1 + 2), 3);\ny = F(\n  4,\n  5);\n')).toBe('x = <(1 + 2) 3>;\ny = <4 5>\n;'); // what follows a multi-line call stays on its own line
  });

  it('leaves a function-like macro name alone when no ( follows', () => {
    expect(body('#define F(a) a\nF = <1>;\n')).toBe('F = <1>;');
  });

  it('stringizes with # and pastes with ##', () => {
    expect(body('#define S(x) #x\n#define P(a, b) a##b\n#define Q(a) pre_##a##_post\ns = S(  a  "q\\n"  b );\nP(lab, 1): n {};\nQ(mid);\n')).toBe(
      's = "a \\"q\\\\n\\" b";\nlab1: n {};\npre_mid_post;',
    );
  });

  it('does not expand arguments of # and ##, but rescans the result', () => {
    expect(body('#define ONE 1\n#define S(x) #x\n#define XS(x) S(x)\n#define P(a,b) a##b\n#define ONE2 12\na = S(ONE) XS(ONE);\nb = <P(ONE,2)>;\n')).toBe(
      'a = "ONE" "1";\nb = <12>;',
    );
  });

  it('handles __VA_ARGS__, named variadic parameters and GNU , ## __VA_ARGS__', () => {
    const defs = '#define V(f, ...) f(__VA_ARGS__)\n#define N(args...) <args>\n#define G(x, ...) g(x, ## __VA_ARGS__)\n';
    expect(body(defs + 'V(h, 1, 2, 3) N(4 5) G(1) G(1,) G(1, 2)\n')).toBe('h(1, 2, 3) <4 5> g(1) g(1,) g(1, 2)');
  });

  it('stops recursion with the blue-paint rule', () => {
    expect(body('#define foo foo bar\n#define a b\n#define b a\n#define f(x) x f\nfoo a f(1)(2)\n')).toBe('foo bar a 1 f(2)');
  });

  it('expands a function-like macro whose name comes out of another expansion', () => {
    expect(body('#define f(x) <x>\n#define g f\n#define h(y) y(3)\ng(1) h(f)\n')).toBe('<1> <3>');
  });

  it('spaces like GCC where tokens would otherwise merge', () => {
    // cpp writes `p-1 -q` and `2 +1 -1`: the space after a number coming out of a macro is GCC's, and dtc sees it
    expect(body('#define B 1\n#define C(x) x+B\n#define L lab\np-B-q; n = &L, C(2)-B;\n')).toBe('p-1 -q; n = &lab, 2 +1 -1;');
  });

  it('keeps #undef, redefinition and -D defines', () => {
    expect(body('#define A 1\na = A;\n#undef A\nb = A;\n#define A 2\nc = A; d = B; e = F(3);\n', {}, { defines: { B: '7', 'F(x)': '(x*2)' } })).toBe(
      'a = 1;\nb = A;\nc = 2; d = 7; e = (3*2);',
    );
  });

  it('predefines __DTS__, __ASSEMBLER__ and knows __FILE__ and __LINE__', () => {
    expect(body('a = <__DTS__ __ASSEMBLER__>;\nf = __FILE__;\nl = <__LINE__>;\n')).toBe('a = <1 1>;\nf = "main.dts";\nl = <3>;');
  });

  it('joins lines ending in a backslash', () => {
    expect(body('#define LONG(a) \\\n  <a \\\n   a>\nx = LONG(1);\n')).toBe('x = <1 1>;');
  });
});

describe('assembler mode', () => {
  it('passes # lines that are not directives through unchanged', () => {
    const text = '#define X 1\n/ {\n#address-cells = <1>;\n  #size-cells = <0>;\n# 33 "foo"\n};\n';
    expect(body(text)).toBe('/ {\n#address-cells = <1>;\n  #size-cells = <0>;\n};');
    expect(pp(text).text).toContain('\n# 33 "foo"\n');
  });

  it('lexes char literals, and runs an unterminated quote to the end of its line', () => {
    expect(body("#define FOO 7\nx = <'a' FOO>;\ny = 'a; FOO\nz = <FOO>;\n")).toBe("x = <'a' 7>;\ny = 'a; FOO\nz = <7>;");
  });

  it('drops the null directive and ignores #pragma, #ident', () => {
    expect(body('#\n#pragma foo\n#ident "x"\na;\n')).toBe('a;');
  });
});

describe('conditionals', () => {
  const pick = (cond: string, defs = '') => body(`${defs}#if ${cond}\nyes\n#else\nno\n#endif\n`);

  it('evaluates integer constant expressions like C', () => {
    expect(pick('1 + 2 * 3 == 7')).toBe('yes');
    expect(pick('(1 << 4) > 15 && !0')).toBe('yes');
    expect(pick('-1 < 0')).toBe('yes');
    expect(pick('-1 < 0u')).toBe('no'); // unsigned comparison
    expect(pick('0xffffffffffffffff == -1')).toBe('yes');
    expect(pick("'a' == 97 && '\\n' == 10")).toBe('yes');
    expect(pick('1 ? 0 : 1')).toBe('no');
    expect(pick('10 / 3 == 3 && 10 % 3 == 1 && (7 & 3) == 3 && (4 | 1) == 5 && (6 ^ 2) == 4 && ~0 == -1')).toBe('yes');
    expect(pick('0 && 1 / 0')).toBe('no'); // no division by zero in an unevaluated operand
  });

  it('treats unknown identifiers as 0 and knows defined X and defined(X)', () => {
    expect(pick('UNKNOWN')).toBe('no');
    expect(pick('defined A && defined(A) && !defined B', '#define A\n')).toBe('yes');
    expect(pick('A == 3', '#define A (1 + 2)\n')).toBe('yes');
  });

  it('handles #ifdef, #ifndef, #elif and nesting inside skipped groups', () => {
    const text = '#define A\n#ifdef A\na\n#else\nnot-a\n#endif\n#ifndef A\nx\n#elif 0\ny\n#elif 1\nz\n#else\nw\n#endif\n#if 0\n#if 1\nq\n#else\nr\n#endif\n#error never\n#endif\n';
    expect(body(text)).toBe('a\nz');
  });

  it('supports __has_include', () => {
    expect(body('#if __has_include("a.h") && !__has_include(<b.h>)\nyes\n#endif\n', { 'a.h': '' })).toBe('yes');
  });
});

describe('includes', () => {
  it('searches the includer directory for "..." and only the include paths for <...>', () => {
    const files = { 'sub/a.dtsi': '#include "b.h"\na = <B>;\n', 'sub/b.h': '#define B 2\n', 'inc/c.h': '#define C 3\n', 'b.h': '#define B 9\n' };
    expect(body('#include "sub/a.dtsi"\n#include <c.h>\nc = <C>;\n', files, { includePaths: ['inc'] })).toBe('a = <2>;\nc = <3>;');
    expect(pp('#include <b.h>\n', files).diagnostics[0]).toMatchObject({ code: 'include', file: 'main.dts', line: 1 });
  });

  it('honours include guards and #pragma once', () => {
    const files = { 'g.h': '#ifndef G\n#define G\ng;\n#endif\n', 'o.h': '#pragma once\no;\n' };
    expect(body('#include "g.h"\n#include "g.h"\n#include "o.h"\n#include "o.h"\n', files)).toBe('g;\no;');
  });

  it('writes GNU line markers on entry and return', () => {
    const r = pp('/dts-v1/;\n#include "x.dtsi"\n/ { };\n', { 'x.dtsi': '/ { a; };\n' });
    expect(r.text).toBe('# 1 "main.dts"\n/dts-v1/;\n# 1 "x.dtsi" 1\n/ { a; };\n# 3 "main.dts" 2\n/ { };\n');
  });

  it('accepts a macro that expands to the file name', () => {
    expect(body('#define F "x.h"\n#include F\n', { 'x.h': 'x;\n' })).toBe('x;');
  });
});

describe('diagnostics', () => {
  it('reports a missing include at the #include line of the file that has it', () => {
    const r = pp('/dts-v1/;\n#include "a.dtsi"\n', { 'a.dtsi': '\n\n#include <missing.h>\n' });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'include', file: 'a.dtsi', line: 3, message: expect.stringContaining('missing.h') as unknown });
  });

  it('reports an unterminated #if at its line', () => {
    const r = pp('a;\n#ifdef X\nb;\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'cpp_conditional', file: 'main.dts', line: 2, message: 'unterminated #ifdef' });
  });

  it('reports #else and #endif without #if', () => {
    const r = pp('a;\n#else\n#endif\n');
    expect(r.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, '#else without #if'],
      [3, '#endif without #if'],
    ]);
  });

  it('reports a macro argument count mismatch', () => {
    const r = pp('#define F(a, b) a\n\nx = F(1);\ny = F(1, 2, 3);\n');
    expect(r.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['cpp_macro', 3, 'macro "F" requires 2 arguments, but only 1 given'],
      ['cpp_macro', 4, 'macro "F" passed 3 arguments, but takes just 2'],
    ]);
  });

  it('reports #error with its text, in the included file', () => {
    const r = pp('#include "a.h"\n', { 'a.h': 'ok;\n#if 1\n#error "no board" selected\n#endif\n' });
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', code: 'cpp_error', file: 'a.h', line: 3, message: '#error "no board" selected' });
  });

  it('reports bad #if expressions and #warning', () => {
    expect(pp('#if 1 +\n#endif\n').diagnostics[0]).toMatchObject({ line: 1, severity: 'error' });
    expect(pp('#if 1 / 0\n#endif\n').diagnostics[0]).toMatchObject({ message: 'division by zero in #if' });
    expect(pp('\n#warning careful\n').diagnostics[0]).toMatchObject({ severity: 'warning', line: 2, message: '#warning careful' });
  });

  it('maps #line', () => {
    const r = compile('#define X\n/dts-v1/;\n#line 100 "gen.dts"\n/ { x = <&nowhere>; };\n');
    expect(r.diagnostics[0]).toMatchObject({ file: 'gen.dts', line: 100 });
  });
});

describe('compile integration', () => {
  it('maps an error in an included file to that file and line', () => {
    const r = compile('/dts-v1/;\n#include "soc.dtsi"\n/ { };\n', { 'soc.dtsi': '#define N 1\n/ {\n\tok = <N>;\n\tbad = <&missing>;\n};\n' });
    expect(r.diagnostics[0]).toMatchObject({ file: 'soc.dtsi', line: 4, message: expect.stringContaining('missing') as unknown });
  });

  it('maps an error after an include to the including file', () => {
    const r = compile('/dts-v1/;\n#include "soc.dtsi"\n/* two\n   lines */\n/ {\n\tbad = <&missing>;\n};\n', { 'soc.dtsi': '/ {\n\tok;\n};\n' });
    expect(r.diagnostics[0]).toMatchObject({ file: 'main.dts', line: 6, column: 9, sourceLine: '\tbad = <&missing>;' });
  });

  it('maps a syntax error after a multi-line macro call', () => {
    const r = compile('#define F(a, b) <a b>\n/dts-v1/;\n/ {\n\tx = F(1,\n\t      2);\n\ty = <1 2;\n};\n');
    expect(r.diagnostics[0]).toMatchObject({ file: 'main.dts', line: 6 });
  });

  it('runs only when the source has a directive, unless asked', () => {
    expect(needsPreprocessor('/dts-v1/;\n/ { #address-cells = <1>; };\n')).toBe(false);
    expect(needsPreprocessor('  #  include "x"\n')).toBe(true);
    const text = '/dts-v1/;\n/ { x = <__DTS__>; };\n';
    expect(compile(text).ok).toBe(false);
    expect(cells(compile(text, {}, { cpp: true }), '/', 'x')).toEqual([1]);
    expect(cells(compile(text, {}, { defines: { __DTS__: '5' } }), '/', 'x')).toEqual([5]);
    expect(compile('#define A 1\n/dts-v1/;\n/ { x = <A>; };\n', {}, { cpp: false }).ok).toBe(false);
  });

  it('fails the compile on a preprocessor error', () => {
    const r = compile('/dts-v1/;\n#include "nope.h"\n/ { };\n');
    expect(r.ok).toBe(false);
    expect(r.tree).toBeUndefined();
    expect(r.diagnostics[0]).toMatchObject({ code: 'include', line: 2 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real files on disk: a Linux-style board, and the system cpp as the reference

const tmp = mkdtempSync(join(tmpdir(), 'tsvisor-cpp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(tmp, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const IRQ_H = `/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
#ifndef _DT_BINDINGS_INTERRUPT_CONTROLLER_IRQ_H
#define _DT_BINDINGS_INTERRUPT_CONTROLLER_IRQ_H

#define IRQ_TYPE_NONE		0
#define IRQ_TYPE_EDGE_RISING	1
#define IRQ_TYPE_EDGE_FALLING	2
#define IRQ_TYPE_EDGE_BOTH	(IRQ_TYPE_EDGE_FALLING | IRQ_TYPE_EDGE_RISING)
#define IRQ_TYPE_LEVEL_HIGH	4
#define IRQ_TYPE_LEVEL_LOW	8

#endif
`;
const GIC_H = `#ifndef _DT_BINDINGS_INTERRUPT_CONTROLLER_ARM_GIC_H
#define _DT_BINDINGS_INTERRUPT_CONTROLLER_ARM_GIC_H

#include <dt-bindings/interrupt-controller/irq.h>

/* interrupt specifier cell 0 */

#define GIC_SPI 0
#define GIC_PPI 1

#define GIC_CPU_MASK_RAW(x) ((x) << 8)
#define GIC_CPU_MASK_SIMPLE(num) GIC_CPU_MASK_RAW((1 << (num)) - 1)

#endif
`;
const GPIO_H = `#ifndef _DT_BINDINGS_GPIO_GPIO_H
#define _DT_BINDINGS_GPIO_GPIO_H
#define GPIO_ACTIVE_HIGH 0
#define GPIO_ACTIVE_LOW 1
#endif
`;
const SOC_DTSI = `// SPDX-License-Identifier: GPL-2.0
#include <dt-bindings/interrupt-controller/arm-gic.h>
#include <dt-bindings/gpio/gpio.h>

#define SOC_PERIPH_IRQ(nr)	(nr - 32)
#define UART(n, addr, irq)					\\
	uart##n: serial@addr {					\\
		compatible = "vendor,uart";			\\
		reg = <0x0 0x##addr 0x0 0x1000>;		\\
		interrupts = <GIC_SPI SOC_PERIPH_IRQ(irq) IRQ_TYPE_LEVEL_HIGH>; \\
		status = "disabled";				\\
	}

/ {
	#address-cells = <2>;
	#size-cells = <2>;
	interrupt-parent = <&gic>;

	gic: interrupt-controller@8000000 {
		compatible = "arm,gic-400";
		#interrupt-cells = <3>;
		interrupt-controller;
		reg = <0x0 0x8000000 0x0 0x1000>;
		interrupts = <GIC_PPI 9 (GIC_CPU_MASK_SIMPLE(4) | IRQ_TYPE_LEVEL_HIGH)>;
	};

	soc {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		UART(0, 9000000, 33);
		UART(1, 9001000, 34);
	};
};
`;
const BOARD_DTS = `// SPDX-License-Identifier: GPL-2.0
/dts-v1/;

#include "vendor/soc.dtsi"

/ {
	model = "Vendor Board";
	compatible = "vendor,board", "vendor,soc";

	leds {
		compatible = "gpio-leds";
		led-0 {
			gpios = <&gpio 3 GPIO_ACTIVE_LOW>;
#if defined(BOARD_REV) && BOARD_REV >= 2
			label = "rev2";
#else
			label = "rev1";
#endif
		};
	};

	gpio: gpio-controller {
		gpio-controller;
		#gpio-cells = <2>;
	};
};

&uart0 {
	status = "okay";
};
`;

describe('Linux-style sources on disk', () => {
  const inc = join(tmp, 'include');
  write('include/dt-bindings/interrupt-controller/irq.h', IRQ_H);
  write('include/dt-bindings/interrupt-controller/arm-gic.h', GIC_H);
  write('include/dt-bindings/gpio/gpio.h', GPIO_H);
  write('dts/vendor/soc.dtsi', SOC_DTSI);
  const board = write('dts/board.dts', BOARD_DTS);

  it('compiles a board with dt-bindings includes and macro-generated nodes', () => {
    const r = compileFile(board, { files: hostFiles, includePaths: [inc] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(cells(r, '/soc/serial@9001000', 'interrupts')).toEqual([0, 2, 4]);
    expect(cells(r, '/soc/serial@9000000', 'reg')).toEqual([0, 0x9000000, 0, 0x1000]);
    expect(cells(r, '/interrupt-controller@8000000', 'interrupts')).toEqual([1, 9, 0xf04]);
    expect(getNodeByPath(r.tree!.root, '/soc/serial@9000000')!.getProp('status')!.value.asString()).toBe('okay');
    expect(getNodeByPath(r.tree!.root, '/leds/led-0')!.getProp('label')!.value.asString()).toBe('rev1');
    const rev2 = compileFile(board, { files: hostFiles, includePaths: [inc], defines: { BOARD_REV: '2' } });
    expect(getNodeByPath(rev2.tree!.root, '/leds/led-0')!.getProp('label')!.value.asString()).toBe('rev2');
  });

  it('points at the board line of an error after the includes', () => {
    const bad = write('dts/bad.dts', BOARD_DTS.replace('&uart0 {', '&uart0 {\n\tx = <&nolabel>;'));
    const r = compileFile(bad, { files: hostFiles, includePaths: [inc] });
    expect(r.diagnostics[0]).toMatchObject({ file: bad, line: 29, sourceLine: '\tx = <&nolabel>;' });
  });

  it('points at the invocation line of an error inside a macro-generated node', () => {
    write('dts/vendor2/soc.dtsi', SOC_DTSI.replace('status = "disabled";', 'status = "disabled"; clocks = <&noclk>;'));
    const bad = write('dts/bad2.dts', BOARD_DTS.replace('vendor/soc.dtsi', 'vendor2/soc.dtsi'));
    const r = compileFile(bad, { files: hostFiles, includePaths: [inc] });
    const line = SOC_DTSI.split('\n').findIndex((l) => l.includes('UART(0,')) + 1;
    expect(r.diagnostics[0]).toMatchObject({ file: join(tmp, 'dts/vendor2/soc.dtsi'), line, message: expect.stringContaining('noclk') as unknown });
  });

  const haveCpp = existsSync('/usr/bin/cpp');
  const systemCpp = async (file: string, defines: string[] = []): Promise<string> =>
    (await runChecked('/usr/bin/cpp', ['-nostdinc', '-I', inc, '-undef', '-D__DTS__', ...defines, '-x', 'assembler-with-cpp', file])).stdout.toString('latin1');

  const cases: Record<string, string> = {
    board: BOARD_DTS,
    spacing: `/dts-v1/;
#define B 1
#define C(x) x+B
#define NAME(n) node##n
#define LAB(n) l##n
#define STR(x) #x
#define XSTR(x) STR(x)
#define CELLS(...) <__VA_ARGS__>
/ {
	LAB(1): NAME(1)@B { reg = <B>; s = XSTR(B), STR(a   b); c = CELLS(1, 2,3); };
	x = <(C(2)-B) (B-1) (-B)>;
	y = &LAB(1);
	z = <'a' 'b'>;
	p-B = <0>;
};
`,
    conditionals: `/dts-v1/;
#define V 3
/ {
#if V > 2 && defined(V) && (V << 2) == 12
	a;
#elif 1
	b;
#endif
#ifdef W
	w;
#else
	notw;
#endif
#if 0
	#error should not fire
#endif
#if (0xffffffff + 1) == 0x100000000 && -1 < 0 && !(-1 < 0u)
	big;
#endif
};
`,
    recursion: `/dts-v1/;
#define foo foo
#define f(x) (x + f(x))
#define g f
#define lst 1 2 3
/ {
	foo;
	v = <g(lst)>;
	#address-cells = <1>;
#size-cells = <0>;
};
`,
  };

  for (const [name, text] of Object.entries(cases)) {
    it.skipIf(!haveCpp)(`produces the same DTB as the system cpp: ${name}`, async () => {
      const file = write(`dts/cmp-${name}.dts`, text);
      const ref = compileSource(await systemCpp(file), file, { files: hostFiles, includePaths: [inc], cpp: false });
      const ours = compileFile(file, { files: hostFiles, includePaths: [inc] });
      const refErrors = ref.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
      const ourErrors = ours.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
      expect(ourErrors).toEqual(refErrors);
      if (ref.tree && ours.tree && ref.ok) expect(Buffer.from(toBlob(ours.tree)).equals(Buffer.from(toBlob(ref.tree)))).toBe(true);
    });
  }
});
