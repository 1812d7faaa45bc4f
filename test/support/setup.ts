/**
 * Before every test file (vitest.config.ts's setupFiles): the tests run the .ts sources, beside which there is no
 * .js file for the device-tree toolchain to require() its optional parts from on first use; they load up front.
 */
import '../../src/dts/preload.js';
