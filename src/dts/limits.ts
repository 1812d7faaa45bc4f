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
 * Function-like macro invocations nested in one another's arguments (`F(F(F(...)))`). The preprocessor expands
 * arguments recursively, as GCC does, so this one is bounded by the JavaScript stack: about 2,300 levels fit in
 * Node's default stack; the limit leaves room for callers. Real sources nest a handful.
 */
export const MAX_MACRO_DEPTH = 1024;

/** Nested `/include/` and `#include` files. */
export const MAX_INCLUDE_DEPTH = 200;

/** The message every limit gives, so that they read alike. */
export function tooDeep(what: string, limit: number): string {
  return `${what} nested more than ${limit} deep`;
}
