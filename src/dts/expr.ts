/**
 * Integer literals and constant expressions with dtc's semantics: unsigned 64-bit arithmetic, C precedence,
 * shifts of 64 or more giving 0, division by zero an error. BigInt is fine here: this runs at compile time only.
 */
import type { IToken } from 'chevrotain';
import type { IntExpr } from './ast.js';
import { unescapeString } from './escape.js';
import { foldExpression } from './exprparse.js';

const MASK64 = (1n << 64n) - 1n;

export interface ExprError {
  message: string;
  at: IToken;
}

/** The value of a literal token as strtoull(…, 0) reads it, or an error message. */
function literalValue(image: string): bigint | string {
  let digits = image;
  while (/[UuLl]$/.test(digits)) digits = digits.slice(0, -1);
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') {
    if (!/^[0-7]+$/.test(digits)) return `bad integer literal '${image}'`;
    v = BigInt('0o' + digits.slice(1));
  } else v = BigInt(digits);
  if (v > MASK64) return `integer literal '${image}' out of range`;
  return v;
}

/**
 * A literal small enough to be a plain number (the common case in cell lists), or -1. Avoids BigInt for the
 * thousands of cells in a typical board file.
 */
export function smallLiteral(image: string): number {
  const n = image.length;
  if (n === 0 || n > 12) return -1;
  const c0 = image.charCodeAt(0);
  if (c0 === 0x30 && n > 1) {
    const c1 = image.charCodeAt(1);
    if (c1 !== 0x78 && c1 !== 0x58) return -1; // octal and oddities take the careful path
    let v = 0;
    for (let i = 2; i < n; i++) {
      const c = image.charCodeAt(i);
      const d = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
      if (d < 0 || d > 15) return -1;
      v = v * 16 + d;
    }
    return n > 2 ? v : -1;
  }
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = image.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The value of a character literal token (`'a'`, `'\n'`), or an error message. */
function charValue(image: string): { value: bigint; error?: string } {
  const u = unescapeString(image.slice(1, -1));
  const [first] = u.bytes;
  if (first === undefined) return { value: 0n, error: 'empty character literal' };
  if (u.bytes.length > 1) return { value: BigInt(first), error: `character literal has ${u.bytes.length} characters instead of 1` };
  return { value: BigInt(first) };
}

function children(e: IntExpr): readonly IntExpr[] {
  switch (e.kind) {
    case 'literal':
    case 'char':
      return [];
    case 'paren':
      return [e.expr];
    case 'unary':
      return [e.arg];
    case 'binary':
      return [e.left, e.right];
    case 'ternary':
      return [e.cond, e.then, e.else];
  }
}

/**
 * The value of an expression. dtc computes every operand while parsing, so errors in a `?:` branch not taken or
 * on the right of `&&`/`||` still count. Walks the tree without recursion (expressions may nest thousands deep).
 */
export function evaluate(root: IntExpr, errors: ExprError[]): bigint {
  return foldExpression(root, children, (e, v: bigint[]): bigint => {
    const [a = 0n, b = 0n, c = 0n] = v; // the operands `children` gave, in order
    switch (e.kind) {
      case 'literal': {
        const r = literalValue(e.tok.image);
        if (typeof r === 'string') {
          errors.push({ message: r, at: e.tok });
          return 0n;
        }
        return r;
      }
      case 'char': {
        const c = charValue(e.tok.image);
        if (c.error) errors.push({ message: c.error, at: e.tok });
        return c.value;
      }
      case 'paren':
        return a;
      case 'unary': {
        switch (e.op.image) {
          case '-':
            return -a & MASK64;
          case '~':
            return ~a & MASK64;
          default:
            return a === 0n ? 1n : 0n;
        }
      }
      case 'ternary':
        return a !== 0n ? b : c;
      case 'binary':
        return binary(e.op, a, b, errors);
    }
  });
}

function binary(opTok: IToken, a: bigint, b: bigint, errors: ExprError[]): bigint {
  const op = opTok.image;
  switch (op) {
    case '*':
      return (a * b) & MASK64;
    case '/':
    case '%':
      if (b === 0n) {
        errors.push({ message: 'division by zero', at: opTok });
        return 0n;
      }
      return op === '/' ? a / b : a % b;
    case '+':
      return (a + b) & MASK64;
    case '-':
      return (a - b) & MASK64;
    case '<<':
      return b < 64n ? (a << b) & MASK64 : 0n;
    case '>>':
      return b < 64n ? a >> b : 0n;
    case '<':
      return a < b ? 1n : 0n;
    case '>':
      return a > b ? 1n : 0n;
    case '<=':
      return a <= b ? 1n : 0n;
    case '>=':
      return a >= b ? 1n : 0n;
    case '==':
      return a === b ? 1n : 0n;
    case '!=':
      return a !== b ? 1n : 0n;
    case '&':
      return a & b;
    case '^':
      return a ^ b;
    case '|':
      return a | b;
    case '&&':
      return a !== 0n && b !== 0n ? 1n : 0n;
    default:
      return a !== 0n || b !== 0n ? 1n : 0n;
  }
}

/** The token an expression starts with (for messages). */
export function firstToken(root: IntExpr): IToken {
  let e = root;
  for (;;) {
    switch (e.kind) {
      case 'literal':
      case 'char':
        return e.tok;
      case 'unary':
        return e.op;
      case 'paren':
        return e.open;
      case 'binary':
        e = e.left;
        break;
      case 'ternary':
        e = e.cond;
        break;
    }
  }
}
