/**
 * Makes dist/cli/tsvisor-bundle.cjs, the `tsvisor` command's CLI in one CommonJS file (src/cli/tsvisor.cts runs it),
 * from the modules tsc built into dist/, then the bundle's V8 code cache from a run of a small guest. Run by
 * `npm run build` after tsc.
 *
 * Each module's `import.meta.url` becomes its own file's URL in dist/, so the paths it computes from it (package.json,
 * worker threads' modules, served files) stay those of the built modules. Modules that load others on first use do it
 * with literal require()s in the bundle (src/bundled.ts), which esbuild follows; dts/preload.ts is left empty.
 * chevrotain (loaded only to word a syntax error), ws and xterm (the web view) stay outside, loaded from node_modules
 * as before.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { build } from 'esbuild';
import { tsvisorCommand } from '../dist/cli/cli-command.js';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'cli/tsvisor-bundle.cjs');
const LOADER = join(DIST, 'cli/tsvisor.cjs');

/**
 * Each built module's import.meta.url, as a call of a function the bundle defines first (a module's own variables,
 * `require` among them, cannot shadow it): its file's URL from the bundle's own __dirname.
 */
const FILE_URL = '__tsvisorFileUrl';
const FILE_URL_FUNCTION = `const ${FILE_URL} = (p) => require('node:url').pathToFileURL(require('node:path').join(__dirname, p)).href;`;
const metaUrl = {
  name: 'import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST + sep)) return undefined;
      let text = readFileSync(args.path, 'utf8');
      if (args.path === join(DIST, 'cli/main.js')) text = text.replace(/^#!.*\n/, '');
      // What preload.ts loads up front (with a top-level await, which CommonJS cannot hold) loads on first use here:
      // the bundle runs only where require() of an ES module works (tsvisor.cts).
      if (args.path === join(DIST, 'dts/preload.js')) text = '';
      const from = JSON.stringify(relative(dirname(OUT), args.path).split(sep).join('/'));
      text = text.replaceAll('import.meta.url', `${FILE_URL}(${from})`);
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * commander loads node:child_process (and with it net, dgram and streams) when it loads, for executable subcommands,
 * which tsvisor has none of: in the bundle it loads when commander first spawns one.
 */
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`${args.path}: no "${eager}" (a new commander?): update ${import.meta.filename}`);
      return { contents: text.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};

await build({
  entryPoints: [join(DIST, 'cli/main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { TSVISOR_BUNDLED: 'true' },
  external: ['chevrotain', 'ws', '@xterm/*'],
  plugins: [metaUrl, lazyChildProcess],
  logLevel: 'warning',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: FILE_URL_FUNCTION },
});

const bundle = readFileSync(OUT, 'utf8');
if (bundle.includes('import.meta')) throw new Error(`${OUT}: import.meta left in the bundle`);
chmodSync(LOADER, 0o755);

// The code cache, from a run of the smallest guest (V8 keeps the functions a run compiled). None is made where the
// guests are not (a package built elsewhere): the first run then writes it.
const cache = join(DIST, 'cli/tsvisor-bundle.v8cache');
rmSync(cache, { force: true });
const guest = ['guests/dts/basic.dts', 'guests/bin/hello.elf'].map((p) => join(ROOT, p));
if (guest.every((p) => existsSync(p))) {
  // As the command runs (its #! line's options): V8 takes the cache only under the flags it was made with.
  const c = tsvisorCommand(LOADER, ['run', guest[0], '--image', guest[1]]);
  const r = spawnSync(c.command, c.args, { env: c.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the bundle's first run failed (${r.status}): ${r.stderr.slice(0, 800)}`);
}
