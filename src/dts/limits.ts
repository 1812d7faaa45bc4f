/**
 * The toolchain's one nesting policy. Every part that follows structure in its input (the DTS lexer and its
 * `/include/`s, the parser, the C preprocessor, the DTB reader and every pass that walks the tree) stops at these
 * depths with a located error ("... nested more than N deep") instead of running out of JavaScript stack.
 *
 * - Expressions (DTS cell expressions and cpp `#if` lines) and node bodies are parsed, and expressions evaluated,
 *   with explicit stacks, so those limits are not tied to the JavaScript stack. They are set where dtc's own parser
 *   gives up: bison's default YYMAXDEPTH is 10000 stack entries, and dtc 1.6.1 reports "memory exhausted" a little
 *   under 10000 nested parentheses or unary operators.
 * - Node nesting is followed by recursive tree passes (checks, printing, flattening), so it is smaller: far deeper
 *   than any real device tree (Linux's go about 8 levels), and shallow enough for every recursive pass to run in
 *   Node's default stack. The same limit applies to nesting in the source, to the tree after `&ref { }` merges, and
 *   to a DTB read back, so whatever tsvisor writes it can also read.
 * - Includes (`/include/` and `#include`) follow GCC's limit of 200.
 */

/** Node nesting: braces in one source, depth of the built tree (root = 0), and nodes in a DTB read back. */
export const MAX_NODE_DEPTH = 1024;

/** Nesting inside one integer expression: open parentheses, pending unary operators and `?:` operators. */
export const MAX_EXPR_DEPTH = 10000;

/**
 * Function-like macro invocations nested in one another's arguments (`F(F(F(...)))`). Arguments are expanded
 * recursively, as GCC does, and each level reads what the levels inside it produced, so a nest costs the square
 * of its depth: 256 levels stay far inside both the JavaScript stack and MAX_EXPANSION_WORK. Real sources nest a
 * handful.
 */
export const MAX_MACRO_DEPTH = 256;

/**
 * Tokens the preprocessor may read back from macro expansions, and copy into them, in one run. Work, not depth: a
 * nest of calls costs its depth times the size of its arguments (each level reads and copies the whole argument
 * again, in GCC too), and macros that each use the next one twice double at every level. Linux 6.1's device trees need at most 94,000 (stm32mp157);
 * at this bound a pathological input stops within about a second, with a located error.
 */
export const MAX_EXPANSION_WORK = 2_000_000;

/** Nested `/include/` and `#include` files. */
export const MAX_INCLUDE_DEPTH = 200;

/** The message every limit gives, so that they read alike. */
export function tooDeep(what: string, limit: number): string {
  return `${what} nested more than ${limit} deep`;
}
