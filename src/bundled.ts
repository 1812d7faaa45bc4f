/**
 * Whether this code runs from the `tsvisor` command's single-file bundle (scripts/bundle-cli.mjs, which defines
 * TSVISOR_BUNDLED as true there) rather than from the built ES modules. Modules that load others on first use
 * (`createRequire(import.meta.url)(specifier)`, which a bundler cannot follow) do it with a literal `require()` in the
 * bundle instead: the bundler then takes the module in, evaluated on that first use, and a process never holds two
 * copies of a module (one bundled, one from dist/).
 */
declare const TSVISOR_BUNDLED: boolean | undefined;

export const BUNDLED: boolean = typeof TSVISOR_BUNDLED !== 'undefined' && TSVISOR_BUNDLED;
