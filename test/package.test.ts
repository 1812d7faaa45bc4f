/**
 * The package as a consumer gets it: packed with `npm pack` (what `npm publish` would upload), unpacked into another
 * folder's node_modules and imported by name through its `exports` map. The README's library example runs there as
 * it stands in the README, and type-checks against the packed `.d.ts` files. (The package's dependencies come from
 * this checkout's node_modules through a link, as an install would put them: no registry is needed.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runChecked } from './support/process.js';

const ROOT = resolve(import.meta.dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
let dir: string;
/** The consumer project: node_modules/tsvisor is the unpacked tarball. */
let consumer: string;
let packed: string[];

/** The fenced ```js blocks of the README's "Using tsvisor as a library" section. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Using tsvisor as a library\n');
  expect(start, 'the README has the library section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/index.js')), 'dist/index.js exists (run npm run build first)').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'tsvisor-package-'));
  // --ignore-scripts: the tarball holds the dist/ that `npm test` built just before (prepack would build it again).
  const pack = await runChecked('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const info = JSON.parse(pack.stdout.toString('utf8')) as { filename: string; files: { path: string }[] }[];
  const first = info[0];
  if (!first) throw new Error('npm pack reported no package');
  packed = first.files.map((f) => f.path);
  consumer = join(dir, 'consumer');
  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  await runChecked('tar', ['-xzf', join(dir, first.filename), '-C', join(consumer, 'node_modules')]);
  renameSync(join(consumer, 'node_modules/package'), join(consumer, 'node_modules/tsvisor'));
  // The dependencies an install would bring, and @types/node for the type check.
  symlinkSync(join(ROOT, 'node_modules'), join(consumer, 'node_modules/tsvisor/node_modules'), 'dir');
  mkdirSync(join(consumer, 'node_modules/@types'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(consumer, 'node_modules/@types/node'), 'dir');
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 120_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('the packed package', () => {
  it('holds the built entry points, their types, the CLI, LICENSE, README and CHANGELOG, and no sources', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/dts/index.js',
      'dist/dts/index.d.ts', 'dist/vmm/index.js', 'dist/vmm/index.d.ts', 'dist/cli/main.js', 'dist/cli/tsvisor.cjs', 'dist/cli/tsvisor-bundle.cjs']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f))).toEqual([]);
    expect(packed).not.toContain('dist/.tsbuildinfo');
    // Made by a run where it runs: V8 takes a code cache only from its own build, under the same flags.
    expect(packed).not.toContain('dist/cli/tsvisor-bundle.v8cache');
  });

  it('resolves by name through its exports map, and only there', async () => {
    const probe = [
      "const main = await import('tsvisor');",
      "const dts = await import('tsvisor/dts');",
      "const vmm = await import('tsvisor/vmm');",
      "const { createRequire } = await import('node:module');",
      "const pkg = createRequire(import.meta.url)('tsvisor/package.json');",
      'console.log(JSON.stringify({',
      '  main: Object.keys(main).sort(), dts: typeof dts.compileSource, vmm: typeof vmm.runGuest,',
      '  fromBoard: typeof main.Hypervisor.fromBoard, version: main.VERSION, pkg: pkg.version,',
      '}));',
      "try { await import('tsvisor/dist/vmm/shell.js'); } catch (e) { console.log(e.code); }",
    ].join('\n');
    writeFileSync(join(consumer, 'probe.mjs'), probe);
    const r = await run('node', [join(consumer, 'probe.mjs')], { cwd: consumer });
    expect(r.stderr.toString('utf8')).toBe('');
    const [json, refused] = r.stdout.toString('utf8').trim().split('\n');
    expect(JSON.parse(json ?? '{}')).toEqual({
      main: ['ConfigError', 'DEFAULT_TIMEOUT_SECONDS', 'Hypervisor', 'Shell', 'VERSION', 'compile', 'runImage', 'validate'],
      dts: 'function', vmm: 'function', fromBoard: 'function', version: PKG.version, pkg: PKG.version,
    });
    // Internals are not part of the interface: a deep import is refused.
    expect(refused).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('the README\'s library examples run against it as written', async () => {
    const [main, dts] = readmeExamples();
    expect(main, 'the main example').toBeDefined();
    expect(dts, 'the tsvisor/dts example').toBeDefined();
    writeFileSync(join(consumer, 'example.mjs'), main ?? '');
    writeFileSync(join(consumer, 'example-dts.mjs'), dts ?? '');
    // Run from this checkout's folder: the example's paths are the repository's boards and guests.
    const r = await run('node', [join(consumer, 'example.mjs')], { cwd: ROOT });
    expect(r.stderr.toString('utf8')).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.toString('utf8').split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'true 98 []',
      "true [ 'guest0', 'guest1' ]",
      'shutdown 0',
      'PASS hello (5 checks)',
      'hello through the ns16550a UART',
    ]);
    expect(lines.slice(5).join(' ')).toMatch(/^\[\s+'guest0: Shutdown \(SBI SRST shutdown, no reason\)',\s+'guest1: Shutdown \(SBI SRST shutdown, no reason\)'\s+\]/);
    const d = await run('node', [join(consumer, 'example-dts.mjs')], { cwd: ROOT });
    expect(d.stderr.toString('utf8')).toBe('');
    expect(d.stdout.toString('utf8')).toMatch(/^\d+ \d+\n$/);
  });

  it('the examples type-check against the packed .d.ts files (strict, library checks on)', async () => {
    const [main, dts] = readmeExamples();
    writeFileSync(join(consumer, 'example.ts'), main ?? '');
    writeFileSync(join(consumer, 'example-dts.ts'), dts ?? '');
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        types: ['node'], skipLibCheck: false,
      },
      files: ['example.ts', 'example-dts.ts'],
    }));
    const r = await run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer], { cwd: consumer });
    expect(r.stdout.toString('utf8') + r.stderr.toString('utf8')).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
