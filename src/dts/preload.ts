/**
 * What the device-tree toolchain otherwise loads on first use (the preprocessor and overlay generators, see
 * compile.ts; chevrotain, see tokens.ts), loaded up front where it cannot load on first use: that load is a require()
 * of an ES module, which takes Node 20.19 or later and, for compile.ts, the built .js files (the .ts sources, as
 * vitest and tsx run them, have no .js file beside them). Import this module before compiling there: the package's
 * entry points, the CLI on an older Node and the tests' setup file do. Where both load on first use it loads nothing.
 *
 * The top-level await is here, in a module of its own, because `tsvisor run` require()s its module graph
 * (cli/commands.ts), and require() refuses a graph with a top-level await anywhere in it.
 */
import { compilerLoadsOnFirstUse, provideCompilerModules } from './compile.js';
import { chevrotainLoadsOnFirstUse, loadChevrotain, provideChevrotain } from './tokens.js';

if (!compilerLoadsOnFirstUse) provideCompilerModules(await import('./cpp.js'), await import('./overlay.js'));
if (!chevrotainLoadsOnFirstUse) provideChevrotain(await loadChevrotain());
